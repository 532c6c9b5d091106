//! Every error is coded: its key is in the catalogue, its arguments are exactly the ones the
//! key's sentence (and each detail phrase inside it) names, its English `message` is the
//! catalogue's English, and it reads in Chinese without falling back to English.

use std::collections::BTreeSet;
use std::path::PathBuf;

use plantlab_i18n::{check_arguments, error_text, message_variables, Catalog, Lang};
use plantlab_protocol::{ApiError, ModelKind, SequenceMode, TrainConfig, TreeSettings};

use super::{Detail, EngineError};

/// One error of every variant (exhaustive: a new variant fails to compile here until it has a
/// sample), with coded details where the variant takes one.
fn one_of_each(variant: usize) -> Option<EngineError> {
    let path = || PathBuf::from("/data/反应器.csv");
    Some(match variant {
        0 => EngineError::NotFound(path()),
        1 => EngineError::IsDirectory(path()),
        2 => EngineError::PermissionDenied(path()),
        3 => EngineError::EmptyFile(path()),
        4 => EngineError::NotText { path: path(), kind: Detail::coded("binary_pdf", []) },
        5 => EngineError::NotUtf8 { path: path(), offset: 1234 },
        6 => EngineError::NoDataRows(path()),
        7 => EngineError::Parse { path: path(), detail: "found more fields than defined in 'Schema'".into() },
        8 => EngineError::Unreadable { path: path(), detail: Detail::coded("workbook_no_sheets", []) },
        9 => EngineError::UnclosedQuote { path: path(), line: 12, text: "\"pump A".into() },
        10 => EngineError::Io { path: path(), source: std::io::Error::other("device not ready") },
        11 => EngineError::NoDataset,
        12 => EngineError::UnknownColumn("TI-101".into()),
        13 => EngineError::NotNumeric("status".into()),
        14 => EngineError::BadSetting(Detail::coded("names_count", [("given", 3u64.into()), ("columns", 26u64.into())])),
        15 => EngineError::BadTrainConfig(Detail::coded("choose_target", [])),
        16 => EngineError::Diverged(Detail::coded("validation_loss_diverged", [("loss", "NaN".into()), ("epoch", 4u64.into())])),
        17 => EngineError::RunNotFound("20261206-101500".into()),
        18 => EngineError::Model("shape mismatch".into()),
        19 => EngineError::BadStep(Detail::coded("step_not_fitted", [("op", "fill".into()), ("column", "flow".into())])),
        20 => {
            EngineError::BadRecipe { path: path(), detail: Detail::coded("recipe_not_json", [("why", "EOF while parsing a value at line 1".into())]) }
        }
        21 => EngineError::RecipeVersion { path: path(), found: 9, supported: 2 },
        22 => EngineError::CleanHistory(Detail::coded("no_such_step", [("step", 5u64.into()), ("steps", 3u64.into())])),
        23 => EngineError::BadBundle { path: path(), detail: Detail::coded("bundle_checksum", []) },
        24 => EngineError::BundleVersion { path: path(), found: 4, supported: 3 },
        25 => EngineError::NoEvaluationData("run-7".into()),
        26 => EngineError::NoFaultSamples { data: "test.csv".into(), label: "fault".into() },
        27 => EngineError::RunBusy("run-7".into()),
        28 => EngineError::NoPredictions,
        29 => EngineError::Write { path: path(), detail: Detail::coded("system_error", [("why", "No space left on device (os error 28)".into())]) },
        30 => EngineError::Cancelled,
        31 => EngineError::Internal("index out of bounds".into()),
        _ => return None,
    })
}

/// Which sample of [`one_of_each`] `error` is; no wildcard, so a new variant needs a sample.
fn variant_index(error: &EngineError) -> usize {
    use EngineError as E;
    match error {
        E::NotFound(_) => 0,
        E::IsDirectory(_) => 1,
        E::PermissionDenied(_) => 2,
        E::EmptyFile(_) => 3,
        E::NotText { .. } => 4,
        E::NotUtf8 { .. } => 5,
        E::NoDataRows(_) => 6,
        E::Parse { .. } => 7,
        E::Unreadable { .. } => 8,
        E::UnclosedQuote { .. } => 9,
        E::Io { .. } => 10,
        E::NoDataset => 11,
        E::UnknownColumn(_) => 12,
        E::NotNumeric(_) => 13,
        E::BadSetting(_) => 14,
        E::BadTrainConfig(_) => 15,
        E::Diverged(_) => 16,
        E::RunNotFound(_) => 17,
        E::Model(_) => 18,
        E::BadStep(_) => 19,
        E::BadRecipe { .. } => 20,
        E::RecipeVersion { .. } => 21,
        E::CleanHistory(_) => 22,
        E::BadBundle { .. } => 23,
        E::BundleVersion { .. } => 24,
        E::NoEvaluationData(_) => 25,
        E::NoFaultSamples { .. } => 26,
        E::RunBusy(_) => 27,
        E::NoPredictions => 28,
        E::Write { .. } => 29,
        E::Cancelled => 30,
        E::Internal(_) => 31,
    }
}

fn all_samples() -> Vec<EngineError> {
    (0..).map_while(one_of_each).collect()
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The checks every coded error passes; adds the keys met to `seen`.
fn assert_coded(error: &EngineError, seen: &mut BTreeSet<String>, english: &Catalog, chinese: &Catalog) -> ApiError {
    let api = error.to_api();
    assert_eq!(api.code, error.code());
    if let Err(problem) = check_arguments("error", &api.message_key(), &api.args, seen) {
        panic!("{error:?}: {problem}");
    }
    assert_eq!(api.message, error.to_string(), "Display is the English message");
    assert_eq!(error_text(english, &api), api.message, "the English catalogue words it as the engine does");
    let zh = error_text(chinese, &api);
    assert!(has_chinese(&zh), "{}: not Chinese: {zh}", api.message_key());
    assert_ne!(zh, api.message);
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    // Through JSON, as the desktop sends it to the webview.
    let sent: ApiError = serde_json::from_str(&serde_json::to_string(&api).unwrap()).unwrap();
    assert_eq!(error_text(chinese, &sent), zh);
    api
}

#[test]
fn every_error_variant_fills_its_sentence_and_reads_in_chinese() {
    let samples = all_samples();
    let covered: BTreeSet<usize> = samples.iter().map(variant_index).collect();
    assert_eq!(covered, (0..samples.len()).collect(), "one sample per variant, in order");
    let (english, chinese) = (Catalog::new(Lang::En), Catalog::new(Lang::ZhCn));
    let mut seen = BTreeSet::new();
    for error in &samples {
        assert_coded(error, &mut seen, &english, &chinese);
    }
    // Every error sentence is someone's: the samples' keys plus the desktop's refusal.
    let sentences: BTreeSet<String> = seen.iter().filter(|key| !key.starts_with("error-detail-")).cloned().collect();
    let mut expected: BTreeSet<String> = error_keys().into_iter().filter(|key| !key.starts_with("error-detail-")).collect();
    expected.remove("error-path-not-chosen");
    assert_eq!(sentences, expected);
}

#[test]
fn texts_from_libraries_stay_as_written_inside_a_worded_sentence() {
    let chinese = Catalog::new(Lang::ZhCn);
    let error = EngineError::Parse { path: "a.csv".into(), detail: "could not parse `x` as dtype `f64` at column 'TI-101'".into() };
    let text = error_text(&chinese, &error.to_api());
    assert_eq!(text, "无法将 a.csv 解析为 CSV：could not parse `x` as dtype `f64` at column 'TI-101'。请检查分隔符，以及每行的字段数是否相同。");
    let free = EngineError::BadTrainConfig("a setting of a newer kind".into());
    assert_eq!(free.to_string(), "Training settings not usable: a setting of a newer kind.");
    assert_eq!(error_text(&chinese, &free.to_api()), "训练设置不可用：a setting of a newer kind。");
    assert_eq!(chinese.fallback_count(), 0);
}

#[test]
fn an_error_without_arguments_or_of_a_newer_code_shows_its_message() {
    let chinese = Catalog::new(Lang::ZhCn);
    // An older engine's error: only the English sentence.
    let old = ApiError::new("not_found", "The file x.csv does not exist.");
    assert_eq!(error_text(&chinese, &old), "The file x.csv does not exist.");
    let newer = ApiError::new("from_the_future", "Something new.");
    assert_eq!(error_text(&chinese, &newer), "Something new.");
    assert_eq!(chinese.fallback_count(), 2, "both count, so the tests notice");
    // Without arguments a sentence that needs none is still worded.
    assert_eq!(error_text(&chinese, &ApiError::new("no_dataset", "No data set is open.")), "尚未打开数据集。请先打开一个 CSV 文件。");
}

/// Settings the engine refuses, each with the detail users meet most, checked as the samples.
#[test]
fn refused_training_settings_are_coded_details() {
    let (english, chinese) = (Catalog::new(Lang::En), Catalog::new(Lang::ZhCn));
    let mut seen = BTreeSet::new();
    let base = TrainConfig { target: "fault".into(), ..TrainConfig::default() };
    let refused = [
        TrainConfig { target: String::new(), ..base.clone() },
        TrainConfig { epochs: 0, ..base.clone() },
        TrainConfig { batch_size: 0, ..base.clone() },
        TrainConfig { learning_rate: f64::NAN, ..base.clone() },
        TrainConfig { hidden: 0, ..base.clone() },
        TrainConfig { model: ModelKind::Transformer, embedding_dim: 30, ..base.clone() },
        TrainConfig { patience: Some(0), ..base.clone() },
        TrainConfig { epochs: 1_000_000, ..base.clone() },
        TrainConfig { mode: SequenceMode::Window { window: 1_000_000, stride: 1 }, ..base.clone() },
        TrainConfig { feature_window: Some(0), ..base.clone() },
        TrainConfig { model: ModelKind::Seed, feature_window: Some(5), ..base.clone() },
        TrainConfig { model: ModelKind::Seed, interactions: true, ..base.clone() },
        TrainConfig { trees: TreeSettings { rounds: 0, ..base.trees }, ..base.clone() },
        TrainConfig { trees: TreeSettings { learning_rate: 2.0, ..base.trees }, ..base.clone() },
        TrainConfig { trees: TreeSettings { max_leaves: 1, ..base.trees }, ..base.clone() },
        TrainConfig { trees: TreeSettings { min_samples_leaf: 0, ..base.trees }, ..base.clone() },
        TrainConfig { trees: TreeSettings { l2: -1.0, ..base.trees }, ..base.clone() },
        TrainConfig { trees: TreeSettings { patience: 0, ..base.trees }, ..base.clone() },
    ];
    for config in &refused {
        let error = crate::train::validate_config(config).expect_err("refused");
        assert!(matches!(error, EngineError::BadTrainConfig(_)), "{error:?}");
        assert_coded(&error, &mut seen, &english, &chinese);
    }
    assert!(seen.contains("error-detail-setting-range") && seen.contains("error-detail-setting-epochs"), "{seen:?}");
    let epochs = crate::train::validate_config(&refused[7]).unwrap_err();
    assert_eq!(
        epochs.to_string(),
        format!("Training settings not usable: the epochs must be between 1 and {}, not 1000000.", crate::train::MAX_EPOCHS)
    );
    assert_eq!(
        error_text(&chinese, &epochs.to_api()),
        format!("训练设置不可用：轮次数必须在 1 到 {} 之间，而不是 1000000。", crate::train::MAX_EPOCHS)
    );
}

/// The `error-…` keys of the English catalogue.
fn error_keys() -> BTreeSet<String> {
    let source = plantlab_i18n::ERRORS_ENGLISH_FTL;
    source.lines().filter(|line| line.starts_with("error-")).filter_map(|line| line.split_once('=').map(|(key, _)| key.trim().to_owned())).collect()
}

/// Every detail the engine codes (`Detail::coded("…"`) has its sentence, and every detail
/// sentence's code (or, for the settings and parts phrases, its name) is in the engine's source.
#[test]
fn every_coded_detail_in_the_source_has_its_sentence_and_none_is_left_over() {
    let mut sources = String::new();
    let mut folders = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("error_tests.rs") {
                sources.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let details: BTreeSet<String> = error_keys().into_iter().filter_map(|key| key.strip_prefix("error-detail-").map(str::to_owned)).collect();
    let marker = "Detail::coded(\"";
    for (at, _) in sources.match_indices(marker) {
        let code: String = sources[at + marker.len()..].chars().take_while(|c| *c != '"').collect();
        assert!(details.contains(&code.replace('_', "-")), "{code} is coded in the engine but has no sentence in errors.ftl");
    }
    for detail in &details {
        let name = detail.strip_prefix("setting-").or_else(|| detail.strip_prefix("part-")).unwrap_or(detail);
        let literal = format!("\"{}\"", name.replace('-', "_"));
        assert!(sources.contains(&literal), "error-detail-{detail} is in errors.ftl but the engine never codes it ({literal})");
        assert!(message_variables(Lang::ZhCn, &format!("error-detail-{detail}")).is_some(), "error-detail-{detail} lacks its Chinese");
    }
}
