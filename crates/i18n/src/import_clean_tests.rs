use plantlab_protocol::{
    message_args, Aggregate, CastType, CleanStep, CodedSentence, CompareOp, Condition, DuplicateKeep, FillMethod, LabelSource, OutlierAction,
    OutlierMethod, Segment, UnitConversion,
};

use super::*;

/// Every kind of step with every wording it has, tag names in Chinese as a Chinese export has them.
pub(crate) fn one_step_of_each_wording() -> Vec<CleanStep> {
    let columns = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect::<Vec<String>>();
    let condition = |op| Condition { column: "流量".into(), op, value: 5.0 };
    let mut steps = vec![
        CleanStep::Select { columns: columns(&["FIC101", "温度"]) },
        CleanStep::Select { columns: Vec::new() },
        CleanStep::Drop { columns: columns(&["泵1", "泵2", "泵3", "泵4", "泵5"]) },
        CleanStep::Rename { from: "TI-101".into(), to: "温度".into() },
        CleanStep::ParseTimestamp { column: "时间".into(), format: Some("%Y/%m/%d %H:%M:%S".into()) },
        CleanStep::ParseTimestamp { column: "时间".into(), format: None },
        CleanStep::SortByTime,
        CleanStep::DropDuplicateRows,
        CleanStep::Resample { interval_s: 60.0, aggregate: Aggregate::Mean, max_columns: Vec::new() },
        CleanStep::Resample { interval_s: 300.0, aggregate: Aggregate::Last, max_columns: columns(&["alarm"]) },
        CleanStep::Resample { interval_s: 1.5, aggregate: Aggregate::Min, max_columns: Vec::new() },
        CleanStep::Resample { interval_s: 10.0, aggregate: Aggregate::Max, max_columns: Vec::new() },
        CleanStep::FlatlineToNull { columns: columns(&["PI-202"]), min_run: 30 },
        CleanStep::ConvertUnit { column: "TI-101".into(), conversion: UnitConversion::Linear { scale: 0.5, offset: -3.0 }, segment: None },
        CleanStep::ConvertUnit {
            column: "TI-101".into(),
            conversion: UnitConversion::FahrenheitToCelsius,
            segment: Some(Segment::Time { from_ms: 1_794_754_380_000, to_ms: 1_795_359_180_000 }),
        },
        CleanStep::ConvertUnit { column: "FI-101".into(), conversion: UnitConversion::M3hToLs, segment: Some(Segment::Rows { start: 10, end: 20 }) },
        CleanStep::ExcludePeriods { condition: condition(CompareOp::Lt), pad_s: 0.0 },
        CleanStep::ExcludePeriods { condition: condition(CompareOp::IsNull), pad_s: 120.0 },
        CleanStep::FilterRows { condition: condition(CompareOp::NotNull) },
        CleanStep::FilterRows { condition: condition(CompareOp::Ge) },
        CleanStep::DeriveLabel {
            name: "failure_24h".into(),
            source: LabelSource::Column { column: "故障".into() },
            horizon_h: 24.0,
            during_event: true,
        },
        CleanStep::DeriveLabel {
            name: "failure".into(),
            source: LabelSource::Events { at: vec!["2026-10-05 02:00:00".into(), "2026-10-09 12:00:00".into()] },
            horizon_h: 1.5,
            during_event: false,
        },
        CleanStep::WeightClasses { label: "fault".into(), weight_column: "weight".into() },
    ];
    for to in [CastType::Float, CastType::Integer, CastType::Boolean, CastType::Text] {
        steps.push(CleanStep::Cast { column: "状态".into(), to });
    }
    for keep in [DuplicateKeep::First, DuplicateKeep::Last, DuplicateKeep::Mean] {
        steps.push(CleanStep::ResolveDuplicateTimestamps { keep });
    }
    let methods = [
        FillMethod::Forward { limit: None },
        FillMethod::Forward { limit: Some(3) },
        FillMethod::Interpolate { limit: None },
        FillMethod::Interpolate { limit: Some(10) },
        FillMethod::ForwardWithin { max_gap_s: 300.0 },
        FillMethod::InterpolateWithin { max_gap_s: 7200.0 },
        FillMethod::Median,
        FillMethod::Value { value: -1.5 },
    ];
    for method in methods {
        steps.push(CleanStep::Fill { columns: columns(&["FIC101", "温度", "压力"]), method });
    }
    let outliers = [
        OutlierMethod::Iqr { k: 1.5 },
        OutlierMethod::Mad { k: 5.0 },
        OutlierMethod::Hampel { window: 7, k: 3.0 },
        OutlierMethod::Range { low: Some(0.0), high: Some(2000.0), values: vec![-9999.0, 99999.0] },
        OutlierMethod::Range { low: None, high: Some(100.0), values: Vec::new() },
    ];
    for method in outliers {
        for action in [OutlierAction::Null, OutlierAction::Clip] {
            steps.push(CleanStep::Outliers { columns: columns(&["流量"]), method: method.clone(), action });
        }
    }
    steps
}

#[test]
fn steps_read_in_english_as_the_recipe_describes_them_and_in_chinese_without_fallback() {
    let english = Catalog::new(Lang::En);
    let chinese = Catalog::new(Lang::ZhCn);
    let mut keys = std::collections::BTreeSet::new();
    for step in one_step_of_each_wording() {
        assert_eq!(describe_step(&english, &step).as_deref(), Some(step.describe().as_str()), "{step:?}");
        let worded = describe_step(&chinese, &step).unwrap_or_else(|| panic!("{step:?} cannot be worded in Chinese"));
        // What is left in Latin letters is the data's own (tag names, formats, units, symbols).
        let own =
            ["FIC101", "TI-101", "FI-101", "PI-202", "IQR", "Hampel", "failure_24h", "failure", "fault", "weight", "alarm", "y", "x", "°F", "°C"];
        let mut rest = worded.clone();
        for word in own.iter().chain(["%Y/%m/%d %H:%M:%S", "m³/h", "l/s", "min", "h", "s"].iter()) {
            rest = rest.replace(word, "");
        }
        assert!(!rest.chars().any(|c| c.is_ascii_alphabetic()), "{worded} ({step:?}) has English left in it");
        keys.insert(step.op());
    }
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    assert_eq!(english.fallback_count(), 0, "{:?}", english.fallback_keys());
    assert_eq!(keys.len(), 17, "every kind of step is worded: {keys:?}");
    // A catalogue that cannot word a part gives the recipe's English.
    let step = CleanStep::Fill { columns: vec!["a".into()], method: FillMethod::Median };
    assert_eq!(step_text(&chinese, &step), "用训练部分的中位数填充 a");
}

#[test]
fn a_step_inside_a_stage_is_worded_in_the_stages_language() {
    let chinese = Catalog::new(Lang::ZhCn);
    let step = CleanStep::Fill { columns: vec!["FIC101".into()], method: FillMethod::ForwardWithin { max_gap_s: 300.0 } };
    let args = message_args([("step", MessageArg::Step(Box::new(step)))]);
    assert_eq!(coded_text(&chinese, "stage-applying-suggestion", &args).as_deref(), Some("应用建议步骤：前向填充 FIC101（缺口 ≤ 5 min）"));
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
}

#[test]
fn import_warnings_and_task_labels_are_worded_from_their_codes_and_fall_back_to_the_english() {
    let chinese = Catalog::new(Lang::ZhCn);
    let english_text = vec!["Parts of the file are not valid UTF-8; those parts were read as Windows-1252.".to_owned()];
    let codes = vec![CodedSentence::new("windows_1252_parts", [])];
    assert_eq!(import_warning_texts(&chinese, &english_text, &codes), ["文件的部分内容不是有效的 UTF-8；这些部分已按 Windows-1252 读取。"]);
    // An older engine's warnings have no codes: shown as they are.
    assert_eq!(import_warning_texts(&chinese, &english_text, &[]), english_text);
    let args = message_args([("file", "泵站.csv".into())]);
    assert_eq!(task_label_text(&chinese, "Loading 泵站.csv", "loading", &args), "正在加载 泵站.csv");
    assert_eq!(task_label_text(&chinese, "Loading 泵站.csv", "", &args), "Loading 泵站.csv");
    assert_eq!(chinese.fallback_count(), 0, "{:?}", chinese.fallback_keys());
    // A code this build does not know counts as a fallback and shows the engine's English.
    assert_eq!(task_label_text(&chinese, "Exporting", "exporting", &BTreeMap::new()), "Exporting");
    assert_eq!(chinese.fallback_count(), 1);
}

#[test]
fn every_gate_check_has_a_name_in_both_languages() {
    for lang in Lang::ALL {
        let catalog = Catalog::new(lang);
        for check in plantlab_protocol::GATE_CHECKS {
            assert_ne!(gate_title_text(&catalog, check), check, "{check} in {lang:?}");
        }
        assert_eq!(catalog.fallback_count(), 0, "{:?}", catalog.fallback_keys());
    }
    assert_eq!(gate_title_text(&Catalog::new(Lang::ZhCn), "flatline_samples"), "卡滞样本");
    // Every finding kind has a short name in both languages.
    for lang in Lang::ALL {
        let catalog = Catalog::new(lang);
        for kind in plantlab_protocol::FindingKind::ALL {
            let key = plantlab_protocol::message_key("finding-kind", kind.as_str(), "");
            assert!(crate::coded::coded_text(&catalog, &key, &std::collections::BTreeMap::new()).is_some(), "{key} in {lang:?}");
        }
        assert_eq!(catalog.fallback_count(), 0, "{:?}", catalog.fallback_keys());
    }
    assert_eq!(crate::finding_kind_text(&Catalog::new(Lang::ZhCn), "flatline"), "卡滞");
    assert_eq!(gate_title_text(&Catalog::new(Lang::En), "a_newer_check"), "a_newer_check");
}
