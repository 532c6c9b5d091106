//! Import warnings and cleaning steps on the command line: worded in the chosen language from
//! their codes (text and `--json`), with the codes the same in every language.

use plantlab_engine::generate::{messy_series, MessyOptions};

use crate::{plantlab, plantlab_in_locale};

fn stdout(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn profile_words_import_warnings_in_the_chosen_language_and_keeps_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice.csv");
    std::fs::write(&path, "flow,flow,temp\n1,2,3\n4,5,6\n7,8,9\n").unwrap();
    let file = path.to_str().unwrap();
    let text = stdout(&plantlab_in_locale(&["profile", file, "--lang", "zh-CN"], "C"));
    assert!(text.contains("列名“flow”出现了不止一次；重复的那一列命名为“flow_2”。"), "{text}");
    assert!(!text.contains("appears more than once"), "{text}");

    let english: serde_json::Value = serde_json::from_str(&stdout(&plantlab(&["profile", file, "--json"]))).unwrap();
    let chinese: serde_json::Value =
        serde_json::from_str(&stdout(&plantlab_in_locale(&["profile", file, "--json", "--lang", "zh-CN"], "C"))).unwrap();
    assert_eq!(english["import_warnings"][0], "Column name \"flow\" appears more than once; the copy is called \"flow_2\".");
    assert_eq!(chinese["import_warnings"][0], "列名“flow”出现了不止一次；重复的那一列命名为“flow_2”。");
    assert_eq!(chinese["import_warning_codes"], english["import_warning_codes"], "the codes do not follow the language");
    assert_eq!(english["import_warning_codes"][0]["code"], "duplicate_name");
}

#[test]
fn suggested_steps_are_described_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.csv");
    std::fs::write(&path, messy_series(&MessyOptions::default()).0).unwrap();
    let (file, recipe) = (path.to_str().unwrap(), dir.path().join("recipe.json"));
    let recipe = recipe.to_str().unwrap();
    let english: serde_json::Value =
        serde_json::from_str(&stdout(&plantlab(&["clean", file, "--suggest", "-o", recipe, "--json", "--lang", "en"]))).unwrap();
    let chinese: serde_json::Value =
        serde_json::from_str(&stdout(&plantlab_in_locale(&["clean", file, "--suggest", "-o", recipe, "--json", "--lang", "zh-CN"], "C"))).unwrap();
    let (english, chinese) = (english["steps"].as_array().unwrap(), chinese["steps"].as_array().unwrap());
    assert!(english.len() >= 5, "{english:?}");
    assert_eq!(english.len(), chinese.len());
    for (en, zh) in english.iter().zip(chinese) {
        assert_eq!(en["op"], zh["op"], "the op is the code");
        let (en, zh) = (en["description"].as_str().unwrap(), zh["description"].as_str().unwrap());
        assert_ne!(en, zh);
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
    }
    assert!(english.iter().any(|s| s["description"] == "Sort rows by time"), "{english:?}");
    assert!(chinese.iter().any(|s| s["description"] == "按时间排序各行"), "{chinese:?}");
    let text = stdout(&plantlab_in_locale(&["clean", file, "--suggest", "-o", recipe, "--lang", "zh-CN"], "C"));
    assert!(text.contains(". 按时间排序各行"), "{text}");
}
