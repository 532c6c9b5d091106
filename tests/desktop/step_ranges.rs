//! The step parameter ranges the protocol publishes (and the UI's step editor shows) are the
//! ones the engine enforces: each range's ends are accepted and values just outside rejected.

use plantlab_engine::clean::steps::check_parameters;
use plantlab_protocol::{
    step_parameter_range, Aggregate, CleanStep, CompareOp, Condition, FillMethod, LabelSource, OutlierAction, OutlierMethod, STEP_PARAMETER_RANGES,
};

/// A step whose parameter `field` is `value` (every other parameter valid).
fn step_with(field: &str, value: f64) -> CleanStep {
    let columns = vec!["flow".to_owned()];
    let outliers = |method| CleanStep::Outliers { columns: columns.clone(), method, action: OutlierAction::Null };
    match field {
        "interval_s" => CleanStep::Resample { interval_s: value, aggregate: Aggregate::Mean, max_columns: vec![] },
        "max_gap_s" => CleanStep::Fill { columns, method: FillMethod::InterpolateWithin { max_gap_s: value } },
        "pad_s" => CleanStep::ExcludePeriods { condition: Condition { column: "flow".into(), op: CompareOp::Lt, value: 5.0 }, pad_s: value },
        "horizon_h" => CleanStep::DeriveLabel {
            name: "soon".into(),
            source: LabelSource::Column { column: "fault".into() },
            horizon_h: value,
            during_event: true,
        },
        "k" => outliers(OutlierMethod::Mad { k: value }),
        "window" => outliers(OutlierMethod::Hampel { window: value as u32, k: 3.0 }),
        "limit" => CleanStep::Fill { columns, method: FillMethod::Forward { limit: Some(value as u32) } },
        "min_run" => CleanStep::FlatlineToNull { columns, min_run: value as u32 },
        other => panic!("no step for the parameter {other}; add one here"),
    }
}

#[test]
fn the_published_ranges_are_the_engines() {
    for (field, range) in STEP_PARAMETER_RANGES {
        assert_eq!(step_parameter_range(field), Some(range));
        for inside in [range.min, range.max] {
            check_parameters(&step_with(field, inside)).unwrap_or_else(|e| panic!("{field} = {inside} is in {range:?} but rejected: {e}"));
        }
        // Just outside: the next representable step for whole-number parameters, a small
        // fraction for durations and factors.
        let whole = matches!(field, "window" | "limit" | "min_run");
        let below = if whole { range.min - 1.0 } else { range.min - range.min.abs().max(1.0) * 1e-3 };
        let above = if whole { range.max + 1.0 } else { range.max * (1.0 + 1e-3) };
        // Whole numbers below zero cannot be written in the step's unsigned field.
        if !(whole && below < 0.0) {
            assert!(check_parameters(&step_with(field, below)).is_err(), "{field} = {below} is below {range:?} but accepted");
        }
        assert!(check_parameters(&step_with(field, above)).is_err(), "{field} = {above} is above {range:?} but accepted");
    }
}
