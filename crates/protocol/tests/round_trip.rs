//! Every protocol type that crosses IPC (requests, replies, task events, the files runs keep)
//! survives serde_json unchanged, including NaN, ±∞, −0.0, the extremes of f64 and empty
//! texts and lists: the property the desktop bridge relies on. Values come from a seeded
//! generator, so a failure names its seed and replays exactly.
//!
//! A new protocol type or field must be added to the generator here (the struct literals
//! below stop compiling when a field is missing, which is the point).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Debug;

use plantlab_protocol::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// splitmix64: small, seedable, good enough to pick shapes and values.
struct Gen {
    state: u64,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn any<T: Sample>(&mut self) -> T {
        T::sample(self)
    }
}

/// Floats that break naive JSON: non-finite values, signed zero, the extremes, and ordinary
/// values.
const SPECIAL_F64: [f64; 14] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    0.0,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    f64::EPSILON,
    1.0,
    0.1,
    -273.15,
    1.0e-300,
];

const TEXTS: [&str; 9] = ["", "a", "FI-301 Flow [m³/h]", "TI 101 °C \"quoted\" \\ back", "line\nbreak\ttab", "NaN", "inf", "null", "Störung ✓ 温度"];

trait Sample {
    fn sample(g: &mut Gen) -> Self;
}

impl Sample for f64 {
    fn sample(g: &mut Gen) -> Self {
        match g.below(4) {
            0 | 1 => SPECIAL_F64[g.below(SPECIAL_F64.len())],
            // Any finite bit pattern: every exponent and mantissa.
            2 => loop {
                let v = f64::from_bits(g.next());
                if v.is_finite() {
                    break v;
                }
            },
            _ => (g.next() % 2_000_001) as f64 / 1000.0 - 1000.0,
        }
    }
}

impl Sample for f32 {
    fn sample(g: &mut Gen) -> Self {
        const SPECIAL: [f32; 9] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0, f32::MAX, f32::MIN, f32::MIN_POSITIVE, 0.5, 1.0];
        match g.below(2) {
            0 => SPECIAL[g.below(SPECIAL.len())],
            _ => loop {
                let v = f32::from_bits(g.next() as u32);
                if v.is_finite() {
                    break v;
                }
            },
        }
    }
}

impl Sample for u64 {
    fn sample(g: &mut Gen) -> Self {
        // JSON numbers reach the webview as JavaScript numbers: exact up to 2^53.
        [0, 1, 42, 1 << 53, g.next() >> 11][g.below(5)]
    }
}

impl Sample for i64 {
    fn sample(g: &mut Gen) -> Self {
        [0, -1, 1_709_210_096_999, -(1 << 53), (g.next() >> 11) as i64][g.below(5)]
    }
}

impl Sample for u32 {
    fn sample(g: &mut Gen) -> Self {
        [0, 1, 30, u32::MAX, g.next() as u32][g.below(5)]
    }
}

impl Sample for usize {
    fn sample(g: &mut Gen) -> Self {
        [0, 1, 7, g.below(1 << 20)][g.below(4)]
    }
}

impl Sample for bool {
    fn sample(g: &mut Gen) -> Self {
        g.below(2) == 1
    }
}

impl Sample for char {
    fn sample(g: &mut Gen) -> Self {
        [',', ';', '\t', '|', '.', '"', 'ü'][g.below(7)]
    }
}

impl Sample for String {
    fn sample(g: &mut Gen) -> Self {
        TEXTS[g.below(TEXTS.len())].to_owned()
    }
}

impl<T: Sample> Sample for Option<T> {
    fn sample(g: &mut Gen) -> Self {
        (g.below(3) > 0).then(|| g.any())
    }
}

impl<T: Sample> Sample for Box<T> {
    fn sample(g: &mut Gen) -> Self {
        Box::new(g.any())
    }
}

impl<T: Sample> Sample for Vec<T> {
    fn sample(g: &mut Gen) -> Self {
        // Empty lists as often as short ones.
        let len = [0, 0, 1, 2, 4][g.below(5)];
        (0..len).map(|_| g.any()).collect()
    }
}

impl<A: Sample, B: Sample> Sample for (A, B) {
    fn sample(g: &mut Gen) -> Self {
        (g.any(), g.any())
    }
}

impl<T: Sample, const N: usize> Sample for [T; N] {
    fn sample(g: &mut Gen) -> Self {
        std::array::from_fn(|_| g.any())
    }
}

impl<T: Sample> Sample for BTreeMap<String, T> {
    fn sample(g: &mut Gen) -> Self {
        (0..g.below(3)).map(|_| (g.any(), g.any())).collect()
    }
}

/// A struct with every field sampled.
macro_rules! structs {
    ($($name:ident { $($field:ident),* $(,)? })*) => {$(
        impl Sample for $name {
            fn sample(g: &mut Gen) -> Self {
                $name { $($field: g.any()),* }
            }
        }
    )*};
}

/// An enum of unit variants.
macro_rules! units {
    ($($name:ident [$($variant:ident),* $(,)?])*) => {$(
        impl Sample for $name {
            fn sample(g: &mut Gen) -> Self {
                let all = [$($name::$variant),*];
                all[g.below(all.len())]
            }
        }
    )*};
}

structs! {
    ApiError { code, message, variant, args }
    ColumnInfo { name, dtype, kind, null_count, unit }
    DatasetSummary { path, rows, columns, timestamp_column, import, warnings, warning_codes }
    CodedSentence { code, args }
    PageRequest { offset, limit }
    TablePage { offset, total_rows, columns, rows }
    SeriesRequest { column, x_range, max_points, focus_row, mark_rows }
    HistogramRequest { column, bins }
    Histogram { column, min, max, counts, missing }
    Series { column, x_axis, x, y_min, y_max, source_rows, x_extent, decimated, x_range, marks }
    PaintReport { rows, columns, plot_column, plot_rect, lang }
    FrameStats { frames, p95_ms, max_ms }
    ImportSettings { delimiter, decimal, encoding, encoding_confidence, header_rows, names, column_widths, timestamp_column, timestamp_format, status_strings, sheet }
    ImportOverrides { delimiter, decimal, encoding, header_rows, timestamp_column, timestamp_format, status_strings, sheet, names, column_widths }
    Finding { kind, column, count, severity, examples, rows, message, variant, args }
    ColumnProfile { name, dtype, unit, null_count, status_text_count, min, max, mean, std }
    QualityReport { rows, columns, timestamp_column, sampling_interval_s, import, import_warnings, import_warning_codes, findings }
    Condition { column, op, value }
    FittedColumn { median, low, high, scale }
    FittedStats { train_rows, columns, class_weights }
    RecipeStep { step, enabled, fitted }
    Recipe { schema_version, import, train_fraction, label, steps }
    StepOutcome { index, op, description, step, enabled, rows_in, rows_out, cells_changed, columns, error, elapsed_ms }
    Suggestion { kind, column, step, reason, variant, args }
    GateCheck { name, passed, value, threshold, at_least, message, variant, args }
    GateResult { passed, checks }
    GateThresholds { max_missing_share, max_status_text_cells, max_duplicate_rows, max_duplicate_timestamps, max_unsorted_timestamps, max_gaps, max_flatline_samples, max_spikes, max_out_of_range, max_unit_jump_samples, max_constant_columns, max_high_cardinality_columns, max_imbalanced_labels, min_rows }
    CleanState { rows_raw, rows, train_fraction, steps, outcomes, can_undo, can_redo, report, suggestions, gate, gate_thresholds, label_column }
    PreviewRequest { step, max_points, max_series, edit_index }
    ColumnChange { column, cells_changed, nulls_before, nulls_after, added, removed }
    FindingDelta { kind, column, before, after, message, variant, args }
    PreviewSeries { column, before, after }
    StepPreview { step, description, rows_before, rows_after, columns, findings, series, fitted, elapsed_ms }
    CleanSummary { rows_in, rows_out, columns_out, steps, findings, gate, output }
    EventOptions { lookback_s, lookback_samples, clear_ratio, min_duration_samples, dead_time_samples }
    FaultEpisode { index, start_row, end_row, start_ms, end_ms, detected, first_alarm_row, first_alarm_ms, lead_time }
    EventScore { has_timestamps, episodes, detected, missed, median_lead_time, false_alarms, normal_samples, normal_days, false_alarms_per_day, false_alarms_per_1000_samples }
    ThresholdPoint { threshold, tp, fp, tn, fn_ }
    TagContribution { tag, mean_abs, mean_signed }
    RiskTimeline { x, has_timestamps, risk, fault }
    Evaluation { source, run_id, classes, positive_class, samples, threshold, majority_accuracy, test, baseline, baseline_trees, roc, pr, thresholds, events, event_options, contributions, timeline }
    EvaluateRequest { run_id, threshold, events }
    InputWarning { kind, tag, count, message, example_rows, variant, args }
    AlarmSentence { code, args }
    Alarm { index, start_row, end_row, start_ms, end_ms, peak_risk, peak_row, top_tags, explanation, explanation_sentences }
    BundleInfo { path, format_version, run_id, created, model, target, classes, features, recipe_steps, threshold, test, event_options, training_period_ms }
    PredictRequest { path, bundle, threshold, events }
    TrainingOverlap { samples, train_start_ms, train_end_ms }
    PredictionResult { bundle, file, rows, samples, threshold, timeline, alarms, alarm_count, alarm_samples, event_options, training_overlap, warnings, evaluation, seconds }
    SplitFractions { train, validation, test }
    TreeSettings { rounds, learning_rate, max_leaves, min_samples_leaf, l2, patience }
    TrainConfig { target, features, exclude, model, mode, feature_window, interactions, trees, bins, min_level_count, embedding_dim, hidden, batch_size, learning_rate, epochs, split, class_weighting, patience, seed, threads, recipe, gate }
    GateDecision { passed, overridden }
    BatchMetrics { epoch, batch, batches, loss, accuracy }
    EpochMetrics { epoch, train_loss, train_accuracy, val_loss, val_accuracy, val_roc_auc, val_pr_auc, best, seconds, samples_per_s }
    TrainDataInfo { classes, positive_class, features, train_samples, validation_samples, test_samples, vocab_size, sequence_length, class_weights, class_shares, class_weights_from }
    ClassMetrics { samples, loss, accuracy, balanced_accuracy, precision, recall, f1, roc_auc, pr_auc, confusion }
    RunSummary { run_id, run_dir, status, message, message_code, message_args, failure, epochs_run, best_epoch, majority_accuracy, val, test, baseline, baseline_trees, seconds }
    RunEntry { run_id, run_dir, created, status, model, target, data, epochs_run, best_epoch, best_val_loss, test_roc_auc, test_pr_auc, message, message_code, message_args, failure, mode, sampling_interval_s, normal }
    RunDetail { entry, config, recipe, data, epochs, batches, summary }
    ConfigDifference { field, values }
    RunComparison { runs, differences }
    NormalTrainRequest { detector, normal, exclude, fault_label, window, bins, smoothing, target_false_alarms, false_alarm_unit, seed, epochs, patience }
    NormalEpochMetrics { epoch, train_loss, validation_loss, validation_perplexity, best, seconds }
    NormalRunSummary { run_id, run_dir, status, message, message_code, message_args, detector, tags, normal_rows, fit_rows, calibration_rows, threshold, target_false_alarm_rate, epochs_run, best_epoch, validation_loss, validation_perplexity, bundle, evaluation, sampling_interval_s, seconds }
    NormalEpisode { index, start_row, end_row, start_ms, end_ms, detected, first_alarm_row, delay_samples, delay_s }
    DetectorScore { name, code, threshold, roc_auc, pr_auc, false_alarm_rate, detection_rate, false_alarms, false_alarms_per_day, false_alarms_per_1000_samples, normal_samples, fault_samples, episodes }
    NormalEvaluation { source, source_code, source_args, run_id, label, samples, has_timestamps, model, pca_t2, pca_q, others, timeline }
    NormalEvaluateRequest { run_id, path, label }
    NormalPredictRequest { path, bundle }
    NormalBundleInfo { path, format_version, detector, tags, normal_rows, threshold, window, smoothing }
    TagSurprise { tag, surprise, expected_low, expected_high, observed, trend, explanation, explanation_sentence }
    NormalAlarm { index, start_row, end_row, start_ms, end_ms, peak_score, peak_row, top_tags }
    TagScoreSeries { tag, surprise }
    NormalTimeline { x, has_timestamps, score, alarm, pca, top_tags }
    NormalPrediction { bundle, file, rows, samples, threshold, timeline, alarms, alarm_count, alarm_samples, warnings, seconds }
}

units! {
    ColumnKind [Numeric, Boolean, Timestamp, Text, Other]
    TaskKind [Load, Clean, Train, Predict, Evaluate]
    FindingKind [Missing, StatusText, DuplicateRows, DuplicateTimestamps, UnsortedTimestamps, Gap, Flatline, Spike, OutOfRange, UnitJump, Constant, HighCardinality, LabelImbalance, Shutdown]
    Severity [Info, Warning, Error]
    FilePurpose [OpenRecipe, SaveRecipe, ExportCleaned, OpenBundle, SaveBundle, OpenPredictData, SavePredictions, SaveReport]
    CastType [Float, Integer, Boolean, Text]
    DuplicateKeep [First, Last, Mean]
    Aggregate [Mean, Last, Min, Max]
    OutlierAction [Null, Clip]
    CompareOp [Lt, Le, Gt, Ge, Eq, Ne, IsNull, NotNull]
    InputWarningKind [MissingTag, OutOfTrainingRange, UnseenCategory, MostlyMissing]
    ModelKind [Seed, Transformer, Mlp, Trees]
    ClassWeighting [Auto, On, Off]
    RunStatus [Running, Completed, Interrupted, Cancelled, Failed]
    NormalDetector [LinearPredictor, ProcessLm]
    FalseAlarmUnit [PerDay, PerThousandSamples]
}

impl Sample for NormalPeriod {
    fn sample(g: &mut Gen) -> Self {
        match g.below(3) {
            0 => NormalPeriod::All,
            1 => NormalPeriod::LabelEquals { column: g.any(), value: g.any() },
            _ => NormalPeriod::Between { from: g.any(), to: g.any() },
        }
    }
}

impl Sample for CleanStep {
    fn sample(g: &mut Gen) -> Self {
        match g.below(20) {
            0 => CleanStep::Select { columns: g.any() },
            1 => CleanStep::Drop { columns: g.any() },
            2 => CleanStep::Rename { from: g.any(), to: g.any() },
            3 => CleanStep::Cast { column: g.any(), to: g.any() },
            4 => CleanStep::ParseTimestamp { column: g.any(), format: g.any() },
            5 => CleanStep::SortByTime,
            6 => CleanStep::DropDuplicateRows,
            7 => CleanStep::ResolveDuplicateTimestamps { keep: g.any() },
            8 => CleanStep::Resample { interval_s: g.any(), aggregate: g.any(), max_columns: g.any() },
            9 => CleanStep::Fill { columns: g.any(), method: g.any() },
            10 => CleanStep::Outliers { columns: g.any(), method: g.any(), action: g.any() },
            11 => CleanStep::FlatlineToNull { columns: g.any(), min_run: g.any() },
            12 => CleanStep::ConvertUnit { column: g.any(), conversion: g.any(), segment: g.any() },
            13 => CleanStep::ExcludePeriods { condition: g.any(), pad_s: g.any() },
            14 => CleanStep::FilterRows { condition: g.any() },
            15 => CleanStep::DeriveLabel { name: g.any(), source: g.any(), horizon_h: g.any(), during_event: g.any() },
            16 => CleanStep::WeightClasses { label: g.any(), weight_column: g.any() },
            17 => CleanStep::Outliers {
                columns: g.any(),
                method: OutlierMethod::Range { low: g.any(), high: g.any(), values: g.any() },
                action: g.any(),
            },
            18 => {
                CleanStep::ConvertUnit { column: g.any(), conversion: UnitConversion::Linear { scale: g.any(), offset: g.any() }, segment: g.any() }
            }
            _ => CleanStep::Fill { columns: g.any(), method: FillMethod::Value { value: g.any() } },
        }
    }
}

impl Sample for FillMethod {
    fn sample(g: &mut Gen) -> Self {
        match g.below(6) {
            0 => FillMethod::Forward { limit: g.any() },
            1 => FillMethod::Interpolate { limit: g.any() },
            2 => FillMethod::ForwardWithin { max_gap_s: g.any() },
            3 => FillMethod::InterpolateWithin { max_gap_s: g.any() },
            4 => FillMethod::Median,
            _ => FillMethod::Value { value: g.any() },
        }
    }
}

impl Sample for OutlierMethod {
    fn sample(g: &mut Gen) -> Self {
        match g.below(4) {
            0 => OutlierMethod::Iqr { k: g.any() },
            1 => OutlierMethod::Mad { k: g.any() },
            2 => OutlierMethod::Hampel { window: g.any(), k: g.any() },
            _ => OutlierMethod::Range { low: g.any(), high: g.any(), values: g.any() },
        }
    }
}

impl Sample for UnitConversion {
    fn sample(g: &mut Gen) -> Self {
        let fixed = UnitConversion::NAMED;
        match g.below(fixed.len() + 2) {
            i if i < fixed.len() => fixed[i],
            _ => UnitConversion::Linear { scale: g.any(), offset: g.any() },
        }
    }
}

impl Sample for Segment {
    fn sample(g: &mut Gen) -> Self {
        match g.below(2) {
            0 => Segment::Time { from_ms: g.any(), to_ms: g.any() },
            _ => Segment::Rows { start: g.any(), end: g.any() },
        }
    }
}

impl Sample for LabelSource {
    fn sample(g: &mut Gen) -> Self {
        match g.below(2) {
            0 => LabelSource::Column { column: g.any() },
            _ => LabelSource::Events { at: g.any() },
        }
    }
}

impl Sample for CleanAction {
    fn sample(g: &mut Gen) -> Self {
        match g.below(11) {
            0 => CleanAction::Apply { step: g.any() },
            1 => CleanAction::Undo,
            2 => CleanAction::Redo,
            3 => CleanAction::SetEnabled { index: g.any(), enabled: g.any() },
            4 => CleanAction::Edit { index: g.any(), step: g.any() },
            5 => CleanAction::Remove { index: g.any() },
            6 => CleanAction::ApplySuggestions,
            7 => CleanAction::LoadRecipe { path: g.any() },
            8 => CleanAction::SetTrainFraction { fraction: g.any() },
            9 => CleanAction::Reset,
            _ => CleanAction::SetLabel { column: g.any() },
        }
    }
}

impl Sample for MessageArg {
    fn sample(g: &mut Gen) -> Self {
        // Phrases and lists nest one level: enough to cover their encoding, and finite.
        let leaf = |g: &mut Gen| match g.below(6) {
            0 => MessageArg::Text(g.any()),
            1 => MessageArg::Integer(g.any()),
            2 => MessageArg::Number(g.any()),
            3 => MessageArg::Share(g.any()),
            4 => MessageArg::Duration(g.any()),
            _ => MessageArg::Time(g.any()),
        };
        match g.below(10) {
            0 => MessageArg::Phrase { code: g.any(), args: (0..g.below(3)).map(|_| (g.any(), leaf(g))).collect() },
            3 => MessageArg::Step(Box::new(g.any())),
            1 => MessageArg::List((0..g.below(3)).map(|_| leaf(g)).collect()),
            2 => MessageArg::Clauses((0..g.below(3)).map(|_| leaf(g)).collect()),
            _ => leaf(g),
        }
    }
}

impl Sample for XAxis {
    fn sample(g: &mut Gen) -> Self {
        match g.below(2) {
            0 => XAxis::RowIndex,
            _ => XAxis::Time(g.any()),
        }
    }
}

impl Sample for SequenceMode {
    fn sample(g: &mut Gen) -> Self {
        match g.below(2) {
            0 => SequenceMode::Row,
            _ => SequenceMode::Window { window: g.any(), stride: g.any() },
        }
    }
}

impl Sample for TrainUpdate {
    fn sample(g: &mut Gen) -> Self {
        match g.below(4) {
            0 => TrainUpdate::Prepared { run_id: g.any(), run_dir: g.any(), data: g.any() },
            1 => TrainUpdate::Batch(g.any()),
            2 => TrainUpdate::NormalEpoch(g.any()),
            _ => TrainUpdate::Epoch(g.any()),
        }
    }
}

impl Sample for TaskOutcome {
    fn sample(g: &mut Gen) -> Self {
        match g.below(8) {
            0 => TaskOutcome::Loaded(g.any()),
            1 => TaskOutcome::Cleaned(g.any()),
            2 => TaskOutcome::Trained(g.any()),
            3 => TaskOutcome::Predicted(g.any()),
            4 => TaskOutcome::NormalTrained(g.any()),
            5 => TaskOutcome::NormalEvaluated(g.any()),
            6 => TaskOutcome::NormalPredicted(g.any()),
            _ => TaskOutcome::Evaluated(g.any()),
        }
    }
}

impl Sample for TaskEvent {
    fn sample(g: &mut Gen) -> Self {
        match g.below(6) {
            0 => TaskEvent::Started { task: g.any(), kind: g.any(), label: g.any(), label_code: g.any(), label_args: g.any() },
            1 => TaskEvent::Progress { task: g.any(), fraction: g.any(), stage: g.any(), stage_code: g.any(), stage_args: g.any() },
            2 => TaskEvent::Train { task: g.any(), update: g.any() },
            3 => TaskEvent::Finished { task: g.any(), outcome: g.any() },
            4 => TaskEvent::Failed { task: g.any(), error: g.any() },
            _ => TaskEvent::Cancelled { task: g.any() },
        }
    }
}

/// `value` through JSON and back, compared by its `Debug` text, in which NaN equals NaN and
/// −0.0 differs from 0.0. serde_json reads numbers "best effort" unless its `float_roundtrip`
/// feature is on (it is not in this workspace): a finite number may come back one or two
/// units in the last place off. That much is allowed; anything else must match exactly.
fn round_trips<T: Serialize + DeserializeOwned + Debug>(value: &T, seed: u64) {
    let type_name = std::any::type_name::<T>();
    let json = serde_json::to_string(value).unwrap_or_else(|e| panic!("{type_name} (seed {seed}) does not serialize: {e}"));
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{type_name} (seed {seed}) does not read back: {e}\n{json}"));
    assert_same(&format!("{value:?}"), &format!("{back:?}"), &format!("{type_name} (seed {seed}) through text\n{json}"));
    // The same through a `serde_json::Value`, as the shell's command arguments travel.
    let tree = serde_json::to_value(value).unwrap_or_else(|e| panic!("{type_name} (seed {seed}) to a value: {e}"));
    let back: T = serde_json::from_value(tree).unwrap_or_else(|e| panic!("{type_name} (seed {seed}) from a value: {e}\n{json}"));
    assert_same(&format!("{value:?}"), &format!("{back:?}"), &format!("{type_name} (seed {seed}) through a value\n{json}"));
}

/// Debug texts equal token by token; two finite numbers may differ by 2 units in the last place.
fn assert_same(expected: &str, actual: &str, what: &str) {
    let split = |text: &str| -> Vec<String> { text.split([' ', ',', '(', ')', '[', ']', '{', '}', ':']).map(str::to_owned).collect() };
    let (a, b) = (split(expected), split(actual));
    let same = a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x == y
                || match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => {
                        x.is_finite() && y.is_finite() && x.is_sign_negative() == y.is_sign_negative() && x.to_bits().abs_diff(y.to_bits()) <= 2
                    }
                    _ => false,
                }
        });
    let first = a.iter().zip(&b).position(|(x, y)| x != y).map(|i| format!("{} vs {}", a[i], b[i])).unwrap_or_default();
    assert!(same, "{what} changed ({first}):\n  sent: {expected}\n  read: {actual}");
}

fn check<T: Sample + Serialize + DeserializeOwned + Debug>(cases: u64) {
    for seed in 0..cases {
        let value: T = Gen::new(seed).any();
        round_trips(&value, seed);
    }
}

/// Runs `check` for every listed type.
macro_rules! check_all {
    ($cases:expr; $($ty:ty),* $(,)?) => {$( check::<$ty>($cases); )*};
}

#[test]
fn requests_round_trip() {
    check_all!(400;
        PageRequest, SeriesRequest, HistogramRequest, ImportOverrides, PreviewRequest, CleanAction, CleanStep,
        GateThresholds, TrainConfig, EvaluateRequest, PredictRequest, EventOptions, FilePurpose, PaintReport,
        FrameStats, Recipe, NormalTrainRequest, NormalEvaluateRequest, NormalPredictRequest, NormalPeriod,
    );
}

#[test]
fn replies_round_trip() {
    check_all!(300;
        ApiError, DatasetSummary, TablePage, Series, Histogram, QualityReport, CleanState, StepPreview,
        CleanSummary, RunEntry, RunDetail, RunComparison, RunSummary, Evaluation, BundleInfo, PredictionResult,
        TrainConfig, NormalRunSummary, NormalEvaluation, NormalPrediction, NormalBundleInfo, NormalEpochMetrics,
    );
}

#[test]
fn task_events_round_trip() {
    check_all!(2000; TaskEvent, TaskOutcome, TrainUpdate);
}

#[test]
fn the_generator_reaches_the_hard_values() {
    // Guard against a generator that never produces what the test is for.
    let mut g = Gen::new(7);
    let floats: Vec<f64> = (0..2000).map(|_| g.any()).collect();
    assert!(floats.iter().any(|v| v.is_nan()));
    assert!(floats.contains(&f64::INFINITY) && floats.contains(&f64::NEG_INFINITY));
    assert!(floats.iter().any(|v| *v == 0.0 && v.is_sign_negative()));
    assert!(floats.contains(&f64::MAX) && floats.contains(&f64::MIN_POSITIVE));
    let series: Vec<Series> = (0..50).map(|seed| Gen::new(seed).any()).collect();
    assert!(series.iter().any(|s| s.x.is_empty()) && series.iter().any(|s| s.x.iter().any(|x| x.is_nan())));
}

#[test]
fn nan_in_a_series_is_text_in_json() {
    let series = Series {
        column: "FI-301".into(),
        x_axis: XAxis::RowIndex,
        x: vec![0.0, 1.0],
        y_min: vec![f64::NAN, 2.0],
        y_max: vec![f64::INFINITY, f64::NEG_INFINITY],
        source_rows: 2,
        x_extent: Some((0.0, 1.0)),
        decimated: false,
        x_range: None,
        marks: vec![(1.0, f64::NAN)],
    };
    let json = serde_json::to_string(&series).unwrap_or_default();
    assert!(json.contains(r#""y_min":["NaN",2.0]"#) && json.contains(r#""y_max":["inf","-inf"]"#), "{json}");
    assert!(json.contains(r#""marks":[[1.0,"NaN"]]"#), "{json}");
    assert!(!json.contains("[null") && !json.contains(",null]") && !json.contains(",null,"), "no null stands for a number: {json}");
}
