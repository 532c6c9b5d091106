//! The command line in Simplified Chinese: chosen by the locale (`LANG=zh_CN.UTF-8`) or by
//! `--lang zh-CN`, with `--json` keys and codes the same in every language.

use crate::{plantlab, plantlab_in_locale, sample};

fn stdout(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_locale_picks_chinese_and_the_flag_overrides_it() {
    let file = sample();
    let file = file.to_str().unwrap();
    let english = stdout(&plantlab(&["profile", file]));
    assert!(english.contains(" rows × ") && english.contains("missing"), "{english}");
    assert!(!english.contains("行 ×"));

    let from_locale = stdout(&plantlab_in_locale(&["profile", file], "zh_CN.UTF-8"));
    assert!(from_locale.contains(" 行 × ") && from_locale.contains(" 列"), "{from_locale}");
    assert!(from_locale.contains("缺失") && from_locale.contains("标准差"), "the table header in Chinese: {from_locale}");
    assert!(!from_locale.contains(" rows × "), "{from_locale}");

    let from_flag = stdout(&plantlab_in_locale(&["profile", file, "--lang", "zh-CN"], "C"));
    assert_eq!(from_flag, from_locale, "--lang zh-CN says what LANG=zh_CN.UTF-8 says");

    let flag_wins = stdout(&plantlab_in_locale(&["--lang", "en", "profile", file], "zh_CN.UTF-8"));
    assert_eq!(flag_wins, english, "--lang en wins over a Chinese locale");
}

#[test]
fn json_keys_and_codes_stay_english() {
    let file = sample();
    let file = file.to_str().unwrap();
    let english = stdout(&plantlab(&["profile", file, "--json"]));
    let chinese = stdout(&plantlab_in_locale(&["profile", file, "--json", "--lang", "zh-CN"], "zh_CN.UTF-8"));
    let english: serde_json::Value = serde_json::from_str(&english).unwrap();
    let chinese: serde_json::Value = serde_json::from_str(&chinese).unwrap();
    assert!(english["columns"].as_array().is_some_and(|c| !c.is_empty()), "{english}");
    // Only the findings' sentences follow the language; keys, codes and arguments match whole.
    assert_eq!(without_messages(chinese), without_messages(english));
    let info = stdout(&plantlab_in_locale(&["info", file, "--json"], "zh_CN.UTF-8"));
    assert!(info.contains("\"null_count\"") && info.contains("\"schema_version\""), "{info}");
}

/// The document with every finding's `message` taken out.
fn without_messages(mut doc: serde_json::Value) -> serde_json::Value {
    for finding in doc["findings"].as_array_mut().into_iter().flatten() {
        finding.as_object_mut().unwrap().remove("message");
    }
    doc
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn json_findings_keep_english_codes_and_carry_chinese_messages() {
    use plantlab_engine::generate::{messy_series, MessyOptions};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("messy.csv");
    std::fs::write(&path, messy_series(&MessyOptions::default()).0).unwrap();
    let file = path.to_str().unwrap();
    let english: serde_json::Value = serde_json::from_str(&stdout(&plantlab(&["profile", file, "--json"]))).unwrap();
    let chinese: serde_json::Value =
        serde_json::from_str(&stdout(&plantlab_in_locale(&["profile", file, "--json", "--lang", "zh-CN"], "C"))).unwrap();
    let findings = chinese["findings"].as_array().unwrap();
    assert!(findings.len() >= 12, "the messy export has a finding of nearly every kind: {chinese}");
    for (chinese, english) in findings.iter().zip(english["findings"].as_array().unwrap()) {
        let kind = chinese["kind"].as_str().unwrap();
        assert!(kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "the kind is the English code: {kind}");
        assert_eq!(chinese["kind"], english["kind"]);
        assert!(chinese["args"].as_object().is_some_and(|args| !args.is_empty()), "{chinese}");
        let (zh, en) = (chinese["message"].as_str().unwrap(), english["message"].as_str().unwrap());
        assert!(has_chinese(zh), "a Chinese sentence for {kind}: {zh}");
        assert!(!has_chinese(en), "an English sentence for {kind}: {en}");
    }
    assert_eq!(without_messages(chinese.clone()), without_messages(english));
    // The table prints the same sentences.
    let table = stdout(&plantlab_in_locale(&["profile", file], "zh_CN.UTF-8"));
    let first = findings[0]["message"].as_str().unwrap();
    assert!(table.contains(first), "{first} in {table}");
}

#[test]
fn failures_are_framed_in_the_chosen_language() {
    let missing = std::env::temp_dir().join("plantlab-no-such-file-语言.csv");
    let missing = missing.to_str().unwrap();
    let english = plantlab(&["info", missing]);
    let english_line = String::from_utf8_lossy(&english.stderr);
    assert!(english_line.starts_with("plantlab: cannot open data: "), "{english_line}");

    let chinese = plantlab_in_locale(&["info", missing, "--lang", "zh-CN"], "");
    crate::assert_one_line_failure(&chinese, "无法打开数据");
    let chinese_line = String::from_utf8_lossy(&chinese.stderr);
    assert!(chinese_line.starts_with("plantlab: 无法打开数据: "), "{chinese_line}");
    // The engine's own message after the frame is worded in the chosen language too.
    let engine_english = english_line.strip_prefix("plantlab: cannot open data: ").unwrap();
    assert!(engine_english.starts_with("The file ") && engine_english.contains("does not exist"), "{engine_english}");
    let engine_chinese = chinese_line.strip_prefix("plantlab: 无法打开数据: ").unwrap();
    assert_eq!(engine_chinese.trim_end(), format!("文件 {missing} 不存在。请检查路径，或用“打开…”选择文件。"));
}

#[test]
fn engine_errors_read_in_chinese_and_json_keeps_the_english_code() {
    let missing = std::env::temp_dir().join("plantlab-missing-语言.csv");
    let missing = missing.to_str().unwrap();
    let out = plantlab_in_locale(&["profile", missing], "zh_CN.UTF-8");
    crate::assert_one_line_failure(&out, "不存在");
    let line = String::from_utf8_lossy(&out.stderr);
    assert!(line.contains(missing) && has_chinese(line.strip_prefix("plantlab: ").unwrap()), "{line}");
    assert!(!line.contains("does not exist"), "{line}");

    let chinese = plantlab_in_locale(&["profile", missing, "--json"], "zh_CN.UTF-8");
    crate::assert_one_line_failure(&chinese, "不存在");
    let english = plantlab(&["profile", missing, "--json"]);
    crate::assert_one_line_failure(&english, "does not exist");
    let (chinese, english) = (crate::json_error(&chinese), crate::json_error(&english));
    assert_eq!(chinese["error"]["code"], "not_found", "{chinese}");
    assert!(chinese["error"]["message"].as_str().unwrap().contains("不存在"), "{chinese}");
    assert!(english["error"]["message"].as_str().unwrap().contains("does not exist"), "{english}");
    // Only the message follows the language.
    let without_message = |mut doc: serde_json::Value| {
        doc["error"].as_object_mut().unwrap().remove("message");
        doc
    };
    assert_eq!(without_message(chinese), without_message(english));
}

#[test]
fn refused_settings_read_in_chinese() {
    let file = sample();
    let out = plantlab_in_locale(&["train", file.to_str().unwrap(), "--target", "Machine failure", "--model", "trees", "--lr", "3"], "zh_CN.UTF-8");
    crate::assert_one_line_failure(&out, "训练设置不可用：树模型的学习率必须大于 0 且不超过 1，而不是 3。");
    let english = plantlab(&["train", file.to_str().unwrap(), "--target", "Machine failure", "--model", "trees", "--lr", "3"]);
    crate::assert_one_line_failure(&english, "Training settings not usable: the trees' learning rate must be above 0 and at most 1, not 3.");
}

#[test]
fn help_is_chinese_under_the_flag_or_the_locale_and_english_by_default() {
    let stdout = |out: std::process::Output| {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let chinese = stdout(plantlab(&["--lang", "zh-CN", "train", "--help"]));
    for words in ["训练标签列的故障分类器", "用法：", "参数", "选项", "分类器选项（--model seed、transformer 或 mlp）", "要预测的标签列", "打印帮助"]
    {
        assert!(chinese.contains(words), "{words} in {chinese}");
    }
    for english in ["Usage:", "The label column to predict", "Print help", "Options:", "The origin's model"] {
        assert!(!chinese.contains(english), "{english} in {chinese}");
    }
    // Headings end in the full-width colon, as 用法： does.
    for heading in ["参数：\n", "选项：\n", "分类器选项（--model seed、transformer 或 mlp）：\n"] {
        assert!(chinese.contains(heading), "{heading:?} in {chinese}");
    }
    assert!(!chinese.lines().any(|line| !line.starts_with(' ') && line.ends_with(':')), "{chinese}");
    // The defaults the help names are the same numbers in both languages.
    let english = stdout(plantlab(&["train", "--help"]));
    assert!(english.contains("Usage: plantlab train") && english.contains("The label column to predict") && !has_chinese(&english), "{english}");
    assert!(english.contains("Samples per batch (default 32)") && chinese.contains("每批样本数（默认 32）"), "{chinese}");

    let top = stdout(plantlab_in_locale(&["--help"], "zh_CN.UTF-8"));
    assert!(top.contains("命令行版 PlantLab") && top.contains("命令") && top.contains("训练运行列表"), "{top}");
    assert!(!top.contains("Commands:"), "{top}");
    let flag_wins = stdout(plantlab_in_locale(&["--help", "--lang", "en"], "zh_CN.UTF-8"));
    assert!(flag_wins.contains("Commands:") && !has_chinese(&flag_wins), "{flag_wins}");
}

#[test]
fn an_unknown_language_is_refused() {
    let file = sample();
    let out = plantlab(&["--lang", "xx", "info", file.to_str().unwrap()]);
    crate::assert_usage_error(&out, "'xx'");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("use en or zh-CN"), "says which languages there are: {stderr}");
    let chinese = plantlab_in_locale(&["--lang", "fr", "info", file.to_str().unwrap()], "zh_CN.UTF-8");
    assert_eq!(chinese.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&chinese.stderr).contains("请用 en 或 zh-CN"), "{}", String::from_utf8_lossy(&chinese.stderr));
}

#[test]
fn clap_notes_on_values_read_in_chinese() {
    let stdout = |out: std::process::Output| {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let long = stdout(plantlab(&["--lang", "zh-CN", "train", "--help"]));
    assert!(long.contains("可选值：") && long.contains("[默认：seed]"), "{long}");
    assert!(long.contains("- process-lm:  正常工况的过程语言模型"), "the values are codes, their help Chinese: {long}");
    let short = stdout(plantlab_in_locale(&["train", "-h"], "zh_CN.UTF-8"));
    assert!(short.contains("[默认：seed] [可选值：seed, transformer, mlp, trees, linear, process-lm]"), "{short}");
    assert!(short.contains("[可选值：auto, on, off]"), "{short}");
    let bench = stdout(plantlab(&["--lang", "zh-CN", "bench", "clean", "--help"]));
    assert!(bench.contains("[默认：1000000]") && bench.contains("[默认：3]"), "{bench}");
    let generate = stdout(plantlab(&["--lang", "zh-CN", "generate", "--help"]));
    assert!(generate.contains("可选值：\n") && generate.contains("- pump-station: 一个月") && generate.contains("[默认：17]"), "{generate}");
    for help in [&long, &short, &bench, &generate] {
        for english in ["possible values", "Possible values", "default:"] {
            assert!(!help.contains(english), "{english} in {help}");
        }
    }
    // English keeps clap's notes.
    let english = stdout(plantlab(&["bench", "clean", "--help"]));
    assert!(english.contains("[default: 1000000]") && !has_chinese(&english), "{english}");
    let english = stdout(plantlab(&["train", "--help"]));
    assert!(english.contains("Possible values:") && english.contains("[default: seed]") && !english.contains("可选值"), "{english}");
}

/// A usage error in Chinese: status 2, nothing on stdout, stderr "错误：…" saying `words`,
/// the way to the help in Chinese and none of clap's English.
fn assert_chinese_usage_error(out: &std::process::Output, words: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "a usage error: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.starts_with("错误："), "{stderr}");
    assert!(stderr.trim_end().ends_with("更多信息请运行 '--help'。"), "{stderr}");
    for word in words {
        assert!(stderr.contains(word), "{word:?} in {stderr}");
    }
    for english in ["error:", "Usage:", "tip:", "For more information", "possible values", "unexpected", "invalid value", "required"] {
        assert!(!stderr.contains(english), "{english:?} in {stderr}");
    }
    stderr
}

#[test]
fn usage_errors_read_in_chinese_and_english_keeps_clap_s_words() {
    let file = sample();
    let file = file.to_str().unwrap();
    // An unknown flag, with the similar one.
    let chinese = plantlab_in_locale(&["info", file, "--jsn"], "zh_CN.UTF-8");
    assert_chinese_usage_error(&chinese, &["意外的参数 '--jsn'", "提示：存在相似的参数：'--json'", "用法： plantlab info"]);
    let english = plantlab(&["info", file, "--jsn"]);
    crate::assert_usage_error(&english, "unexpected argument '--jsn' found");
    assert!(String::from_utf8_lossy(&english.stderr).contains("tip: a similar argument exists: '--json'"));

    // A value the flag does not take: the values it takes, and the similar one.
    let chinese = plantlab_in_locale(&["train", file, "--model", "forest"], "zh_CN.UTF-8");
    let stderr = assert_chinese_usage_error(&chinese, &["'--model <MODEL>' 的值 'forest' 无效", "存在相似的值：'trees'"]);
    assert!(stderr.contains("[可选值：seed, transformer, mlp, trees, linear, process-lm]"), "{stderr}");
    let english = plantlab(&["train", file, "--model", "forest"]);
    crate::assert_usage_error(&english, "invalid value 'forest' for '--model <MODEL>'");
    assert!(String::from_utf8_lossy(&english.stderr).contains("[possible values: seed, transformer, mlp, trees, linear, process-lm]"));

    // A missing value, a missing flag, flags that exclude each other, malformed values.
    let chinese = plantlab_in_locale(&["train", file, "--target", "x", "--model"], "zh_CN.UTF-8");
    assert_chinese_usage_error(
        &chinese,
        &["'--model <MODEL>' 需要一个值，但没有给出\n  [可选值：seed, transformer, mlp, trees, linear, process-lm]"],
    );
    // clap's own tips, in their known shapes.
    assert_chinese_usage_error(&plantlab_in_locale(&["info", "--foo"], "zh_CN.UTF-8"), &["提示：要把 '--foo' 作为值传入，请用 '-- --foo'"]);
    assert_chinese_usage_error(&plantlab_in_locale(&["--", "info"], "zh_CN.UTF-8"), &["提示：子命令 'info' 存在；要使用它，请去掉它前面的 '--'"]);
    let lm = ["train", file, "--model", "process-lm"];
    assert_chinese_usage_error(&plantlab_in_locale(&["train", file, "--target", "--json", "--lang", "zh-CN"], ""), &["'--target <COL>' 需要一个值"]);
    assert_chinese_usage_error(
        &plantlab_in_locale(&[&lm[..], &["--normal-from", "0"]].concat(), "zh_CN.UTF-8"),
        &["缺少以下必需的参数：\n  --normal-to <T>"],
    );
    assert_chinese_usage_error(
        &plantlab_in_locale(&[&lm[..], &["--normal-when", "label=0", "--normal-from", "0", "--normal-to", "9"]].concat(), "zh_CN.UTF-8"),
        &["参数 '--normal-when <COL=VALUE>' 不能与 '--normal-from <T>', '--normal-to <T>' 一起使用"],
    );
    assert_chinese_usage_error(
        &plantlab_in_locale(&["info", file, "--header-rows", "3"], "zh_CN.UTF-8"),
        &["'--header-rows <N>' 的值 '3' 无效：3 不在 0..=2 范围内"],
    );
    assert_chinese_usage_error(&plantlab_in_locale(&["info", file, "--delimiter", ";;"], "zh_CN.UTF-8"), &["请给出一个字符、`tab` 或 `whitespace`"]);
    assert_chinese_usage_error(&plantlab_in_locale(&["bench", "fly"], "zh_CN.UTF-8"), &["无法识别的子命令 'fly'", "用法： plantlab bench"]);
    assert_chinese_usage_error(&plantlab_in_locale(&["bench", "load", "--peer", "duckdb=python3"], "zh_CN.UTF-8"), &["未知的对照库“duckdb”"]);
    assert_chinese_usage_error(
        &plantlab_in_locale(&["predict", file, "--bundle", "m", "-o", "p.csv", "--min-alarm", "1.5"], "zh_CN.UTF-8"),
        &["'--min-alarm <N>' 的值 '1.5' 无效：不是整数"],
    );
}

#[test]
fn the_command_line_s_own_refusals_read_in_chinese() {
    let file = sample();
    let file = file.to_str().unwrap();
    let chinese = plantlab_in_locale(&["train", file, "--model", "trees"], "zh_CN.UTF-8");
    assert_chinese_usage_error(&chinese, &["train 需要 --target COLUMN（要预测的标签列）", "用法： plantlab train"]);
    crate::assert_usage_error(&plantlab(&["train", file, "--model", "trees"]), "train needs --target COLUMN (the label to predict)");
    let chinese = plantlab_in_locale(&["train", file, "--model", "linear", "--target", "x"], "zh_CN.UTF-8");
    assert_chinese_usage_error(&chinese, &["--target 用于分类器（--model seed、transformer 或 mlp），不用于 --model linear"]);
    let chinese = plantlab_in_locale(&["eval", file, "--bundle", "m.plmodel", "--label", "x"], "zh_CN.UTF-8");
    assert_chinese_usage_error(&chinese, &["--label 只用于正常工况模型包"]);
    let chinese = plantlab_in_locale(&["bench", "load", "--peer", "pandas=", "--lang", "zh-CN"], "");
    assert_chinese_usage_error(&chinese, &["对照需要在“=”后给出 Python 解释器"]);
}

#[test]
fn a_benchmark_reports_in_chinese_and_its_json_stays_english() {
    let args = ["bench", "clean", "--rows", "2000", "--tags", "3", "--runs", "1"];
    let chinese = plantlab_in_locale(&args, "zh_CN.UTF-8");
    let (table, progress) = (stdout(&chinese), String::from_utf8_lossy(&chinese.stderr).into_owned());
    assert!(table.starts_with("清洗，2000 行 × 3 个位号，取 1 次中最好的一次：\n"), "{table}");
    assert!(table.contains("  预览  ") && table.contains(" 秒   对一个位号插值") && table.contains("  完整  "), "{table}");
    assert!(progress.starts_with("正在生成 2000 行 × 3 个位号") && progress.contains("完整重算（5 个步骤 + 报告）："), "{progress}");
    for english in ["cleaning", "preview", "full", "generating", " s "] {
        assert!(!table.contains(english) && !progress.contains(english), "{english:?} in {table}{progress}");
    }
    // The numbers are formatted as in English: three decimals.
    let seconds = |line: &str| line.split_whitespace().nth(1).map(str::to_owned);
    let chinese_times: Vec<_> = table.lines().skip(1).filter_map(seconds).collect();
    assert_eq!(chinese_times.len(), 4, "{table}");
    assert!(chinese_times.iter().all(|s| s.len() >= 5 && s.split('.').nth(1).is_some_and(|d| d.len() == 3)), "{chinese_times:?}");

    let english = stdout(&plantlab(&args));
    assert!(
        english.starts_with("cleaning, 2000 rows × 3 tags, best of 1:\n") && english.contains("  preview  ") && !has_chinese(&english),
        "{english}"
    );
    assert!(english.contains(" s   replay of 5 steps from the imported data + quality report"), "{english}");

    // `--json` names the steps in English whatever the language.
    let json: serde_json::Value = serde_json::from_str(&stdout(&plantlab_in_locale(&[&args[..], &["--json"]].concat(), "zh_CN.UTF-8"))).unwrap();
    assert_eq!(json["previews"][1]["step"], "interpolate one tag", "{json}");
}
