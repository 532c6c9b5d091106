//! The cleaning loop: steps, the recipe file, previews, suggestions and the quality gate.
//!
//! A step is plain data (serde, tag `op`) with its parameters. Statistics a step needs
//! (medians, bounds, noise floors) are fitted by the engine on the training part of the data
//! when the step is added and stored beside it in [`RecipeStep::fitted`], so replaying a recipe
//! on new data never fits on that data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ApiError, Finding, FindingKind, ImportSettings, MessageArg, QualityReport, Series};

/// The recipe format this build writes and the newest it reads.
pub const RECIPE_SCHEMA_VERSION: u32 = 1;

/// Share of rows (in time order, from the start) that statistics are fitted on; the same
/// default split training uses.
pub const DEFAULT_TRAIN_FRACTION: f64 = 0.7;

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

/// One cleaning step. Every step names the columns it works on; a name that is not in the
/// data when the step runs is a clear error, never a panic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum CleanStep {
    /// Keep only these columns, in this order (the timestamp column is always kept).
    Select {
        columns: Vec<String>,
    },
    /// Remove these columns.
    Drop {
        columns: Vec<String>,
    },
    Rename {
        from: String,
        to: String,
    },
    /// Change a column's type; cells that do not convert become missing (and are counted).
    Cast {
        column: String,
        to: CastType,
    },
    /// Parse a text (or epoch number) column into timestamps and make it the time axis.
    /// `format` is a chrono-style pattern, `epoch_s` or `epoch_ms`; `None` sniffs it.
    ParseTimestamp {
        column: String,
        #[serde(default)]
        format: Option<String>,
    },
    /// Stable sort by the timestamp column; rows without a time go last.
    SortByTime,
    /// Remove rows that repeat an earlier row exactly (all columns).
    DropDuplicateRows,
    /// Keep one row per timestamp.
    ResolveDuplicateTimestamps {
        keep: DuplicateKeep,
    },
    /// One row per interval, aligned to multiples of the interval since the epoch. Empty
    /// intervals become rows with missing values (a gap becomes visible as missing cells).
    /// Float columns use `aggregate`; integer, boolean and text columns (codes, states, labels)
    /// keep the last value for `mean`/`last`, and their min/max otherwise. Rows without a
    /// timestamp are dropped.
    /// Columns named in `max_columns` take their maximum instead, whatever their type: a 0/1
    /// label then marks an interval that holds a fault anywhere in it.
    Resample {
        #[serde(with = "crate::float")]
        interval_s: f64,
        aggregate: Aggregate,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        max_columns: Vec<String>,
    },
    /// Fill missing cells.
    Fill {
        columns: Vec<String>,
        method: FillMethod,
    },
    /// Outlying values become missing or are clipped to the bounds.
    Outliers {
        columns: Vec<String>,
        method: OutlierMethod,
        action: OutlierAction,
    },
    /// Runs of at least `min_run` identical consecutive readings (a stuck transmitter) become
    /// missing.
    FlatlineToNull {
        columns: Vec<String>,
        min_run: u32,
    },
    /// y = scale·x + offset on the whole column (its unit changes too) or on a segment.
    ConvertUnit {
        column: String,
        conversion: UnitConversion,
        #[serde(default)]
        segment: Option<Segment>,
    },
    /// Remove the rows where the condition holds (e.g. pump off: flow < 5), with an optional
    /// margin of `pad_s` seconds before and after each excluded period.
    ExcludePeriods {
        condition: Condition,
        #[serde(default)]
        #[serde(with = "crate::float")]
        pad_s: f64,
    },
    /// Keep only the rows where the condition holds.
    FilterRows {
        condition: Condition,
    },
    /// A new 0/1 column `name`: 1 when an event starts within the next `horizon_h` hours
    /// (and, with `during_event`, while a fault column is active).
    DeriveLabel {
        name: String,
        source: LabelSource,
        #[serde(with = "crate::float")]
        horizon_h: f64,
        #[serde(default = "default_true")]
        during_event: bool,
    },
    /// A new column `weight_column` holding each row's class weight for the label `label`:
    /// "balanced" weights (rows of the training part ÷ (classes × rows of the class)), fitted
    /// on the training part, so every class weighs the same in training. Rows without a label
    /// weigh 0; a class the training part never saw weighs 1. Training uses the column as its
    /// class weights and never as a feature; prediction skips the step (it needs the label).
    WeightClasses {
        label: String,
        #[serde(default = "default_weight_column")]
        weight_column: String,
    },
}

fn default_true() -> bool {
    true
}

/// The column a `weight_classes` step writes unless told otherwise.
pub const DEFAULT_WEIGHT_COLUMN: &str = "class_weight";

fn default_weight_column() -> String {
    DEFAULT_WEIGHT_COLUMN.to_owned()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CastType {
    Float,
    Integer,
    Boolean,
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateKeep {
    First,
    Last,
    /// Float columns averaged, others the first value.
    Mean,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Mean,
    Last,
    Min,
    Max,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FillMethod {
    /// Carry the last reading forward over at most `limit` missing cells (`None`: no limit).
    Forward {
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Linear in time between the readings either side of a run of at most `limit` missing
    /// cells (`None`: any run). At the start and end the nearest reading is held.
    Interpolate {
        #[serde(default)]
        limit: Option<u32>,
    },
    /// Carry the last reading forward over a run of missing cells that ends at most
    /// `max_gap_s` seconds after that reading; a longer run stays missing as a whole (a
    /// shutdown or an outage is not bridged). Needs a time axis.
    ForwardWithin {
        #[serde(with = "crate::float")]
        max_gap_s: f64,
    },
    /// Linear in time between the readings either side of a run of missing cells, when those
    /// readings are at most `max_gap_s` seconds apart; a longer run stays missing as a whole.
    /// At the start and end the nearest reading is held when it is that close. Needs a time
    /// axis.
    InterpolateWithin {
        #[serde(with = "crate::float")]
        max_gap_s: f64,
    },
    /// The column's median on the training part (fitted).
    Median,
    /// A fixed value.
    Value {
        #[serde(with = "crate::float")]
        value: f64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OutlierMethod {
    /// Outside [Q1 − k·IQR, Q3 + k·IQR] of the training part (fitted).
    Iqr {
        #[serde(with = "crate::float")]
        k: f64,
    },
    /// More than k robust standard deviations (1.4826·MAD) from the training median (fitted).
    Mad {
        #[serde(with = "crate::float")]
        k: f64,
    },
    /// Hampel filter: more than k robust standard deviations from the median of the
    /// `window` samples either side; the noise floor is fitted on the training part.
    Hampel {
        window: u32,
        #[serde(with = "crate::float")]
        k: f64,
    },
    /// Outside [low, high], or equal to one of `values` (historian sentinels such as −9999).
    /// Sentinels always become missing, even with `clip`.
    Range {
        #[serde(default)]
        #[serde(with = "crate::float")]
        low: Option<f64>,
        #[serde(default)]
        #[serde(with = "crate::float")]
        high: Option<f64>,
        #[serde(default)]
        #[serde(with = "crate::float")]
        values: Vec<f64>,
    },
}

impl OutlierMethod {
    /// A range step's bounds as the step descriptions write them, in every language: "< low",
    /// "> high" and the sentinel values ("-9999, 0"); empty for the other methods.
    pub fn range_bounds(&self) -> Vec<String> {
        let OutlierMethod::Range { low, high, values } = self else { return Vec::new() };
        let mut bounds = Vec::new();
        if let Some(low) = low {
            bounds.push(format!("< {low}"));
        }
        if let Some(high) = high {
            bounds.push(format!("> {high}"));
        }
        if !values.is_empty() {
            bounds.push(values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", "));
        }
        bounds
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierAction {
    Null,
    Clip,
}

/// Unit conversions plant exports need; `Linear` covers anything else.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum UnitConversion {
    FahrenheitToCelsius,
    CelsiusToFahrenheit,
    KelvinToCelsius,
    CelsiusToKelvin,
    KpaToBar,
    BarToKpa,
    PsiToBar,
    BarToPsi,
    M3hToLs,
    LsToM3h,
    /// Chinese DCS exports log pressure in MPa where others use kPa or bar.
    MpaToKpa,
    KpaToMpa,
    MpaToBar,
    BarToMpa,
    /// Mass flow in t/h (吨/时) and kg/h.
    TphToKgh,
    KghToTph,
    Linear {
        #[serde(with = "crate::float")]
        scale: f64,
        #[serde(with = "crate::float")]
        offset: f64,
    },
}

impl UnitConversion {
    /// Every conversion with a name (all but `Linear`).
    pub const NAMED: [UnitConversion; 16] = [
        UnitConversion::FahrenheitToCelsius,
        UnitConversion::CelsiusToFahrenheit,
        UnitConversion::KelvinToCelsius,
        UnitConversion::CelsiusToKelvin,
        UnitConversion::KpaToBar,
        UnitConversion::BarToKpa,
        UnitConversion::PsiToBar,
        UnitConversion::BarToPsi,
        UnitConversion::M3hToLs,
        UnitConversion::LsToM3h,
        UnitConversion::MpaToKpa,
        UnitConversion::KpaToMpa,
        UnitConversion::MpaToBar,
        UnitConversion::BarToMpa,
        UnitConversion::TphToKgh,
        UnitConversion::KghToTph,
    ];

    /// (scale, offset) of y = scale·x + offset.
    pub fn coefficients(self) -> (f64, f64) {
        match self {
            UnitConversion::FahrenheitToCelsius => (1.0 / 1.8, -32.0 / 1.8),
            UnitConversion::CelsiusToFahrenheit => (1.8, 32.0),
            UnitConversion::KelvinToCelsius => (1.0, -273.15),
            UnitConversion::CelsiusToKelvin => (1.0, 273.15),
            UnitConversion::KpaToBar => (0.01, 0.0),
            UnitConversion::BarToKpa => (100.0, 0.0),
            UnitConversion::PsiToBar => (1.0 / 14.5038, 0.0),
            UnitConversion::BarToPsi => (14.5038, 0.0),
            UnitConversion::M3hToLs => (1.0 / 3.6, 0.0),
            UnitConversion::LsToM3h => (3.6, 0.0),
            UnitConversion::MpaToKpa | UnitConversion::TphToKgh => (1000.0, 0.0),
            UnitConversion::KpaToMpa | UnitConversion::KghToTph => (0.001, 0.0),
            UnitConversion::MpaToBar => (10.0, 0.0),
            UnitConversion::BarToMpa => (0.1, 0.0),
            UnitConversion::Linear { scale, offset } => (scale, offset),
        }
    }

    /// The units a named conversion goes from and to (`None` for `Linear`).
    pub fn units(self) -> Option<(&'static str, &'static str)> {
        let units = match self {
            UnitConversion::FahrenheitToCelsius => ("°F", "°C"),
            UnitConversion::CelsiusToFahrenheit => ("°C", "°F"),
            UnitConversion::KelvinToCelsius => ("K", "°C"),
            UnitConversion::CelsiusToKelvin => ("°C", "K"),
            UnitConversion::KpaToBar => ("kPa", "bar"),
            UnitConversion::BarToKpa => ("bar", "kPa"),
            UnitConversion::PsiToBar => ("psi", "bar"),
            UnitConversion::BarToPsi => ("bar", "psi"),
            UnitConversion::M3hToLs => ("m³/h", "l/s"),
            UnitConversion::LsToM3h => ("l/s", "m³/h"),
            UnitConversion::MpaToKpa => ("MPa", "kPa"),
            UnitConversion::KpaToMpa => ("kPa", "MPa"),
            UnitConversion::MpaToBar => ("MPa", "bar"),
            UnitConversion::BarToMpa => ("bar", "MPa"),
            UnitConversion::TphToKgh => ("t/h", "kg/h"),
            UnitConversion::KghToTph => ("kg/h", "t/h"),
            UnitConversion::Linear { .. } => return None,
        };
        Some(units)
    }

    /// The unit a whole-column conversion leaves, if the conversion names one.
    pub fn target_unit(self) -> Option<&'static str> {
        self.units().map(|(_, to)| to)
    }
}

/// Most samples either side of a Hampel window (its buffers hold 2·window + 2 values).
pub const MAX_HAMPEL_WINDOW: u32 = 100_000;
/// Most missing cells a fill limit in samples may bridge, and the longest flatline run.
pub const MAX_RUN_SAMPLES: u32 = 100_000_000;
/// Longest duration any step parameter may name: 100 years, in seconds. Durations become
/// milliseconds in an i64, and this keeps every sum of them far from overflowing.
pub const MAX_DURATION_S: f64 = 100.0 * 365.25 * 86_400.0;
/// Largest factor `k` of the IQR, MAD and Hampel rules.
pub const MAX_OUTLIER_K: f64 = 1.0e6;

/// The unit and allowed range (inclusive) of a numeric step parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParameterRange {
    pub min: f64,
    pub max: f64,
    /// What the number counts, for people ("s", "samples either side").
    pub unit: &'static str,
}

/// The numeric step parameters with a range, by their field name in a step's JSON form (each
/// name means one parameter across all steps). The engine rejects a step with a value outside
/// when it is parsed, previewed or applied; the step editor shows the same ranges.
pub const STEP_PARAMETER_RANGES: [(&str, ParameterRange); 8] = [
    ("interval_s", ParameterRange { min: 0.001, max: MAX_DURATION_S, unit: "s" }),
    ("max_gap_s", ParameterRange { min: 0.0, max: MAX_DURATION_S, unit: "s" }),
    ("pad_s", ParameterRange { min: 0.0, max: MAX_DURATION_S, unit: "s" }),
    ("horizon_h", ParameterRange { min: 0.0, max: MAX_DURATION_S / 3600.0, unit: "h" }),
    ("k", ParameterRange { min: 0.0, max: MAX_OUTLIER_K, unit: "× robust spread" }),
    ("window", ParameterRange { min: 1.0, max: MAX_HAMPEL_WINDOW as f64, unit: "samples either side" }),
    ("limit", ParameterRange { min: 0.0, max: MAX_RUN_SAMPLES as f64, unit: "missing cells" }),
    ("min_run", ParameterRange { min: 0.0, max: MAX_RUN_SAMPLES as f64, unit: "equal readings" }),
];

/// The range of the step parameter named `field` (see [`STEP_PARAMETER_RANGES`]).
pub fn step_parameter_range(field: &str) -> Option<ParameterRange> {
    STEP_PARAMETER_RANGES.iter().find(|(name, _)| *name == field).map(|(_, range)| *range)
}

/// Part of the data a step is limited to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Segment {
    /// Rows whose timestamp lies in [from_ms, to_ms] (milliseconds since the epoch, as the
    /// export wrote them). Survives sorting and removed rows, so it suits recipes.
    Time { from_ms: i64, to_ms: i64 },
    /// Rows start..end (0-based, end exclusive) of the data as the step sees it.
    Rows { start: u64, end: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    IsNull,
    NotNull,
}

impl CompareOp {
    /// The comparison's sign as every language writes it ("<", "≤" …); `None` for the tests
    /// of a missing or present cell, which are said in words.
    pub fn symbol(self) -> Option<&'static str> {
        match self {
            CompareOp::Lt => Some("<"),
            CompareOp::Le => Some("≤"),
            CompareOp::Gt => Some(">"),
            CompareOp::Ge => Some("≥"),
            CompareOp::Eq => Some("="),
            CompareOp::Ne => Some("≠"),
            CompareOp::IsNull | CompareOp::NotNull => None,
        }
    }
}

/// `column op value`, on numeric or boolean columns (true = 1). A missing cell never
/// satisfies a comparison, only `is_null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub column: String,
    pub op: CompareOp,
    #[serde(default)]
    #[serde(with = "crate::float")]
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LabelSource {
    /// A fault/event column: an event starts where it turns non-zero (or true).
    Column { column: String },
    /// Event times as `YYYY-MM-DD HH:MM:SS` (or with `T`), in the export's time.
    Events { at: Vec<String> },
}

/// Statistics fitted for one column on the training part.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FittedColumn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "crate::float")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "crate::float")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "crate::float")]
    pub high: Option<f64>,
    /// A noise scale (robust standard deviation), e.g. the Hampel filter's floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(with = "crate::float")]
    pub scale: Option<f64>,
}

/// What a step learnt on the training part, per column; empty for steps that fit nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FittedStats {
    /// Rows of the training part the statistics came from.
    pub train_rows: u64,
    pub columns: BTreeMap<String, FittedColumn>,
    /// Weight per class (the label value as text), for `weight_classes`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[serde(with = "crate::float")]
    pub class_weights: BTreeMap<String, f64>,
}

/// A step as it sits in the history and the recipe file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecipeStep {
    pub step: CleanStep,
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Filled by the engine when the step is added (or first run); kept on replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<FittedStats>,
}

impl RecipeStep {
    pub fn new(step: CleanStep) -> Self {
        Self { step, enabled: true, fitted: None }
    }
}

/// The recipe file: versioned JSON with the import settings and the ordered steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub schema_version: u32,
    pub import: ImportSettings,
    #[serde(with = "crate::float")]
    pub train_fraction: f64,
    /// The label (target) column the quality report checks for imbalance, if one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub steps: Vec<RecipeStep>,
}

// ---------------------------------------------------------------------------------------------
// The state of the loop, previews, suggestions
// ---------------------------------------------------------------------------------------------

/// What one step did when it last ran in the history (or in `plantlab clean --recipe`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub index: usize,
    /// The step's `op`, e.g. `fill`.
    pub op: String,
    /// The step in English words, e.g. "Interpolate missing values in FI-301 Flow (≤ 30
    /// samples)", for scripts and older readers; the edges word `step` instead.
    pub description: String,
    /// The step itself, which the edges word in the user's language; `None` from an older engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<CleanStep>,
    pub enabled: bool,
    pub rows_in: u64,
    pub rows_out: u64,
    /// Cells whose value changed (null ↔ value counts), over the columns kept.
    pub cells_changed: u64,
    pub columns: Vec<String>,
    /// Set when the step could not run (e.g. a column it names is gone); it is then skipped.
    pub error: Option<ApiError>,
    #[serde(with = "crate::float")]
    pub elapsed_ms: f64,
}

/// A step the engine proposes for a finding; adding it is one click.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub kind: FindingKind,
    pub column: Option<String>,
    pub step: CleanStep,
    /// Why this step, in English: for scripts and older readers. The Clean pane words a
    /// suggestion from its code ([`Suggestion::message_key`]) and `args` instead.
    pub reason: String,
    /// Which sentence of the step's reasons it is, where a step has several (`""` for the
    /// step's usual one; e.g. `hampel` for outliers from spikes). Stable, snake_case.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// The values the reason names, by the catalogue's argument names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl Suggestion {
    /// The catalogue key of the reason: `suggest-<op>` or `suggest-<op>-<variant>`, kebab
    /// case (`suggest-outliers-hampel`).
    pub fn message_key(&self) -> String {
        crate::message_key("suggest", self.step.op(), &self.variant)
    }
}

/// The names of the quality gate's checks ([`GateCheck::name`]), in the order the gate
/// reports them; the catalogues name each (`gate-title-…`).
pub const GATE_CHECKS: [&str; 14] = [
    "missing_share",
    "status_text",
    "duplicate_rows",
    "duplicate_timestamps",
    "unsorted_timestamps",
    "gaps",
    "flatline_samples",
    "spikes",
    "out_of_range",
    "unit_jump_samples",
    "constant_columns",
    "high_cardinality_columns",
    "label_imbalance",
    "rows",
];

/// One check of the quality gate. Passes when `value ≤ threshold` (or `≥` for minimums,
/// as `at_least` says).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateCheck {
    pub name: String,
    pub passed: bool,
    #[serde(with = "crate::float")]
    pub value: f64,
    #[serde(with = "crate::float")]
    pub threshold: f64,
    #[serde(default)]
    pub at_least: bool,
    /// The check in words, with the worst column where that matters, in English (or in the
    /// language a command line was asked for). The panes, the command line and the report
    /// word a check from its code ([`GateCheck::message_key`]) and `args` instead.
    pub message: String,
    /// Which sentence of the check it is, where a check has several (`""` for its usual one;
    /// `none` when no column has missing cells).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    /// The values the sentence names, by the catalogue's argument names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl GateCheck {
    /// The catalogue key of the check's sentence: `gate-<name>` or `gate-<name>-<variant>`,
    /// kebab case (`gate-missing-share-none`).
    pub fn message_key(&self) -> String {
        crate::message_key("gate", &self.name, &self.variant)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    pub passed: bool,
    pub checks: Vec<GateCheck>,
}

/// Editable thresholds of the quality gate. Counts are findings' counts (cells, rows or
/// columns, as each check says).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GateThresholds {
    /// Largest share of missing cells in any column (status texts included).
    #[serde(with = "crate::float")]
    pub max_missing_share: f64,
    pub max_status_text_cells: u64,
    pub max_duplicate_rows: u64,
    pub max_duplicate_timestamps: u64,
    pub max_unsorted_timestamps: u64,
    pub max_gaps: u64,
    pub max_flatline_samples: u64,
    pub max_spikes: u64,
    pub max_out_of_range: u64,
    pub max_unit_jump_samples: u64,
    pub max_constant_columns: u64,
    pub max_high_cardinality_columns: u64,
    /// Label columns whose classes are imbalanced (a `label_imbalance` finding) and not
    /// balanced by class weights.
    pub max_imbalanced_labels: u64,
    pub min_rows: u64,
}

impl Default for GateThresholds {
    fn default() -> Self {
        Self {
            max_missing_share: 0.01,
            max_status_text_cells: 0,
            max_duplicate_rows: 0,
            max_duplicate_timestamps: 0,
            max_unsorted_timestamps: 0,
            max_gaps: 0,
            max_flatline_samples: 0,
            max_spikes: 0,
            max_out_of_range: 0,
            max_unit_jump_samples: 0,
            max_constant_columns: 0,
            max_high_cardinality_columns: 0,
            max_imbalanced_labels: 0,
            min_rows: 100,
        }
    }
}

/// Everything the Clean pane shows: the history, the report of the cleaned data, the
/// suggestions for its findings and the gate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanState {
    pub rows_raw: u64,
    pub rows: u64,
    #[serde(with = "crate::float")]
    pub train_fraction: f64,
    /// The history in order, each with what it did on the last replay.
    pub steps: Vec<RecipeStep>,
    pub outcomes: Vec<StepOutcome>,
    pub can_undo: bool,
    pub can_redo: bool,
    pub report: QualityReport,
    pub suggestions: Vec<Suggestion>,
    pub gate: GateResult,
    pub gate_thresholds: GateThresholds,
    /// The label (target) column checked for imbalance: the one the user named, else the
    /// column the last label-deriving step made.
    #[serde(default)]
    pub label_column: Option<String>,
}

/// Asks for a preview of `step` on the current cleaned data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviewRequest {
    pub step: CleanStep,
    /// Points per before/after series (min/max envelope), as for `SeriesRequest`.
    pub max_points: u32,
    /// Most affected columns returned as series (the first ones the step touches).
    #[serde(default = "default_preview_series")]
    pub max_series: u32,
    /// The history step being edited: the preview runs on the data as it was before that
    /// step (what the edited step will see), not on the fully cleaned data. `None`: a new step
    /// added at the end.
    #[serde(default)]
    pub edit_index: Option<usize>,
}

fn default_preview_series() -> u32 {
    4
}

/// How one column changes under a previewed step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnChange {
    pub column: String,
    /// Cells whose value differs (null ↔ value counts); for row-changing steps, over the
    /// rows that exist on both sides.
    pub cells_changed: u64,
    pub nulls_before: u64,
    pub nulls_after: u64,
    pub added: bool,
    pub removed: bool,
}

/// A finding's count before and after the previewed step, for the findings the step can
/// affect. `before == 0` means it appears, `after == 0` that it disappears.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingDelta {
    pub kind: FindingKind,
    pub column: Option<String>,
    pub before: u64,
    pub after: u64,
    /// The finding's message on the side where it exists (after, else before).
    pub message: String,
    /// That finding's variant and arguments ([`Finding::variant`], [`Finding::args`]), so the
    /// edge can word it as it words the finding.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, MessageArg>,
}

impl FindingDelta {
    /// The catalogue key of the finding's sentence, as [`Finding::message_key`].
    pub fn message_key(&self) -> String {
        crate::message_key("finding", self.kind.as_str(), &self.variant)
    }
}

/// An affected numeric column overlaid before and after on the same x axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviewSeries {
    pub column: String,
    pub before: Series,
    pub after: Series,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepPreview {
    pub step: CleanStep,
    pub description: String,
    pub rows_before: u64,
    pub rows_after: u64,
    pub columns: Vec<ColumnChange>,
    pub findings: Vec<FindingDelta>,
    pub series: Vec<PreviewSeries>,
    /// What the step would fit on the training part (stored when it is applied).
    pub fitted: Option<FittedStats>,
    #[serde(with = "crate::float")]
    pub elapsed_ms: f64,
}

impl StepPreview {
    pub fn resolved(&self) -> impl Iterator<Item = &FindingDelta> {
        self.findings.iter().filter(|f| f.before > 0 && f.after == 0)
    }

    pub fn introduced(&self) -> impl Iterator<Item = &FindingDelta> {
        self.findings.iter().filter(|f| f.before == 0 && f.after > 0)
    }
}

/// A change to the cleaning history, for running on a worker thread (`start_clean`): on
/// large data a replay can take longer than a UI frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum CleanAction {
    /// Add a step at the end (fitting it on the training part).
    Apply {
        step: CleanStep,
    },
    Undo,
    Redo,
    SetEnabled {
        index: usize,
        enabled: bool,
    },
    /// Replace step `index` (refitted) and re-apply the rest in order.
    Edit {
        index: usize,
        step: CleanStep,
    },
    Remove {
        index: usize,
    },
    /// Add the suggested steps one after another until no suggestion is left.
    ApplySuggestions,
    /// Replace the history with a recipe file's steps and replay them on the open data.
    LoadRecipe {
        path: String,
    },
    /// Set the fraction of rows (in time order) that statistics are fitted on; refits.
    SetTrainFraction {
        #[serde(with = "crate::float")]
        fraction: f64,
    },
    /// Back to the imported data with an empty history (undoable).
    Reset,
    /// Name the label (target) column, so the report checks its class balance; `None`
    /// clears it.
    SetLabel {
        column: Option<String>,
    },
}

/// What `plantlab clean --recipe` prints (and what a replay reports).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanSummary {
    pub rows_in: u64,
    pub rows_out: u64,
    pub columns_out: u64,
    pub steps: Vec<StepOutcome>,
    /// Findings left in the cleaned data.
    pub findings: Vec<Finding>,
    pub gate: GateResult,
    /// Where the cleaned data was written, if it was.
    pub output: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Steps in words (shared by the engine's history and the report)
// ---------------------------------------------------------------------------------------------

fn list(columns: &[String]) -> String {
    match columns.len() {
        0 => "no columns".into(),
        1..=3 => columns.join(", "),
        n => format!("{}, {} and {} more", columns[0], columns[1], n - 2),
    }
}

fn condition_text(c: &Condition) -> String {
    match (c.op, c.op.symbol()) {
        (_, Some(op)) => format!("{} {op} {}", c.column, c.value),
        (CompareOp::IsNull, None) => format!("{} is missing", c.column),
        (_, None) => format!("{} is present", c.column),
    }
}

fn limit_text(limit: Option<u32>) -> String {
    limit.map(|l| format!(" (≤ {l} samples)")).unwrap_or_default()
}

impl CleanStep {
    /// The step's `op` tag as the recipe file writes it (`sort_by_time`).
    pub fn op(&self) -> &'static str {
        match self {
            CleanStep::Select { .. } => "select",
            CleanStep::Drop { .. } => "drop",
            CleanStep::Rename { .. } => "rename",
            CleanStep::Cast { .. } => "cast",
            CleanStep::ParseTimestamp { .. } => "parse_timestamp",
            CleanStep::SortByTime => "sort_by_time",
            CleanStep::DropDuplicateRows => "drop_duplicate_rows",
            CleanStep::ResolveDuplicateTimestamps { .. } => "resolve_duplicate_timestamps",
            CleanStep::Resample { .. } => "resample",
            CleanStep::Fill { .. } => "fill",
            CleanStep::Outliers { .. } => "outliers",
            CleanStep::FlatlineToNull { .. } => "flatline_to_null",
            CleanStep::ConvertUnit { .. } => "convert_unit",
            CleanStep::ExcludePeriods { .. } => "exclude_periods",
            CleanStep::FilterRows { .. } => "filter_rows",
            CleanStep::DeriveLabel { .. } => "derive_label",
            CleanStep::WeightClasses { .. } => "weight_classes",
        }
    }

    /// The step in words, for the history list, summaries and reports.
    pub fn describe(&self) -> String {
        match self {
            CleanStep::Select { columns } => format!("Keep only {}", list(columns)),
            CleanStep::Drop { columns } => format!("Drop {}", list(columns)),
            CleanStep::Rename { from, to } => format!("Rename {from} to {to}"),
            CleanStep::Cast { column, to } => format!("Cast {column} to {}", format!("{to:?}").to_lowercase()),
            CleanStep::ParseTimestamp { column, format } => {
                format!("Parse {column} as timestamps ({})", format.as_deref().unwrap_or("format sniffed"))
            }
            CleanStep::SortByTime => "Sort rows by time".into(),
            CleanStep::DropDuplicateRows => "Drop rows that repeat an earlier row".into(),
            CleanStep::ResolveDuplicateTimestamps { keep } => match keep {
                DuplicateKeep::First => "One row per timestamp (keep the first)".into(),
                DuplicateKeep::Last => "One row per timestamp (keep the last)".into(),
                DuplicateKeep::Mean => "One row per timestamp (average)".into(),
            },
            CleanStep::Resample { interval_s, aggregate, max_columns } => {
                let maxima = if max_columns.is_empty() { String::new() } else { format!("; max of {}", list(max_columns)) };
                format!("Resample to {interval_s} s ({}{maxima})", format!("{aggregate:?}").to_lowercase())
            }
            CleanStep::Fill { columns, method } => match method {
                FillMethod::Forward { limit } => format!("Forward-fill {}{}", list(columns), limit_text(*limit)),
                FillMethod::Interpolate { limit } => format!("Interpolate missing values in {}{}", list(columns), limit_text(*limit)),
                FillMethod::ForwardWithin { max_gap_s } => {
                    format!("Forward-fill {} (gaps ≤ {})", list(columns), crate::format_duration(*max_gap_s))
                }
                FillMethod::InterpolateWithin { max_gap_s } => {
                    format!("Interpolate missing values in {} (gaps ≤ {})", list(columns), crate::format_duration(*max_gap_s))
                }
                FillMethod::Median => format!("Fill {} with the training median", list(columns)),
                FillMethod::Value { value } => format!("Fill {} with {value}", list(columns)),
            },
            CleanStep::Outliers { columns, method, action } => {
                let how = match method {
                    OutlierMethod::Iqr { k } => format!("outside {k}×IQR"),
                    OutlierMethod::Mad { k } => format!("more than {k} robust σ from the median"),
                    OutlierMethod::Hampel { window, k } => format!("spikes (Hampel, ±{window} samples, {k} σ)"),
                    OutlierMethod::Range { .. } => format!("values {}", method.range_bounds().join(" or ")),
                };
                let action = match action {
                    OutlierAction::Null => "to missing",
                    OutlierAction::Clip => "clipped",
                };
                format!("{} {how} {action}", list(columns))
            }
            CleanStep::FlatlineToNull { columns, min_run } => format!("Stuck runs of ≥ {min_run} samples in {} to missing", list(columns)),
            CleanStep::ConvertUnit { column, conversion, segment } => {
                let (s, o) = conversion.coefficients();
                let label = match conversion.units() {
                    Some((from, to)) => format!("{from} → {to}"),
                    None => format!("y = {s}·x + {o}"),
                };
                let place = match segment {
                    None => String::new(),
                    Some(Segment::Time { from_ms, to_ms }) => {
                        format!(" from {} to {}", crate::format_epoch_millis(*from_ms), crate::format_epoch_millis(*to_ms))
                    }
                    Some(Segment::Rows { start, end }) => format!(" on rows {start}..{end}"),
                };
                format!("Convert {column}: {label}{place}")
            }
            CleanStep::ExcludePeriods { condition, pad_s } => {
                let pad = if *pad_s > 0.0 { format!(" (± {pad_s} s)") } else { String::new() };
                format!("Exclude rows where {}{pad}", condition_text(condition))
            }
            CleanStep::FilterRows { condition } => format!("Keep rows where {}", condition_text(condition)),
            CleanStep::DeriveLabel { name, source, horizon_h, .. } => {
                let from = match source {
                    LabelSource::Column { column } => format!("events in {column}"),
                    LabelSource::Events { at } => format!("{} listed events", at.len()),
                };
                format!("Label {name}: event within {horizon_h} h ({from})")
            }
            CleanStep::WeightClasses { label, weight_column } => format!("Weight the classes of {label} (balanced) into {weight_column}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_serialize_with_an_op_tag() {
        let step = CleanStep::Fill { columns: vec!["a".into()], method: FillMethod::Forward { limit: Some(3) } };
        let json = serde_json::to_string(&step).unwrap_or_default();
        assert!(json.contains("\"op\":\"fill\""), "{json}");
        let back: Option<CleanStep> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(step));
        let parsed: Option<RecipeStep> = serde_json::from_str(r#"{"step":{"op":"sort_by_time"}}"#).ok();
        assert_eq!(parsed, Some(RecipeStep::new(CleanStep::SortByTime)), "enabled defaults to true");
    }

    #[test]
    fn conversions_invert() {
        let (s, o) = UnitConversion::FahrenheitToCelsius.coefficients();
        let (s2, o2) = UnitConversion::CelsiusToFahrenheit.coefficients();
        let x = 62.5;
        assert!(((s * (s2 * x + o2) + o) - x).abs() < 1e-12);
    }
}
