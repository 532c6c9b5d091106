//! Refusals users meet with model bundles, models of normal operation, feature specs and
//! written files, each provoked for real: the error comes as its stable code with a coded
//! detail (`detail_…`), and reads in Chinese without a fallback and without an English word
//! outside the quoted names and texts (file names, tags, JSON fields, the system's own words).

use std::path::{Path, PathBuf};

use plantlab_i18n::{error_text, Catalog, Lang};
use plantlab_protocol::{
    EventOptions, FalseAlarmUnit, ImportOverrides, MessageArg, ModelKind, NormalDetector, NormalRunSummary, NormalTrainRequest, TrainConfig,
};
use polars::prelude::{Column, DataFrame, NamedFrom, Series};
use serde_json::Value;

use super::*;
use crate::dataset::Dataset;
use crate::english_check::english_words;
use crate::evaluate::bundle::{open_bytes, too_large};
use crate::normal::detect::calibrate;
use crate::normal::frame::{normal_rows, tags_of, NormalChoice};
use crate::normal::linear::{LinearPredictor, LinearSettings};
use crate::normal::lm::{LmSettings, ProcessLm};
use crate::normal::pca::PcaModel;
use crate::normal::synthetic::process;
use crate::normal::tokenizer::StepTokenizer;
use crate::normal::{Autoscale, NormalRows, TagMatrix};

/// Checks that `error` is `code` with the coded detail `detail` (and the English sentence the
/// catalogue makes of it), and that it reads in Chinese; returns the Chinese.
fn refused(error: EngineError, code: &str, detail: &str, names: &[&str]) -> String {
    let api = error.to_api();
    assert_eq!(api.code, code, "{}", api.message);
    match api.args.get("detail") {
        Some(MessageArg::Phrase { code: phrase, .. }) => assert_eq!(phrase, &format!("detail_{detail}"), "{}", api.message),
        other => panic!("{}: the detail is not coded: {other:?}", api.message),
    }
    assert!(!api.message.contains("detail_"), "the English catalogue words it: {}", api.message);
    let chinese = Catalog::new(Lang::ZhCn);
    let text = error_text(&chinese, &api);
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    assert_ne!(text, api.message);
    let english = english_words(&text, names);
    assert!(english.is_empty(), "English {english:?} in: {text}");
    text
}

fn refused_setting(error: Result<impl std::fmt::Debug>, detail: &str) -> String {
    refused(error.expect_err("refused"), "bad_train_config", detail, &[])
}

/// A labelled plant series, one sample a minute: the temperature ramps up before each fault.
fn write_plant_csv(path: &Path, rows: usize) {
    let mut text = String::from("time,temp,flow,pressure,fault\n");
    for i in 0..rows {
        let to_fault = 99 - i % 100;
        let ramp = if to_fault < 15 { (15 - to_fault) as f64 } else { 0.0 };
        let wobble = ((i * 7919) % 13) as f64 / 13.0 - 0.5;
        let (hour, minute) = (i / 60, i % 60);
        text += &format!(
            "2026-01-01 {hour:02}:{minute:02}:00,{:.2},{:.1},{:.3},{}\n",
            60.0 + ramp * 1.5 + wobble,
            100.0 + wobble * 8.0,
            2.0 - wobble * 0.1,
            u8::from(to_fault < 15)
        );
    }
    std::fs::write(path, text).unwrap();
}

/// A workbench with trees trained (window and interaction features on) on the plant series.
fn trained_trees(dir: &Path) -> (Workbench, String) {
    let csv = dir.join("plant.csv");
    write_plant_csv(&csv, 900);
    let workbench = Workbench::with_runs_root(dir.join("runs"));
    workbench.load(&csv, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let config =
        TrainConfig { target: "fault".into(), model: ModelKind::Trees, feature_window: Some(5), interactions: true, ..TrainConfig::default() };
    let summary = workbench.train(&config, &JobContext::detached(), &mut |_| {}).unwrap();
    (workbench, summary.run_id)
}

#[test]
fn damaged_bundles_refused_events_and_writes_are_coded_and_read_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let (workbench, run_id) = trained_trees(dir.path());
    let exported = dir.path().join("model.plmodel");
    workbench.export_bundle(&run_id, &exported, None).unwrap();
    let bytes = std::fs::read(&exported).unwrap();
    let good: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(!good["tokenizer"]["window_features"].is_null() && !good["tokenizer"]["interactions"].is_null(), "both feature specs are in the bundle");
    let path = Path::new("/data/泵站/model.plmodel");
    let names = ["/data/泵站/model.plmodel"];
    assert!(open_bytes(path, &bytes).is_ok());

    type Damage = fn(&mut Value);
    let damages: [(&str, Damage); 14] = [
        ("bundle_class_count", |b| b["network"]["classes"] = Value::from(3)),
        ("bundle_part_damaged", |b| drop(b.as_object_mut().unwrap().remove("tokenizer"))),
        ("bundle_vocabulary", |b| drop(b["tokenizer"]["features"].as_array_mut().unwrap().pop())),
        ("bundle_kind_mismatch", |b| b["config"]["model"] = Value::from("mlp")),
        ("bundle_network_size", |b| b["network"]["width"] = Value::from(b["network"]["width"].as_u64().unwrap() + 1)),
        ("bundle_checksum", |b| b["weights_checksum"] = Value::from("0000000000000000")),
        ("bundle_threshold", |b| b["threshold"] = Value::from(1.5)),
        ("bundle_majority_class", |b| b["majority_class"] = Value::from(7)),
        ("feature_window_range", |b| b["tokenizer"]["window_features"]["window"] = Value::from(0)),
        ("window_feature_unknown_tag", |b| b["tokenizer"]["window_features"]["tags"] = Value::from(vec![99])),
        ("window_feature_statistics_count", |b| drop(b["tokenizer"]["window_features"]["means"].as_array_mut().unwrap().pop())),
        ("interaction_unknown_tag", |b| b["tokenizer"]["interactions"]["pairs"] = serde_json::json!([[0, 99]])),
        ("interaction_statistics_count", |b| drop(b["tokenizer"]["interactions"]["stds"].as_array_mut().unwrap().pop())),
        ("interaction_statistics_values", |b| b["tokenizer"]["interactions"]["stds"][0] = Value::from(-1.0)),
    ];
    for (detail, damage) in damages {
        let mut bundle = good.clone();
        damage(&mut bundle);
        let error = open_bytes(path, &serde_json::to_vec(&bundle).unwrap()).err().unwrap_or_else(|| panic!("{detail}: opened"));
        let text = refused(error, "bad_bundle", detail, &names);
        assert!(text.starts_with("/data/泵站/model.plmodel 不是可用的模型包："), "{text}");
    }
    let text = refused(open_bytes(path, &bytes[..bytes.len() / 2]).err().unwrap(), "bad_bundle", "bundle_not_json", &names);
    assert!(text.contains("不是完整的 JSON"), "{text}");
    refused(open_bytes(path, b"").err().unwrap(), "bad_bundle", "bundle_empty", &names);
    refused(open_bytes(path, br#"{"hello": 1}"#).err().unwrap(), "bad_bundle", "bundle_not_plantlab", &names);
    let text = refused(too_large(path, 2 << 30), "bad_bundle", "bundle_too_large", &names);
    assert!(text.contains("2147483648 字节"), "{text}");
    // The English sentence is the one users of the English catalogue always read.
    let english = open_bytes(path, b"").err().unwrap().to_string();
    assert!(english.contains("is not a usable model bundle: the file is empty."), "{english}");

    // Alarm settings refused when a bundle is made.
    let out = dir.path().join("events.plmodel");
    let clear_ratio = EventOptions { clear_ratio: 1.5, ..EventOptions::default() };
    let error = workbench.export_bundle_with_events(&run_id, &out, None, Some(clear_ratio)).unwrap_err();
    assert!(refused(error, "bad_train_config", "alarm_clear_ratio", &[]).contains("1.5"));
    let lookback = EventOptions { lookback_s: -60.0, ..EventOptions::default() };
    let error = workbench.export_bundle_with_events(&run_id, &out, None, Some(lookback)).unwrap_err();
    refused(error, "bad_train_config", "alarm_lookback", &[]);

    // Writes into a folder that does not exist: the system's words, quoted.
    let missing = dir.path().join("no such folder").join("model.plmodel");
    let missing_name = missing.display().to_string();
    let error = workbench.export_bundle(&run_id, &missing, None).unwrap_err();
    let text = refused(error, "write_error", "system_error", &[&missing_name]);
    assert!(text.contains("系统提示“"), "{text}");
    let report = dir.path().join("no such folder").join("report.html");
    let error = super::super::evaluate_api::write_report(&report, "<html></html>").unwrap_err();
    refused(error, "write_error", "system_error", &[&report.display().to_string()]);
}

#[test]
fn writes_to_paths_that_name_no_file_or_an_unknown_type_are_coded() {
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("..");
    let error = crate::atomic_file::write_bytes(&up, b"x").unwrap_err();
    refused(error, "write_error", "write_no_file_name", &[&up.display().to_string()]);
    let error = crate::atomic_file::write_bytes(Path::new("/"), b"x").unwrap_err();
    assert_eq!(refused(error, "write_error", "write_no_file_name", &[]), "无法写入 /：路径中没有文件名。");

    let frame = DataFrame::new(2, vec![Column::new("flow".into(), vec![1.0, 2.0])]).unwrap();
    let sheet = dir.path().join("cleaned.xlsx");
    let error = crate::frame_export::export_frame(&frame, &sheet).unwrap_err();
    let text = refused(error, "write_error", "write_unknown_file_type", &[&sheet.display().to_string()]);
    assert!(text.ends_with("未知的文件类型“.xlsx”；请将文件命名为“.parquet”或“.csv”。"), "{text}");
    let error = crate::frame_export::export_frame(&frame, &dir.path().join("gone").join("cleaned.csv")).unwrap_err();
    let missing = dir.path().join("gone").join("cleaned.csv").display().to_string();
    refused(error, "write_error", "system_error", &[&missing]);
    // A writer's own error, quoted as it wrote it.
    let error = crate::atomic_file::write_with(&dir.path().join("x.csv"), |_| Err("disk full".into())).unwrap_err();
    let text = refused(error, "write_error", "system_error", &[&dir.path().join("x.csv").display().to_string()]);
    assert!(text.ends_with("：系统提示“disk full”。"), "{text}");
}

/// The generated plant's tags as a frame, with a `label` column that marks no fault.
fn plant_frame(data: &TagMatrix) -> DataFrame {
    let mut columns: Vec<Column> = data
        .tags
        .iter()
        .enumerate()
        .map(|(c, tag)| Column::new(tag.as_str().into(), (0..data.rows).map(|r| data.row(r)[c]).collect::<Vec<f64>>()))
        .collect();
    columns.push(Series::new("label".into(), vec![0i64; data.rows]).into());
    DataFrame::new(data.rows, columns).unwrap()
}

/// A workbench with a linear model of normal operation trained on the generated plant.
fn trained_normal(runs: &Path) -> (Workbench, NormalRunSummary) {
    let workbench = Workbench::with_runs_root(runs.join("runs"));
    workbench.install(Dataset::from_frame("plant.csv".into(), plant_frame(&process(800, 11, 1, &[]))));
    let request = NormalTrainRequest { exclude: vec!["label".into()], ..NormalTrainRequest::default() };
    let summary = workbench.train_normal(&request, &JobContext::detached(), &mut |_| {}).unwrap();
    (workbench, summary)
}

#[test]
fn normal_model_requests_bundles_and_data_refused_are_coded_and_read_in_chinese() {
    let base = NormalTrainRequest::default();
    let not_positive = NormalTrainRequest { target_false_alarms: -1.0, ..base.clone() };
    refused_setting(target_rate(&not_positive, None), "normal_target_not_positive");
    let per_day = NormalTrainRequest { false_alarm_unit: FalseAlarmUnit::PerDay, ..base.clone() };
    refused_setting(target_rate(&per_day, None), "normal_per_day_needs_time_axis");
    let often = NormalTrainRequest { target_false_alarms: 600.0, false_alarm_unit: FalseAlarmUnit::PerThousandSamples, ..base.clone() };
    let text = refused_setting(target_rate(&often, None), "normal_target_too_high");
    assert!(text.contains("按每 1000 个样本 600 次的目标，将有 60% 的正常样本报警"), "{text}");
    let daily = NormalTrainRequest { target_false_alarms: 20.0, false_alarm_unit: FalseAlarmUnit::PerDay, ..base.clone() };
    let text = refused_setting(target_rate(&daily, Some(3600.0)), "normal_target_too_high");
    assert!(text.contains("每天 20 次"), "{text}");
    refused_setting(check_request(&NormalTrainRequest { smoothing: 0, ..base.clone() }), "normal_smoothing");
    let language_model = NormalTrainRequest { detector: NormalDetector::ProcessLm, ..base.clone() };
    refused_setting(check_request(&NormalTrainRequest { window: 0, ..language_model.clone() }), "normal_lm_window_epochs");
    let text = refused_setting(check_request(&NormalTrainRequest { bins: 300, ..language_model }), "setting_range");
    assert!(text.contains("每个位号的分箱数必须在 2 到 256 之间，而不是 300"), "{text}");

    let runs = tempfile::tempdir().unwrap();
    let (workbench, summary) = trained_normal(runs.path());
    let model = workbench.normal_run_model(&summary.run_id).unwrap();
    let short = plant_frame(&process(1, 11, 2, &[]));
    let text = refused_setting(predict_frame(&model, &short, None, "short.csv", &JobContext::detached()), "normal_too_few_rows_to_score");
    assert!(text.contains("“short.csv”只有 1 行"), "{text}");
    let classifier_run = runs.path().join("runs").join("20261206-101500-mlp");
    std::fs::create_dir_all(&classifier_run).unwrap();
    std::fs::write(classifier_run.join("run.json"), "{}").unwrap();
    refused_setting(workbench.normal_run_model("20261206-101500-mlp").map(|_| ()), "normal_run_no_model");

    // The model's bundle, damaged.
    let exported = runs.path().join("normal.json");
    workbench.export_normal_bundle(&summary.run_id, &exported).unwrap();
    let bytes = std::fs::read(&exported).unwrap();
    let good: Value = serde_json::from_slice(&bytes).unwrap();
    let path = PathBuf::from("/data/normal.json");
    let names = ["/data/normal.json"];
    type Damage = fn(&mut Value);
    let damages: [(&str, Damage); 4] = [
        ("normal_bundle_tags_differ", |b| drop(b["pca"]["scale"]["tags"].as_array_mut().unwrap().pop())),
        ("normal_bundle_part_misfit", |b| drop(b["linear"]["bias"].as_array_mut().unwrap().pop())),
        ("normal_bundle_not_normal_model", |b| b["format"] = Value::from("plantlab-model-bundle")),
        ("normal_bundle_parts_unreadable", |b| drop(b.as_object_mut().unwrap().remove("pca"))),
    ];
    for (detail, damage) in damages {
        let mut bundle = good.clone();
        damage(&mut bundle);
        let error = NormalBundle::from_bytes(&path, &serde_json::to_vec(&bundle).unwrap()).err().unwrap_or_else(|| panic!("{detail}: opened"));
        refused(error, "bad_bundle", detail, &names);
    }
    let mut misfit = good.clone();
    drop(misfit["linear"]["bias"].as_array_mut().unwrap().pop());
    let error = NormalBundle::from_bytes(&path, &serde_json::to_vec(&misfit).unwrap()).unwrap_err();
    assert!(error.to_string().contains("its linear predictor does not fit its 8 tags"), "{error}");
    assert!(refused(error, "bad_bundle", "normal_bundle_part_misfit", &names).contains("其线性预测器与 8 个位号不匹配"));
    refused(NormalBundle::from_bytes(&path, &bytes[..bytes.len() / 2]).unwrap_err(), "bad_bundle", "normal_bundle_not_json", &names);
    let linear = NormalBundle::from_bytes(&path, &bytes).unwrap();
    refused(linear.language_model(&path).err().unwrap(), "bad_bundle", "normal_bundle_no_language_model", &names);
}

#[test]
fn refused_normal_data_names_the_tags_in_quotes_and_reads_in_chinese() {
    let tags = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    refused_setting(TagMatrix::new(Vec::new(), Vec::new()), "normal_no_tags");
    let data = TagMatrix::new(tags(&["TI-101", "FI-102"]), vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0, 4.0, 5.0]).unwrap();
    let text = refused_setting(data.select_tags(&tags(&["TI-101", "PI-103", "LI-104"])), "normal_missing_tags");
    assert!(text.contains("数据缺少模型训练时使用的 2 个位号：“PI-103”和“LI-104”"), "{text}");
    let english = data.select_tags(&tags(&["PI-103"])).unwrap_err().to_string();
    assert!(english.contains("lacks 1 tag(s) the model was trained on: \"PI-103\". Export them too"), "{english}");
    let text = refused_setting(Autoscale::fit(&data), "normal_tag_constant");
    assert!(text.contains("位号“FI-102”在正常行中恒定不变（始终为 5）"), "{text}");
    refused_setting(Autoscale::fit(&data.slice_rows(0, 1)), "normal_tag_too_few_values");
    refused_setting(StepTokenizer::fit(&data, 1), "setting_range");
    refused_setting(StepTokenizer::fit(&data, 8), "normal_tag_constant");
    let empty_tag = TagMatrix::new(tags(&["TI-101"]), vec![f64::NAN; 4]).unwrap();
    refused_setting(StepTokenizer::fit(&empty_tag, 8), "normal_tag_no_values");

    let plant = process(60, 11, 1, &[]);
    refused_setting(PcaModel::fit(&plant, 0, 0.99), "normal_pca_components");
    refused_setting(PcaModel::fit(&plant.slice_rows(0, 3), 2, 0.99), "normal_pca_rows");
    refused_setting(PcaModel::fit(&plant, 2, 0.3), "normal_pca_confidence");
    refused_setting(calibrate(&[0.5; 100], 0.7), "normal_rate_range");
    refused_setting(calibrate(&[0.5; 5], 0.01), "normal_calibration_steps");
    refused_setting(NormalRows::Mask(vec![false; 60]).segments(60), "normal_no_normal_rows");
    refused_setting(LinearPredictor::fit(&plant.slice_rows(0, 5), &NormalRows::All, LinearSettings::default()), "normal_linear_pairs");
    let lm = |settings: LmSettings| ProcessLm::train(&plant, &NormalRows::All, settings, &JobContext::detached(), |_| {}).map(|_| ());
    refused_setting(lm(LmSettings { window: 0, ..LmSettings::default() }), "normal_lm_settings");
    refused_setting(lm(LmSettings { window: 50, ..LmSettings::default() }), "normal_lm_rows");

    let frame = plant_frame(&plant);
    let between = NormalChoice::Between { from: "start".into(), to: "end".into() };
    refused_setting(normal_rows(&frame, &between, None), "normal_range_not_rows");
    let text_only = DataFrame::new(1, vec![Column::new("note".into(), vec!["ok"])]).unwrap();
    refused_setting(tags_of(&text_only, &[], None), "normal_no_tags_left");
    refused_setting(crate::train::bench::run(ModelKind::Seed, 4, 1, 1, 0).map(|_| ()), "bench_batch");
}
