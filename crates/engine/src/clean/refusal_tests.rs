//! Why a cleaning step or a recipe is refused reads in the user's language: each refusal is a
//! coded detail the catalogue words, in Chinese without a fallback and without English left in
//! it (other than the names it quotes: columns, ops, JSON fields, a library's own message).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use plantlab_i18n::{check_arguments, error_text, Catalog, Lang};
use plantlab_protocol::{
    ApiError, CleanAction, CleanStep, CompareOp, Condition, FillMethod, FittedStats, LabelSource, MessageArg, OutlierAction, OutlierMethod, Segment,
    UnitConversion,
};
use polars::prelude::*;

use super::steps::{apply, check_parameters, fit};
use super::{recipe, CleanSession, Table};
use crate::dataset::Dataset;
use crate::english_check::english_words;
use crate::error::EngineError;
use crate::tasks::JobContext;

/// Rows one minute apart: `v` numeric, `status` text, `fault` a constant 0 label.
fn timed_table() -> Table {
    let n = 20i64;
    let ts: Vec<i64> = (0..n).map(|i| i * 60_000).collect();
    let v: Vec<Option<f64>> = (0..n).map(|i| if i % 5 == 0 { None } else { Some(i as f64) }).collect();
    let status: Vec<&str> = (0..n).map(|i| if i % 2 == 0 { "RUN" } else { "STOP" }).collect();
    let fault = vec![0i64; n as usize];
    let mut frame = df!("ts" => ts, "v" => v, "status" => status, "fault" => fault).unwrap();
    let cast = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
    frame.replace("ts", cast).unwrap();
    Table { frame, timestamp: Some("ts".into()), units: HashMap::new(), status: Vec::new(), excluded: Vec::new() }
}

/// The same values without a time axis.
fn untimed_table() -> Table {
    let mut table = timed_table();
    table.frame = table.frame.drop("ts").unwrap();
    table.timestamp = None;
    table
}

fn fill(columns: &[&str], method: FillMethod) -> CleanStep {
    CleanStep::Fill { columns: columns.iter().map(|c| (*c).to_owned()).collect(), method }
}

fn outliers(method: OutlierMethod) -> CleanStep {
    CleanStep::Outliers { columns: vec!["v".into()], method, action: OutlierAction::Null }
}

fn convert(conversion: UnitConversion, segment: Option<Segment>) -> CleanStep {
    CleanStep::ConvertUnit { column: "v".into(), conversion, segment }
}

fn linear(scale: f64, offset: f64) -> UnitConversion {
    UnitConversion::Linear { scale, offset }
}

/// Checks one refusal: its code, a coded `detail_…` phrase whose arguments fill exactly its
/// sentences, and its Chinese wording; returns the Chinese text.
fn assert_worded(error: &EngineError, code: &str, names: &[&str], seen: &mut BTreeSet<String>) -> String {
    let api: ApiError = error.to_api();
    assert_eq!(api.code, code, "{error:?}");
    match api.args.get("detail") {
        Some(MessageArg::Phrase { code, .. }) => assert!(code.starts_with("detail_"), "{code}"),
        other => panic!("{}: the detail is not a coded phrase: {other:?}", api.message),
    }
    if let Err(problem) = check_arguments("error", &api.message_key(), &api.args, seen) {
        panic!("{}: {problem}", api.message);
    }
    let chinese = Catalog::new(Lang::ZhCn);
    let text = error_text(&chinese, &api);
    assert_eq!(chinese.fallback_count(), 0, "{}: {:?}", api.message, chinese.fallback_keys());
    assert_ne!(text, api.message);
    let left = english_words(&text, names);
    assert!(left.is_empty(), "English {left:?} left in {text} (from {})", api.message);
    assert_eq!(error_text(&Catalog::new(Lang::En), &api), api.message, "the English catalogue words it as the engine does");
    text
}

fn refused_parameters(step: CleanStep) -> EngineError {
    check_parameters(&step).expect_err("a parameter out of range")
}

#[test]
fn each_shape_of_parameter_out_of_range_reads_in_chinese() {
    let mut seen = BTreeSet::new();
    let cases = [
        CleanStep::Resample { interval_s: 1e-9, aggregate: plantlab_protocol::Aggregate::Mean, max_columns: Vec::new() },
        fill(&["v"], FillMethod::Forward { limit: Some(u32::MAX) }),
        fill(&["v"], FillMethod::InterpolateWithin { max_gap_s: -5.0 }),
        fill(&["v"], FillMethod::Value { value: f64::NAN }),
        outliers(OutlierMethod::Iqr { k: f64::INFINITY }),
        outliers(OutlierMethod::Mad { k: -1.0 }),
        outliers(OutlierMethod::Hampel { window: 0, k: 3.0 }),
        outliers(OutlierMethod::Range { low: Some(f64::NAN), high: None, values: Vec::new() }),
        outliers(OutlierMethod::Range { low: Some(10.0), high: Some(2.5), values: Vec::new() }),
        outliers(OutlierMethod::Range { low: None, high: None, values: vec![0.0; super::steps::MAX_SENTINELS + 1] }),
        CleanStep::FlatlineToNull { columns: vec!["v".into()], min_run: u32::MAX },
        convert(linear(f64::NEG_INFINITY, 0.0), None),
        convert(linear(1.0, f64::NAN), None),
        convert(linear(1.0, 0.0), Some(Segment::Time { from_ms: 2_000, to_ms: 1_000 })),
        convert(linear(1.0, 0.0), Some(Segment::Rows { start: 9, end: 3 })),
        CleanStep::ExcludePeriods { condition: Condition { column: "v".into(), op: CompareOp::Gt, value: 1.0 }, pad_s: f64::INFINITY },
        CleanStep::FilterRows { condition: Condition { column: "v".into(), op: CompareOp::Lt, value: f64::NAN } },
        CleanStep::DeriveLabel { name: "soon".into(), source: LabelSource::Column { column: "fault".into() }, horizon_h: 1e12, during_event: true },
    ];
    for step in cases {
        assert_worded(&refused_parameters(step), "bad_step", &[], &mut seen);
    }
    let shapes = ["seconds", "hours", "between", "at-most", "at-most-long", "finite", "at-most-high", "at-most-to-ms", "at-most-end"];
    for shape in shapes {
        assert!(seen.contains(&format!("error-detail-allowed-{shape}")), "no case for {shape}: {seen:?}");
    }
    for value in ["nan", "infinite", "minus-infinite"] {
        assert!(seen.contains(&format!("error-detail-value-{value}")), "no case for {value}: {seen:?}");
    }

    // The numbers are numbers: written per locale, a tiny interval not rounded to 0.
    let tiny = refused_parameters(CleanStep::Resample { interval_s: 1e-9, aggregate: plantlab_protocol::Aggregate::Mean, max_columns: Vec::new() });
    assert_eq!(
        tiny.to_string(),
        "This cleaning step cannot run: step \"resample\": \"interval_s\" (the resampling interval) must be between 0.001 and 3155760000 \
         seconds, not 1e-9."
    );
    assert_eq!(
        error_text(&Catalog::new(Lang::ZhCn), &tiny.to_api()),
        "该清洗步骤无法运行：步骤“resample”：“interval_s”（重采样间隔）必须在 0.001 到 3155760000 秒之间，而不是 1e-9。"
    );
    let window = refused_parameters(outliers(OutlierMethod::Hampel { window: 0, k: 3.0 }));
    assert_eq!(
        error_text(&Catalog::new(Lang::ZhCn), &window.to_api()),
        "该清洗步骤无法运行：步骤“outliers”：“window”（每侧样本数）必须在 1 到 100000 之间，而不是 0。"
    );
}

#[test]
fn refusals_of_steps_on_this_data_read_in_chinese() {
    let (timed, untimed) = (timed_table(), untimed_table());
    let mut seen = BTreeSet::new();
    let mut refused = |step: CleanStep, table: &Table, fitted: bool| {
        let error = if fitted { fit(&step, table, 0.7).err() } else { apply(&step, None, table).err() };
        let error = error.unwrap_or_else(|| panic!("{step:?} was not refused"));
        // The list of formats a refusal offers holds the epoch format codes as they are.
        assert_worded(&error, "bad_step", &["epoch_s", "epoch_ms"], &mut seen)
    };

    let unknown = refused(fill(&["nope"], FillMethod::Forward { limit: None }), &timed, false);
    assert_eq!(unknown, "该清洗步骤无法运行：步骤“fill”指定的列“nope”不在数据中（现有列：“ts”、“v”、“status”和“fault”）。");
    refused(fill(&["status"], FillMethod::Median), &timed, true);
    let none = refused(fill(&[], FillMethod::Median), &timed, false);
    assert_eq!(none, "该清洗步骤无法运行：步骤“fill”未指定任何列。");
    let unfitted = refused(fill(&["v"], FillMethod::Median), &timed, false);
    assert_eq!(unfitted, "该清洗步骤无法运行：步骤“fill”没有“v”的拟合统计量；请编辑该步骤，使其重新拟合。");
    refused(outliers(OutlierMethod::Mad { k: 3.0 }), &timed, false);

    // Steps that need a time axis, on a table without one.
    let resample = CleanStep::Resample { interval_s: 60.0, aggregate: plantlab_protocol::Aggregate::Mean, max_columns: Vec::new() };
    let needs_time = refused(resample.clone(), &untimed, false);
    assert_eq!(needs_time, "该清洗步骤无法运行：步骤“resample”需要时间戳列；请先添加“解析时间戳”步骤。");
    refused(CleanStep::SortByTime, &untimed, false);
    let too_fine = CleanStep::Resample { interval_s: 0.001, aggregate: plantlab_protocol::Aggregate::Mean, max_columns: Vec::new() };
    let rows = refused(too_fine, &timed, false);
    assert_eq!(rows, "该清洗步骤无法运行：将 20 行重采样为 0.001 秒间隔会产生 1140001 行；请选择更长的间隔。");
    refused(fill(&["v"], FillMethod::ForwardWithin { max_gap_s: 300.0 }), &untimed, false);

    // Labels: a name taken, no name, a constant label, weights never fitted, a bad event time.
    let label = |name: &str, source: LabelSource| CleanStep::DeriveLabel { name: name.into(), source, horizon_h: 2.0, during_event: true };
    let taken = refused(label("v", LabelSource::Column { column: "fault".into() }), &timed, false);
    assert_eq!(taken, "该清洗步骤无法运行：已存在名为“v”的列；请为标签另选一个名称。");
    refused(label(" ", LabelSource::Column { column: "fault".into() }), &timed, false);
    refused(label("soon", LabelSource::Events { at: vec!["yesterday noon".into()] }), &timed, false);
    let weights = CleanStep::WeightClasses { label: "fault".into(), weight_column: "weight".into() };
    let constant = refused(weights.clone(), &timed, true);
    assert!(constant.contains("“fault”") && constant.contains("分类器至少需要两个"), "the training refusal's reason: {constant}");
    refused(weights, &timed, false);

    // Units: a conversion that maps everything to one value, a segment past the data.
    let flat = refused(convert(linear(0.0, 5.0), None), &timed, false);
    assert_eq!(flat, "该清洗步骤无法运行：换算式 y = 0·x + 5 不可用：比例系数必须是非零的有限数。");
    let outside = refused(convert(UnitConversion::KpaToBar, Some(Segment::Rows { start: 0, end: 1000 })), &timed, false);
    assert_eq!(outside, "该清洗步骤无法运行：行区间 0..1000 超出了数据范围（共 20 行）。");

    // Columns and timestamps.
    refused(CleanStep::Rename { from: "v".into(), to: "status".into() }, &timed, false);
    refused(CleanStep::Rename { from: "v".into(), to: String::new() }, &timed, false);
    refused(CleanStep::ParseTimestamp { column: "status".into(), format: None }, &timed, false);
    refused(CleanStep::ParseTimestamp { column: "v".into(), format: Some("%Y-%m-%d %H:%M:%S".into()) }, &timed, false);
    refused(CleanStep::ParseTimestamp { column: "v".into(), format: Some("week numbers".into()) }, &timed, false);
    refused(CleanStep::ParseTimestamp { column: "v".into(), format: None }, &timed, false);

    // Class weights written over the label they weigh.
    let fitted = FittedStats { class_weights: [("0".to_owned(), 1.0)].into(), ..Default::default() };
    let onto_label = CleanStep::WeightClasses { label: "fault".into(), weight_column: "fault".into() };
    let error = apply(&onto_label, Some(&fitted), &timed).err().expect("the weights would overwrite the label");
    assert_worded(&error, "bad_step", &[], &mut seen);
    for key in [
        "step-unknown-column",
        "step-not-numeric",
        "column-type",
        "step-no-columns",
        "step-not-fitted",
        "step-needs-timestamps",
        "fill-needs-timestamps",
        "label-name-taken",
        "label-needs-name",
        "label-event-time",
        "target-constant",
        "weights-not-fitted",
        "conversion-unusable",
        "segment-rows-outside",
        "column-exists",
        "rename-empty",
        "not-timestamps",
        "timestamps-numbers-need-epoch",
        "unknown-timestamp-format",
        "timestamps-not-epoch",
        "resample-too-many-rows",
        "weight-column-name",
    ] {
        assert!(seen.contains(&format!("error-detail-{key}")), "no refusal gave {key}: {seen:?}");
    }
}

#[test]
fn a_training_part_without_readings_or_classes_reads_in_chinese() {
    let mut seen = BTreeSet::new();
    let n = 10i64;
    let ts: Vec<i64> = (0..n).map(|i| i * 60_000).collect();
    let v: Vec<Option<f64>> = (0..n).map(|i| (i >= 8).then_some(1.0)).collect();
    let label: Vec<i64> = (0..n).map(|i| i64::from(i >= 8)).collect();
    let mut frame = df!("ts" => ts, "v" => v, "fault" => label).unwrap();
    let cast = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
    frame.replace("ts", cast).unwrap();
    let table = Table { frame, timestamp: Some("ts".into()), units: HashMap::new(), status: Vec::new(), excluded: Vec::new() };

    let no_readings = fit(&fill(&["v"], FillMethod::Median), &table, 0.7).unwrap_err();
    let text = assert_worded(&no_readings, "bad_step", &[], &mut seen);
    assert_eq!(text, "该清洗步骤无法运行：列“v”在训练部分（按时间顺序的前 70% 行）中没有读数，因此“fill”无从拟合。");
    assert!(no_readings.to_string().contains("the first 70 % of rows in time"), "{no_readings}");
    let one_class = fit(&CleanStep::WeightClasses { label: "fault".into(), weight_column: "w".into() }, &table, 0.7).unwrap_err();
    let text = assert_worded(&one_class, "bad_step", &[], &mut seen);
    assert!(text.contains("只有 1 个类别"), "{text}");
    assert!(one_class.to_string().contains("has 1 class in the training part"), "{one_class}");
}

#[test]
fn a_bad_recipe_reads_in_chinese_with_the_json_reader_quoted() {
    let mut seen = BTreeSet::new();
    let path = Path::new("/数据/配方.json");
    let refused = |text: &str| recipe::parse(path, text).expect_err("refused");
    let not_json = refused("{not json");
    let chinese = assert_worded(&not_json, "bad_recipe", &[path.to_str().unwrap()], &mut seen);
    assert!(chinese.starts_with("/数据/配方.json：不是有效的 JSON（JSON 解析器的英文原文：“key must be a string"), "{chinese}");
    assert!(not_json.to_string().contains("not valid JSON (the JSON reader's own words: \"key must be a string"), "{not_json}");
    for text in ["[1, 2]", "{\"steps\": []}", "{\"schema_version\": \"one\"}", "{\"schema_version\": 0}", "{\"schema_version\": 1, \"steps\": 3}"] {
        assert_worded(&refused(text), "bad_recipe", &[path.to_str().unwrap()], &mut seen);
    }
    // A step whose numbers are out of range is named by its place in the recipe.
    let mut session = CleanSession::start(Arc::new(Dataset::from_frame("mem".into(), df!("v" => [1.0, 2.0, 3.0]).unwrap())));
    let job = JobContext::detached();
    session.perform(CleanAction::Apply { step: outliers(OutlierMethod::Hampel { window: 3, k: 3.0 }) }, &job).unwrap();
    let fraction = session.perform(CleanAction::SetTrainFraction { fraction: 0.0 }, &job).expect_err("no training part");
    let chinese = assert_worded(&fraction, "bad_step", &[], &mut seen);
    assert_eq!(chinese, "该清洗步骤无法运行：训练比例必须大于 0 且不超过 1，而不是 0。");
    let mut saved = session.recipe();
    let good = serde_json::to_string(&saved).unwrap();
    saved.train_fraction = 1.5;
    assert_worded(&refused(&serde_json::to_string(&saved).unwrap()), "bad_recipe", &[path.to_str().unwrap()], &mut seen);
    let hostile = refused(&good.replace("\"window\":3", "\"window\":0"));
    let chinese = assert_worded(&hostile, "bad_recipe", &[path.to_str().unwrap()], &mut seen);
    assert!(chinese.contains("第 1 步：步骤“outliers”：“window”（每侧样本数）必须在 1 到 100000 之间，而不是 0"), "{chinese}");
    for key in [
        "recipe-not-json",
        "recipe-not-object",
        "recipe-no-version",
        "recipe-version-not-whole",
        "recipe-version-zero",
        "recipe-format",
        "recipe-train-fraction",
        "recipe-step",
    ] {
        assert!(seen.contains(&format!("error-detail-{key}")), "no refusal gave {key}: {seen:?}");
    }
}

#[test]
fn a_bundle_step_that_cannot_run_on_new_data_reads_in_chinese() {
    let mut seen = BTreeSet::new();
    let job = JobContext::detached();
    let mut session = CleanSession::start(Arc::new(Dataset::from_frame("mem".into(), df!("flow" => [1.0, 2.0, 3.0]).unwrap())));
    session.perform(CleanAction::Apply { step: fill(&["flow"], FillMethod::Median) }, &job).unwrap();
    let recipe = session.recipe();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("new.csv");
    std::fs::write(&csv, "level\n1\n2\n3\n").unwrap();
    let error = crate::evaluate::predict::load_cleaned(&recipe, &csv, &job).unwrap_err();
    let chinese = assert_worded(&error, "bad_step", &["flow"], &mut seen);
    assert!(chinese.starts_with("该清洗步骤无法运行：模型包的第 1 个清洗步骤（"), "{chinese}");
    assert!(chinese.contains("无法在此文件上运行：步骤“fill”指定的列“flow”不在数据中（现有列：“level”）。请按训练数据导出时的列和设置"), "{chinese}");
    assert!(seen.contains("error-detail-bundle-step-failed"), "{seen:?}");
}
