//! Which encoding a text export is in, with how sure the guess is.
//!
//! Byte-order marks and UTF-16's zero bytes decide at once; valid UTF-8 is UTF-8. Anything
//! else is decoded (the head only) as each legacy encoding plant exports come in — GB18030 (a
//! superset of GBK and GB2312), Big5, Shift-JIS and Windows-1252 —, candidates with malformed
//! sequences are dropped, and the rest are scored by how plausible their text is: the share of
//! common characters of the script among the non-ASCII ones. Chinese bytes read as Windows-1252
//! give runs of accented letters and symbols (`·´Ó¦Æ÷`); German bytes read as GB18030 give rare
//! ideographs or malformed pairs; GB18030 bytes read as Big5 give rare traditional characters.

/// An encoding guess: the name the importer uses and how sure the sniff is (0 to 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EncodingGuess {
    pub name: &'static str,
    pub confidence: f32,
}

/// Below this confidence the import warns, naming the guess and how to override it.
pub const CONFIDENT: f32 = 0.6;

/// The encodings the importer reads, as the user may name them (case does not matter).
pub const ENCODING_NAMES: &str =
    "utf-8, utf-8-bom, utf-16le, utf-16be, gb18030 (also gbk, gb2312), big5, shift_jis (also sjis), windows-1252 (also cp1252, latin1)";

/// Bytes of the head scored when the text is not UTF-8: enough lines for the header, units
/// row and a screenful of data, and quick to decode four times.
const SCORED_BYTES: usize = 64 * 1024;

/// The legacy encodings a non-UTF-8 export may be in, in the order they win a tie.
const LEGACY: [&str; 4] = ["gb18030", "big5", "shift_jis", "windows-1252"];

/// The `encoding_rs` codec for a user-given or sniffed name; `None` for UTF-8/UTF-16 (handled
/// apart) and for unknown names. GBK and GB2312 are read as GB18030, their superset.
pub fn legacy_codec(name: &str) -> Option<(&'static str, &'static encoding_rs::Encoding)> {
    let codec = match name.to_ascii_lowercase().as_str() {
        "gb18030" | "gbk" | "gb2312" | "cp936" => ("gb18030", encoding_rs::GB18030),
        "big5" | "big-5" | "cp950" => ("big5", encoding_rs::BIG5),
        "shift_jis" | "shift-jis" | "sjis" | "cp932" => ("shift_jis", encoding_rs::SHIFT_JIS),
        "windows-1252" | "cp1252" | "latin1" | "iso-8859-1" => ("windows-1252", encoding_rs::WINDOWS_1252),
        _ => return None,
    };
    Some(codec)
}

/// BOMs first; then UTF-16 without BOM by its zero bytes in ASCII text; then UTF-8 if valid;
/// otherwise the most plausible legacy encoding.
pub fn guess_encoding(bytes: &[u8]) -> EncodingGuess {
    let sure = |name| EncodingGuess { name, confidence: 1.0 };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return sure("utf-8-bom");
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return sure("utf-16le");
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return sure("utf-16be");
    }
    let head = &bytes[..bytes.len().min(4096)];
    let pairs = head.len() / 2;
    if pairs >= 2 {
        let zero_odd = head.chunks_exact(2).filter(|p| p[1] == 0 && p[0] != 0).count();
        let zero_even = head.chunks_exact(2).filter(|p| p[0] == 0 && p[1] != 0).count();
        if zero_odd * 10 >= pairs * 7 {
            return EncodingGuess { name: "utf-16le", confidence: 0.95 };
        }
        if zero_even * 10 >= pairs * 7 {
            return EncodingGuess { name: "utf-16be", confidence: 0.95 };
        }
    }
    let valid_utf8 = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        // Only the last character cut off: a truncated UTF-8 export.
        Err(e) => e.error_len().is_none(),
    };
    if valid_utf8 {
        // Pure ASCII reads the same in every candidate; a few multi-byte sequences that are all
        // well-formed are very unlikely in any other encoding.
        let sequences = bytes.iter().take(SCORED_BYTES).filter(|&&b| b >= 0xC0).count();
        let confidence = match sequences {
            0 => 1.0,
            1 => 0.9,
            _ => 0.99,
        };
        return EncodingGuess { name: "utf-8", confidence };
    }
    guess_legacy_text(bytes)
}

/// The head to score, cut after its last line end so no multi-byte character is split (a line
/// feed is never part of one in these encodings).
fn scored_head(bytes: &[u8]) -> &[u8] {
    let head = &bytes[..bytes.len().min(SCORED_BYTES)];
    if head.len() < bytes.len() {
        if let Some(end) = head.iter().rposition(|&b| b == b'\n') {
            return &head[..=end];
        }
    }
    head
}

/// The most plausible legacy encoding of text known not to be UTF-8, scored on its head.
pub fn guess_legacy_text(bytes: &[u8]) -> EncodingGuess {
    guess_legacy(scored_head(bytes))
}

/// Plausibility of each legacy encoding for the head, and the guess with its confidence.
fn guess_legacy(head: &[u8]) -> EncodingGuess {
    let mut scores: Vec<(&'static str, Plausibility)> = LEGACY.iter().filter_map(|&name| Some((name, plausibility(name, head)?))).collect();
    // Stable: ties keep the order of `LEGACY`.
    scores.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    let Some(&(name, best)) = scores.first() else {
        return EncodingGuess { name: "windows-1252", confidence: 0.0 };
    };
    let runner_up = scores.get(1).map_or(0.0, |s| s.1.score);
    EncodingGuess { name, confidence: confidence(best, runner_up) }
}

/// Scores below this count as this when comparing: a rival that was rejected outright, or
/// read nothing plausible, makes the guess about twenty times likelier per character.
const SCORE_FLOOR: f32 = 0.05;
/// Evidence (characters × log of the score ratio) at which the confidence reaches 1 − 1/e of
/// the best score.
const EVIDENCE_SCALE: f32 = 3.0;

/// How sure a guess is: each non-ASCII character is a piece of evidence weighing the log of
/// how much likelier the best reading makes it than the runner-up's; the confidence rises with
/// the evidence towards the best reading's own plausibility. One ambiguous pair of bytes stays a
/// guess; a header of ten Chinese names is decisive.
fn confidence(best: Plausibility, runner_up: f32) -> f32 {
    if best.score <= 0.0 || best.characters == 0 {
        return 0.0;
    }
    let ratio = best.score.max(SCORE_FLOOR) / runner_up.max(SCORE_FLOOR);
    let evidence = best.characters as f32 * ratio.ln();
    let confidence = (best.score * (1.0 - (-evidence / EVIDENCE_SCALE).exp())).clamp(0.0, 1.0);
    // Two decimals: what a person reads, and the same in every replay's JSON.
    (confidence * 100.0).round() / 100.0
}

/// How plausible the non-ASCII text of one reading is.
#[derive(Clone, Copy, Debug)]
struct Plausibility {
    /// Mean plausibility (0 to 1) of the non-ASCII characters; 1 without any.
    score: f32,
    /// Non-ASCII characters read.
    characters: usize,
}

/// How plausible the non-ASCII characters are in text of this encoding; `None` when the bytes
/// are malformed in it.
fn plausibility(name: &str, head: &[u8]) -> Option<Plausibility> {
    let (_, codec) = legacy_codec(name)?;
    let text = codec.decode_without_bom_handling_and_without_replacement(head)?;
    let chars: Vec<char> = text.chars().collect();
    let mut total = 0.0f32;
    let mut count = 0usize;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii() {
            i += 1;
            continue;
        }
        let run_end = chars[i..].iter().position(char::is_ascii).map_or(chars.len(), |p| i + p);
        for &c in &chars[i..run_end] {
            total += match name {
                "windows-1252" => latin_score(c, run_end - i),
                _ => cjk_score(c, name, codec),
            };
            count += 1;
        }
        i = run_end;
    }
    let score = if count == 0 { 1.0 } else { total / count as f32 };
    Some(Plausibility { score, characters: count })
}

/// A character of Windows-1252 text: Latin letters and the symbols of units and prices stand
/// alone between ASCII (`°C`, `m³/h`, `Müller`, `±5`); runs of three or more are mojibake.
fn latin_score(c: char, run: usize) -> f32 {
    let plausible = matches!(
        c,
        'À'..='ÿ'
            | '°'
            | '²'
            | '³'
            | 'µ'
            | '±'
            | '·'
            | '§'
            | '€'
            | '£'
            | '¥'
            | '©'
            | '®'
            | '™'
            | '–'
            | '—'
            | '‘'
            | '’'
            | '“'
            | '”'
            | '…'
            | '‰'
            | '½'
            | '¼'
            | '¾'
            | '¹'
            | 'º'
            | 'ª'
            | '«'
            | '»'
            | '¿'
            | '¡'
            | '•'
    );
    let control = ('\u{80}'..='\u{9f}').contains(&c);
    match (control, plausible, run) {
        (true, _, _) => 0.0,
        (false, true, 1) => 1.0,
        (false, true, 2) => 0.5,
        (false, false, 1) => 0.5,
        _ => 0.0,
    }
}

/// A character of CJK text: common ideographs of the script (and the terms of plant exports)
/// score highest, other frequent ideographs less, rare ones little; CJK punctuation, full-width
/// forms and unit signs are plausible; anything else (Latin, Cyrillic, half-width katakana,
/// private use) is not.
fn cjk_score(c: char, name: &str, codec: &'static encoding_rs::Encoding) -> f32 {
    let common = match name {
        "gb18030" => COMMON_SIMPLIFIED,
        "big5" => COMMON_TRADITIONAL,
        _ => COMMON_JAPANESE,
    };
    match c {
        _ if common.contains(c) => 1.0,
        '\u{4E00}'..='\u{9FFF}' => {
            if frequent_ideograph(c, name, codec) {
                0.6
            } else {
                0.2
            }
        }
        '\u{3040}'..='\u{30FF}' => {
            if name == "shift_jis" {
                1.0
            } else {
                0.3
            }
        }
        '\u{3000}'..='\u{303F}'
        | '\u{FF01}'..='\u{FF5E}'
        | '℃'
        | '℉'
        | '°'
        | '²'
        | '³'
        | '±'
        | '×'
        | '÷'
        | '·'
        | '—'
        | '‘'
        | '’'
        | '“'
        | '”'
        | '…'
        | '‰'
        | '№' => 0.9,
        '\u{2460}'..='\u{2473}' | '\u{2160}'..='\u{216B}' | '\u{2190}'..='\u{2193}' | '\u{25A0}'..='\u{25CF}' => 0.6,
        _ => 0.0,
    }
}

/// Whether an ideograph is in the frequent block of the encoding's own character set: GB2312
/// level 1 (the 3,755 common hanzi), Big5's frequently used characters, JIS level 1 kanji.
fn frequent_ideograph(c: char, name: &str, codec: &'static encoding_rs::Encoding) -> bool {
    let mut buffer = [0u8; 4];
    let (bytes, _, unmappable) = codec.encode(c.encode_utf8(&mut buffer));
    if unmappable || bytes.len() != 2 {
        return false;
    }
    let (lead, trail) = (bytes[0], bytes[1]);
    match name {
        "gb18030" => (0xB0..=0xD7).contains(&lead) && trail >= 0xA1,
        "big5" => (0xA4..=0xC6).contains(&lead),
        _ => (0x88..=0x98).contains(&lead),
    }
}

/// Frequent simplified characters of everyday text and of plant exports (tag names, units,
/// states, dates).
const COMMON_SIMPLIFIED: &str = "的一是不了在人有我他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可\
    她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但\
    身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海\
    口使教西再平真听世气信北少关并内加化由却代军产入先山五水万市体别处总才场书比员号秒分时温压度流量液位阀泵反应器进料冷却\
    塔罐釜故障报警设备测值状态运行停止累计瞬油汽蒸热炉管线阀门开度电流功率转速振动浓含氧氢氮碳硫酸碱浊率差记录采集批次班组";

/// The same in traditional characters (Big5 exports from Taiwan and Hong Kong).
const COMMON_TRADITIONAL: &str = "的一是不了在人有我他這中大來上個國到說們為子和你地出道也時年得就那要下以生會自著去之過家學對可\
    她裡後小麼心多天而能好都然沒日於起還發成事只作當想看文無開手十用主行方又如前所本見經頭面公同三已老從動兩長知民樣現分將外但\
    身些與高意進把法此實回二理美點月明其種聲全工己話兒者向情部正名定女問力機給等幾很業最間新什打便位因重被走電四第門相次東政海\
    口使教西再平真聽世氣信北少關並內加化由卻代軍產入先山五水萬市體別處總才場書比員號秒分溫壓度流量液位閥泵反應器進料冷卻塔\
    罐釜故障報警設備測值狀態運行停止累計瞬油汽蒸熱爐管線閥門開度電流功率轉速振動濃含氧氫氮碳硫酸鹼濁率差記錄採集批次班組";

/// Frequent kanji of Japanese plant exports (kana count as common on their own).
const COMMON_JAPANESE: &str = "日時間年月分秒温度圧力流量液位弁反応器入出口冷却塔槽故障警報設備測定値状態運転停止積算電流回転\
    振動濃酸素水蒸気油熱炉配管開閉率差記録一二三四五六七八九十中大小上下前後内外高低";

#[cfg(test)]
mod tests {
    use super::*;

    fn gb(text: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(text).0.into_owned()
    }

    #[test]
    fn encoding_of_a_chinese_header_is_gb18030_with_high_confidence() {
        let bytes = gb("时间,反应器温度,进料流量\n,℃,t/h\n2026/10/01 00:00:00,85.2,12.5\n");
        let guess = guess_encoding(&bytes);
        assert_eq!(guess.name, "gb18030");
        assert!(guess.confidence >= 0.8, "{guess:?}");
    }

    #[test]
    fn encoding_of_a_german_export_stays_windows_1252() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Zeit;Temperatur °C;Druck ü\n01.02.2024 10:00;12,5;3\n");
        let guess = guess_encoding(&bytes);
        assert_eq!(guess.name, "windows-1252");
        assert!(guess.confidence >= CONFIDENT, "{guess:?}");
        // `°C` alone is also a (rare) GBK pair; the lone degree sign still reads as Latin.
        assert_eq!(guess_encoding(b"Zeit;Temperatur\n;\xB0C\n1;2\n").name, "windows-1252");
        let (umlauts, _, _) = encoding_rs::WINDOWS_1252.encode("Zeit;Größe;Durchfluß m³/h;Öl\n1;2;3;4\n");
        assert_eq!(guess_encoding(&umlauts).name, "windows-1252");
    }

    #[test]
    fn encoding_of_ascii_is_utf8_for_sure() {
        assert_eq!(guess_encoding(b"time,a\n1,2\n"), EncodingGuess { name: "utf-8", confidence: 1.0 });
        assert_eq!(guess_encoding("时间,温度\n".as_bytes()).name, "utf-8");
    }

    #[test]
    fn encoding_of_traditional_and_japanese_exports() {
        let (big5, _, _) = encoding_rs::BIG5.encode("時間,反應器溫度,進料流量,冷卻水流量\n,℃,t/h,m³/h\n");
        let guess = guess_encoding(&big5);
        assert_eq!(guess.name, "big5", "{guess:?}");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("日時,反応器温度,流量,ポンプ状態\n,℃,m³/h,\n");
        let guess = guess_encoding(&sjis);
        assert_eq!(guess.name, "shift_jis", "{guess:?}");
    }

    #[test]
    fn encoding_names_fold_gbk_and_gb2312_into_gb18030() {
        for name in ["GBK", "gb2312", "GB18030", "cp936"] {
            assert_eq!(legacy_codec(name).map(|c| c.0), Some("gb18030"), "{name}");
        }
        assert_eq!(legacy_codec("SJIS").map(|c| c.0), Some("shift_jis"));
        assert_eq!(legacy_codec("Big5").map(|c| c.0), Some("big5"));
        assert_eq!(legacy_codec("koi8-r"), None);
    }

    #[test]
    fn encoding_with_few_clues_is_not_confident() {
        // Two bytes that are a common hanzi in GB18030 and a pair of accented letters in
        // Windows-1252: a guess, said to be one.
        let guess = guess_encoding(b"a,b\n\xC4\xE3,1\n");
        assert!(guess.confidence < CONFIDENT, "{guess:?}");
    }
}
