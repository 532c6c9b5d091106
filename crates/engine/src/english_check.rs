//! For tests that a message reads in Chinese: the English words left in it outside what it
//! quotes (names, codes, a library's or the system's own words) and the values it names.

/// Names Chinese technical text writes in Latin letters: the product, formats, methods.
const LATIN_IN_CHINESE: [&str; 6] = ["PlantLab", "UTF", "JSON", "CSV", "PCA", "Base"];

/// `text` without its quoted parts (“…”, "…", `…`).
fn without_quoted(text: &str) -> String {
    let mut kept = String::new();
    let mut closing = None;
    for c in text.chars() {
        match closing {
            Some(end) if c == end => closing = None,
            Some(_) => {}
            None => match c {
                '“' => closing = Some('”'),
                '"' | '`' => closing = Some(c),
                _ => kept.push(c),
            },
        }
    }
    kept
}

/// The English words (3 or more ASCII letters) of `text` outside its quoted parts and outside
/// `names` (values shown as they are, such as a path or a column).
pub(crate) fn english_words(text: &str, names: &[&str]) -> Vec<String> {
    let mut rest = text.to_owned();
    for name in names {
        rest = rest.replace(name, " ");
    }
    without_quoted(&rest)
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 3 && !LATIN_IN_CHINESE.contains(word))
        .map(str::to_owned)
        .collect()
}

#[test]
fn english_is_found_outside_quotes_and_names_only() {
    assert_eq!(english_words("步骤“fill”：列“temperature”不在数据中", &[]), Vec::<String>::new());
    assert_eq!(english_words("步骤“fill”：the column is gone", &[]), vec!["the", "column", "gone"]);
    assert_eq!(english_words("/数据/配方.json：不是有效的 JSON（原文：“expected value”）", &["/数据/配方.json"]), Vec::<String>::new());
    assert_eq!(english_words("值为 NaN", &[]), vec!["NaN"]);
    assert!(english_words("无法写入 /tmp/x.csv：系统提示“No such file or directory”。", &["/tmp/x.csv"]).is_empty());
    assert!(english_words("文件不是 PlantLab 模型包（缺少 \"format\": \"plantlab-model-bundle\"）", &[]).is_empty());
    assert_eq!(english_words("位号“tag3”和 tag4 缺失", &[]), ["tag"]);
}
