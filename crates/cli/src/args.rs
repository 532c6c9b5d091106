//! The command line as clap types: every subcommand, its flags, their types and help. Parsing
//! here rejects malformed values (exit code 2); the commands check what depends on the data.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
// The value parsers' reasons are read after the language is chosen, so they are in it.
use crate::i18n::{tr, tr_with};
use plantlab_engine::normal::lm::LmSettings;
use plantlab_engine::normal::pca::DEFAULT_COMPONENTS;
use plantlab_i18n::Arg;
use plantlab_protocol::{
    ClassWeighting, EventOptions, ImportOverrides, ModelKind, NormalDetector, NormalTrainRequest, TrainConfig, DEFAULT_CLEAR_RATIO,
    DEFAULT_DEAD_TIME_SAMPLES, DEFAULT_MIN_DURATION_SAMPLES, WHITESPACE_DELIMITER,
};

/// Exit status of a run that failed (a file missing, bad data, a training error).
pub const EXIT_FAILURE: u8 = 1;
/// Exit status of a command line clap or a command refused (clap's own convention).
pub const EXIT_USAGE: u8 = 2;
/// Exit status of `clean --require-gate` when the quality gate fails.
pub const EXIT_GATE_FAILED: u8 = 3;

const EXIT_STATUS_HELP: &str = "Exit status: 0 success; 1 failure (one line on stderr: \"plantlab: …\"); 2 usage error \
(an unknown flag, a missing or malformed value); 3 `clean --require-gate` found the quality gate failed.
Every --json output is one JSON document on stdout with \"schema_version\": 1 (the runs list: in each entry).";

/// PlantLab on the command line: read plant-historian exports, check and clean them, train
/// fault-prediction models, evaluate, bundle and predict.
#[derive(Debug, Parser)]
#[command(name = "plantlab", bin_name = "plantlab", version, arg_required_else_help = true, after_help = EXIT_STATUS_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Language of messages and the report: en or zh-CN (default: LC_ALL, LC_MESSAGES or LANG,
    /// else English). `--json` keys and codes stay English.
    #[arg(long, global = true, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<plantlab_i18n::Lang>,
}

/// `--lang`: a language the catalogues have.
fn parse_lang(text: &str) -> Result<plantlab_i18n::Lang, String> {
    // Read before the language is chosen, so in the locale's language.
    let locale = plantlab_i18n::Catalog::new(plantlab_i18n::Lang::from_environment().unwrap_or_default());
    plantlab_i18n::Lang::from_tag(text).ok_or_else(|| locale.text_with("cli-unknown-language", &[("lang", plantlab_i18n::Arg::from(text))]))
}

/// The language `--lang` (or `--lang=…`) names in `args`, read before clap parses them: the
/// help and clap's messages are written in it. `None` when not given or not one the
/// catalogues have (clap then refuses the value, in the locale's language).
pub fn lang_in_argv(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<plantlab_i18n::Lang> {
    let mut args = args.into_iter().map(|arg| arg.to_string_lossy().into_owned());
    let mut chosen = None;
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--lang") {
            Some("") => args.next(),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        // The last one given wins, as clap takes it.
        if let Some(value) = value {
            chosen = plantlab_i18n::Lang::from_tag(&value);
        }
    }
    chosen
}

/// The command line's definition, its help in `lang`.
pub fn command(lang: plantlab_i18n::Lang) -> clap::Command {
    crate::help_text::command(lang)
}

/// The process's arguments parsed with the definition in `lang`.
pub fn parse(lang: plantlab_i18n::Lang) -> Result<Cli, clap::Error> {
    let mut definition = command(lang);
    let matches = definition.try_get_matches_from_mut(std::env::args_os())?;
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches).map_err(|err| err.format(&mut definition))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rows, columns and their types as read from FILE.
    Info(InfoArgs),
    /// The quality report of FILE: columns, units, statistics and findings.
    Profile(ProfileArgs),
    /// Benchmarks: loading, training and cleaning on generated data.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Train a fault classifier of a label column, or (--model linear or process-lm) a normal-operation model.
    Train(Box<TrainArgs>),
    /// The training runs, with interrupted runs marked.
    Runs(RunsArgs),
    /// Suggest a cleaning recipe for FILE, or replay one and write the cleaned data.
    Clean(CleanArgs),
    /// Package a training run as a model bundle for prediction.
    Bundle(BundleArgs),
    /// Predict the fault risk (or, with a normal-operation model, the surprise) of every sample of FILE; write it as CSV.
    Predict(PredictArgs),
    /// Evaluate a bundle on a labelled FILE, or a run on its own test split.
    Eval(EvalArgs),
    /// Write the HTML report of a training run.
    Report(ReportArgs),
    /// The normal-operation models on the Tennessee Eastman benchmark (per-fault table).
    BenchNormal(BenchNormalArgs),
    /// Write a generated export for demos and for trying the app by hand.
    Generate(GenerateArgs),
}

impl Command {
    /// Whether the command was asked for `--json` output.
    pub fn json(&self) -> bool {
        match self {
            Command::Info(args) => args.json,
            Command::Profile(args) => args.json,
            Command::Bench(BenchCommand::Load(args)) => args.json,
            Command::Bench(BenchCommand::Train(args)) => args.json,
            Command::Bench(BenchCommand::Clean(args)) => args.json,
            Command::Train(args) => args.json,
            Command::Runs(args) => args.json,
            Command::Clean(args) => args.json,
            Command::Bundle(args) => args.json,
            Command::Predict(args) => args.json,
            Command::Eval(args) => args.json,
            Command::Report(args) => args.json,
            Command::BenchNormal(args) => args.json,
            Command::Generate(_) => false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time load + profile of a generated wide CSV next to pandas on the same file.
    Load(BenchLoadArgs),
    /// Training throughput on random tokens, next to Keras and PyTorch (with --python).
    Train(BenchTrainArgs),
    /// The preview of one cleaning step next to a full recompute of the history.
    Clean(BenchCleanArgs),
}

// ------------------------------------------------------------------------------------------
// Shared groups of flags
// ------------------------------------------------------------------------------------------

/// How to read a data file where sniffing guesses wrong; each is sniffed when not given.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Import options (each sniffed when not given)")]
pub struct ImportArgs {
    /// Field separator: one character, `tab`, or `whitespace` (runs of spaces and tabs)
    #[arg(long, value_name = "C|tab|whitespace", value_parser = parse_delimiter)]
    pub delimiter: Option<char>,
    /// Decimal mark: one character, e.g. `,`
    #[arg(long, value_name = "C", value_parser = parse_one_char)]
    pub decimal: Option<char>,
    /// Text encoding (case does not matter): utf-8, utf-8-bom, utf-16le, utf-16be, gb18030 (gbk and gb2312 are read as gb18030),
    /// big5, shift_jis (or sjis), windows-1252
    #[arg(long, value_name = "E")]
    pub encoding: Option<String>,
    /// Header rows: 0 (none), 1 (names) or 2 (names and units)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=2))]
    pub header_rows: Option<u32>,
    /// The file has no header row (same as --header-rows 0)
    #[arg(long, conflicts_with = "header_rows")]
    pub no_header: bool,
    /// Column names, left to right, separated by commas (replacing the header's)
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub names: Option<Vec<String>>,
    /// Fixed-width columns of these widths in bytes, separated by commas (the last runs to the line end)
    #[arg(long, value_name = "W,W,…", value_parser = parse_column_widths)]
    pub column_widths: Option<ColumnWidths>,
    /// The column that holds the time axis
    #[arg(long, value_name = "NAME")]
    pub timestamp_column: Option<String>,
    /// The timestamps' format, e.g. "%d.%m.%Y %H:%M:%S"
    #[arg(long, value_name = "FMT")]
    pub timestamp_format: Option<String>,
    /// The Excel sheet to read (default: the first)
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

impl ImportArgs {
    pub fn overrides(&self) -> ImportOverrides {
        ImportOverrides {
            delimiter: self.delimiter,
            decimal: self.decimal,
            encoding: self.encoding.clone(),
            header_rows: if self.no_header { Some(0) } else { self.header_rows },
            timestamp_column: self.timestamp_column.clone(),
            timestamp_format: self.timestamp_format.clone(),
            sheet: self.sheet.clone(),
            names: self.names.as_ref().map(|names| names.iter().map(|n| n.trim().to_owned()).collect()),
            column_widths: self.column_widths.clone().map(|w| w.0),
            ..ImportOverrides::default()
        }
    }
}

/// Positive column widths, as `--column-widths` takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnWidths(pub Vec<u32>);

/// How alarm samples merge into alarm events (flags left out keep the bundle's settings).
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Alarm options (alarm samples → alarm events; for a bundle, predict and eval default to its stored settings)")]
pub struct AlarmArgs {
    #[arg(long, value_name = "R", help = format!("An alarm event ends when the risk falls below R × the threshold, 0 to 1 (default {DEFAULT_CLEAR_RATIO})"))]
    pub clear_ratio: Option<f64>,
    #[arg(long, value_name = "N", help = format!("Drop alarm events shorter than N sampling intervals (default {DEFAULT_MIN_DURATION_SAMPLES})"))]
    pub min_alarm: Option<u32>,
    #[arg(long, value_name = "N", help = format!("Merge alarm events at most N sampling intervals apart (default {DEFAULT_DEAD_TIME_SAMPLES})"))]
    pub dead_time: Option<u32>,
    #[arg(long, value_name = "H", help = format!(
        "An alarm up to H hours before a fault episode warns of it and is no false alarm (default {})",
        EventOptions::default().lookback_s / 3600.0
    ))]
    pub lookback_h: Option<f64>,
}

impl AlarmArgs {
    /// Whether any alarm flag was given.
    pub fn any(&self) -> bool {
        self.lookback_h.is_some() || self.clear_ratio.is_some() || self.min_alarm.is_some() || self.dead_time.is_some()
    }

    /// `base` with the flags given on top.
    pub fn apply(&self, base: EventOptions) -> EventOptions {
        let mut options = base;
        if let Some(h) = self.lookback_h {
            options.lookback_s = h * 3600.0;
        }
        if let Some(r) = self.clear_ratio {
            options.clear_ratio = r;
        }
        if let Some(n) = self.min_alarm {
            options.min_duration_samples = n;
        }
        if let Some(n) = self.dead_time {
            options.dead_time_samples = n;
        }
        options
    }
}

// ------------------------------------------------------------------------------------------
// Subcommands
// ------------------------------------------------------------------------------------------

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The data file (CSV or other text table, Parquet, Excel)
    pub file: PathBuf,
    /// Print JSON: {"rows", "columns": [{"name", "dtype", "null_count"}]}
    #[arg(long)]
    pub json: bool,
    // Flattened groups come last: their help heading applies to the flags after them.
    #[command(flatten)]
    pub import: ImportArgs,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The data file (CSV or other text table, Parquet, Excel)
    pub file: PathBuf,
    /// The label (target) column, so the report checks its class balance
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Print the quality report as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub import: ImportArgs,
}

#[derive(Debug, Args)]
pub struct BenchLoadArgs {
    /// Rows of the generated CSV
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub rows: usize,
    /// Numeric tags (columns) of the generated CSV
    #[arg(long, value_name = "T", default_value_t = 50)]
    pub tags: usize,
    /// Runs of each; the best is reported
    #[arg(long, value_name = "R", default_value_t = 3, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub runs: usize,
    /// The Python interpreter that runs the pandas peer (when no --peer is given)
    #[arg(long, value_name = "PY", default_value = "python3")]
    pub python: String,
    /// A peer to time on the same file in the same runs, as LIBRARY=PY: pandas or polars (Python)
    /// run by the interpreter PY; repeat for several (e.g. two pandas versions)
    #[arg(long, value_name = "LIBRARY=PY", value_parser = parse_load_peer)]
    pub peer: Vec<LoadPeer>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// A peer of `bench load`: which library, run by which Python.
#[derive(Debug, Clone)]
pub struct LoadPeer {
    pub library: LoadPeerLibrary,
    pub python: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadPeerLibrary {
    Pandas,
    Polars,
}

impl LoadPeerLibrary {
    pub fn name(self) -> &'static str {
        match self {
            LoadPeerLibrary::Pandas => "pandas",
            LoadPeerLibrary::Polars => "polars",
        }
    }
}

fn parse_load_peer(text: &str) -> Result<LoadPeer, String> {
    let (library, python) = text.split_once('=').ok_or_else(|| tr_with("cli-value-load-peer", &[("value", Arg::from(text))]))?;
    let library = match library {
        "pandas" => LoadPeerLibrary::Pandas,
        "polars" => LoadPeerLibrary::Polars,
        other => return Err(tr_with("cli-value-load-peer-library", &[("library", Arg::from(other))])),
    };
    if python.is_empty() {
        return Err(tr("cli-value-load-peer-python"));
    }
    Ok(LoadPeer { library, python: python.to_owned() })
}

#[derive(Debug, Args)]
pub struct BenchTrainArgs {
    /// w1: the origin's model (embedding → mean → linear); w2: the small transformer
    #[arg(long, value_enum, default_value_t = Workload::W1)]
    pub workload: Workload,
    /// Sequences to train on
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub n: usize,
    /// Epochs
    #[arg(long, value_name = "E", default_value_t = 1)]
    pub epochs: usize,
    /// CPU threads (here and in the peers)
    #[arg(long, value_name = "T", default_value_t = 2)]
    pub threads: usize,
    /// Batch size
    #[arg(long, value_name = "B", default_value_t = plantlab_engine::train::bench::BATCH)]
    pub batch: usize,
    /// Also run Keras and PyTorch on the same workload with this Python interpreter
    #[arg(long, value_name = "PY")]
    pub python: Option<String>,
    /// The device the Python peers train on
    #[arg(long, value_enum, default_value_t = PeerDevice::Cpu, requires = "python")]
    pub peer_device: PeerDevice,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Workload {
    /// The origin's model: token embedding → mean → linear
    W1,
    /// The small transformer (d 64, 4 heads, 2 layers)
    W2,
}

impl Workload {
    pub fn as_str(self) -> &'static str {
        match self {
            Workload::W1 => "w1",
            Workload::W2 => "w2",
        }
    }

    pub fn model(self) -> ModelKind {
        match self {
            Workload::W1 => ModelKind::Seed,
            Workload::W2 => ModelKind::Transformer,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PeerDevice {
    Cpu,
    Cuda,
}

impl PeerDevice {
    pub fn as_str(self) -> &'static str {
        match self {
            PeerDevice::Cpu => "cpu",
            PeerDevice::Cuda => "cuda",
        }
    }
}

#[derive(Debug, Args)]
pub struct BenchCleanArgs {
    /// Rows of the generated table
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub rows: usize,
    /// Numeric tags (columns) of the generated table
    #[arg(long, value_name = "T", default_value_t = 50, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub tags: usize,
    /// Runs of each; the best is reported
    #[arg(long, value_name = "R", default_value_t = 3, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub runs: usize,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// The engine's runs folder when none is named, for the help texts.
fn default_runs_root() -> String {
    format!("{} in the current folder", plantlab_engine::Workbench::new().runs_root().display())
}

const CLASSIFIER: &str = "Classifier options (--model seed, transformer or mlp)";
const PROCESS_LM: &str = "Normal-operation model options (--model linear or process-lm)";

/// Both models' defaults, for the help of the flags they share.
fn both_defaults(classifier: impl std::fmt::Display, process_lm: impl std::fmt::Display) -> String {
    format!("default {classifier}; process-lm: {process_lm}")
}

#[derive(Debug, Args)]
#[command(after_help = "Classifiers train on a time-ordered 70/15/15 split, print each epoch on stderr and write the run to runs/<id>/. \
The normal-operation models learn normal operation only (no label needed): --model linear, the linear next-step predictor \
(recommended: on the Tennessee Eastman benchmark it detects 87 % of fault samples at 2.9 % false alarms, the language model \
79 % at 8 %), or --model process-lm, the process language model (--window, --bins, --epochs, --seed are its own). Both calibrate \
their threshold on the latest 20 % of the normal rows and write RUN_DIR/normal_model.json with the PCA T²/Q baseline.")]
pub struct TrainArgs {
    /// The data file to train on
    pub file: PathBuf,
    /// The model to train
    #[arg(long, value_enum, default_value_t = ModelChoice::Seed)]
    pub model: ModelChoice,
    /// Columns never used as features (identifiers, columns that leak the label); repeat for more
    #[arg(long, value_name = "COL")]
    pub exclude: Vec<String>,
    #[arg(long, value_name = "W", help = format!(
        "Rows of context per sample: a sequence of W rows for seed and transformer, window features over the last W rows for mlp and trees ({})",
        both_defaults("1: one row", NormalTrainRequest::default().window)
    ))]
    pub window: Option<u32>,
    #[arg(long, value_name = "N", help = format!("Quantile bins per numeric tag ({})", both_defaults(TrainConfig::default().bins, NormalTrainRequest::default().bins)))]
    pub bins: Option<u32>,
    #[arg(long, value_name = "N", help = format!(
        "Epochs at most (trees: boosting rounds, default {}); early stopping may end sooner ({})",
        TrainConfig::default().trees.rounds,
        both_defaults(TrainConfig::default().epochs, NormalTrainRequest::default().epochs)
    ))]
    pub epochs: Option<u32>,
    #[arg(long, value_name = "S", help = format!("Random seed: the same seed on the same data gives the same model ({})", both_defaults(TrainConfig::default().seed, NormalTrainRequest::default().seed)))]
    pub seed: Option<u64>,
    #[arg(long, value_name = "DIR", help = format!("The folder runs are written to (default: {})", default_runs_root()))]
    pub runs: Option<PathBuf>,
    /// Print the run's summary as JSON
    #[arg(long)]
    pub json: bool,

    /// The label column to predict (required for classifiers)
    #[arg(long, value_name = "COL", help_heading = CLASSIFIER)]
    pub target: Option<String>,
    /// Use only these feature columns (default: all but the target, the excluded and the time axis); repeat for more
    #[arg(long, value_name = "COL", help_heading = CLASSIFIER)]
    pub feature: Vec<String>,
    /// Read FILE with a cleaning recipe's import settings, replay its steps first, and keep it with the run
    #[arg(long, value_name = "R.json", help_heading = CLASSIFIER)]
    pub recipe: Option<PathBuf>,
    #[arg(long, value_name = "N", help_heading = CLASSIFIER, help = format!("Samples per batch (default {})", TrainConfig::default().batch_size))]
    pub batch_size: Option<u32>,
    #[arg(long, value_name = "X", help_heading = CLASSIFIER, help = format!(
        "Adam learning rate (default {}); trees: shrinkage per round (default {})",
        TrainConfig::default().learning_rate,
        TrainConfig::default().trees.learning_rate
    ))]
    pub lr: Option<f64>,
    #[arg(long, value_name = "N", help_heading = CLASSIFIER, help = format!("Embedding width (seed) and model width (transformer) (default {})", TrainConfig::default().embedding_dim))]
    pub embedding: Option<u32>,
    #[arg(long, value_name = "N", help_heading = CLASSIFIER, help = format!("Hidden units per layer of the MLP (default {})", TrainConfig::default().hidden))]
    pub hidden: Option<u32>,
    /// Products of every pair of numeric tags as extra features (mlp and trees; at most 24 tags)
    #[arg(long, help_heading = CLASSIFIER)]
    pub interactions: bool,
    /// Leaves per tree (trees; default 31)
    #[arg(long, value_name = "N", help_heading = CLASSIFIER)]
    pub leaves: Option<u32>,
    #[arg(long, value_name = "S", requires = "window", help_heading = CLASSIFIER, help = "Rows between the starts of two windows (seed and transformer, with --window; default 1)")]
    pub stride: Option<u32>,
    #[arg(long, value_name = "N|off", value_parser = parse_patience, help_heading = CLASSIFIER,
          help = format!("Stop after N epochs without a better validation score (PR-AUC; balanced accuracy for several classes), or off (default {}; trees: rounds, default {})",
                         TrainConfig::default().patience.map_or_else(|| "off".to_owned(), |p| p.to_string()), TrainConfig::default().trees.patience))]
    pub patience: Option<Patience>,
    #[arg(long, value_enum, value_name = "auto|on|off", help_heading = CLASSIFIER, help = "Weight the loss for rare classes; auto: when the rarest class is under 20 % (default auto)")]
    pub class_weights: Option<ClassWeightsChoice>,
    /// CPU threads for training (default: the engine chooses)
    #[arg(long, value_name = "T", help_heading = CLASSIFIER)]
    pub threads: Option<u32>,

    /// Normal rows are those where COL equals VALUE (COL is then no tag), e.g. label=0
    #[arg(long, value_name = "COL=VALUE", value_parser = parse_normal_when, conflicts_with_all = ["normal_from", "normal_to"], help_heading = PROCESS_LM)]
    pub normal_when: Option<NormalWhen>,
    /// Normal rows start at this time or row (with --normal-to; default: every row is normal)
    #[arg(long, value_name = "T", requires = "normal_to", help_heading = PROCESS_LM)]
    pub normal_from: Option<String>,
    /// Normal rows end at this time or row (with --normal-from)
    #[arg(long, value_name = "T", requires = "normal_from", help_heading = PROCESS_LM)]
    pub normal_to: Option<String>,
    #[arg(long, value_name = "S", help_heading = PROCESS_LM, help = format!("Steps the score is averaged over; 1 = none (default {})", NormalTrainRequest::default().smoothing))]
    pub smoothing: Option<u32>,
    #[arg(long, value_name = "R", help_heading = PROCESS_LM, help = format!(
        "Share of held-out normal samples allowed above the calibrated threshold (default {}, i.e. {} per 1,000 samples)",
        NormalTrainRequest::default().target_false_alarms / 1000.0,
        NormalTrainRequest::default().target_false_alarms
    ))]
    pub target_far: Option<f64>,
    /// Alarm samples normal operation may raise per day, instead of --target-far (needs a time axis)
    #[arg(long, value_name = "N", conflicts_with = "target_far", help_heading = PROCESS_LM)]
    pub false_alarms_per_day: Option<f64>,
}

impl TrainArgs {
    /// The classifier-only flags that were given, by name.
    pub fn classifier_flags_given(&self) -> Vec<&'static str> {
        let given = [
            ("--target", self.target.is_some()),
            ("--feature", !self.feature.is_empty()),
            ("--recipe", self.recipe.is_some()),
            ("--batch-size", self.batch_size.is_some()),
            ("--lr", self.lr.is_some()),
            ("--embedding", self.embedding.is_some()),
            ("--hidden", self.hidden.is_some()),
            ("--leaves", self.leaves.is_some()),
            ("--interactions", self.interactions),
            ("--stride", self.stride.is_some()),
            ("--patience", self.patience.is_some()),
            ("--class-weights", self.class_weights.is_some()),
            ("--threads", self.threads.is_some()),
        ];
        flags_given(&given)
    }

    /// The flags of the normal-operation models that were given, by name.
    pub fn process_lm_flags_given(&self) -> Vec<&'static str> {
        let given = [
            ("--normal-when", self.normal_when.is_some()),
            ("--normal-from", self.normal_from.is_some()),
            ("--normal-to", self.normal_to.is_some()),
            ("--smoothing", self.smoothing.is_some()),
            ("--target-far", self.target_far.is_some()),
            ("--false-alarms-per-day", self.false_alarms_per_day.is_some()),
        ];
        flags_given(&given)
    }

    /// The language model's own flags that were given, by name (the linear predictor looks
    /// one step back and has nothing to train by epochs or seed).
    pub fn language_model_flags_given(&self) -> Vec<&'static str> {
        let given = [
            ("--window", self.window.is_some()),
            ("--bins", self.bins.is_some()),
            ("--epochs", self.epochs.is_some()),
            ("--seed", self.seed.is_some()),
        ];
        flags_given(&given)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelChoice {
    /// The origin's model: token embedding → mean over the sequence → linear layer
    Seed,
    /// A small transformer encoder over the same tokens
    Transformer,
    /// A multi-layer perceptron on standardized numeric features
    Mlp,
    /// Gradient-boosted trees on the same features as the MLP (--epochs: rounds, --lr: shrinkage)
    Trees,
    /// The linear next-step predictor of normal operation (no label; recommended)
    Linear,
    /// A process language model of normal operation (no label; scores surprise)
    ProcessLm,
}

impl ModelChoice {
    /// The classifier this names; `None` for a normal-operation model.
    pub fn classifier(self) -> Option<ModelKind> {
        match self {
            ModelChoice::Seed => Some(ModelKind::Seed),
            ModelChoice::Transformer => Some(ModelKind::Transformer),
            ModelChoice::Mlp => Some(ModelKind::Mlp),
            ModelChoice::Trees => Some(ModelKind::Trees),
            ModelChoice::Linear | ModelChoice::ProcessLm => None,
        }
    }

    /// The normal-operation model this names; `None` for a classifier.
    pub fn normal_detector(self) -> Option<NormalDetector> {
        match self {
            ModelChoice::Linear => Some(NormalDetector::LinearPredictor),
            ModelChoice::ProcessLm => Some(NormalDetector::ProcessLm),
            ModelChoice::Seed | ModelChoice::Transformer | ModelChoice::Mlp | ModelChoice::Trees => None,
        }
    }

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelChoice::Seed => "seed",
            ModelChoice::Transformer => "transformer",
            ModelChoice::Mlp => "mlp",
            ModelChoice::Trees => "trees",
            ModelChoice::Linear => "linear",
            ModelChoice::ProcessLm => "process-lm",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClassWeightsChoice {
    /// When the rarest class is under 20 % of the training rows
    Auto,
    On,
    Off,
}

impl From<ClassWeightsChoice> for ClassWeighting {
    fn from(choice: ClassWeightsChoice) -> Self {
        match choice {
            ClassWeightsChoice::Auto => ClassWeighting::Auto,
            ClassWeightsChoice::On => ClassWeighting::On,
            ClassWeightsChoice::Off => ClassWeighting::Off,
        }
    }
}

/// `--patience`: a number of epochs, or `off` (`None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patience(pub Option<u32>);

/// `--normal-when COL=VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormalWhen {
    pub column: String,
    pub value: String,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[arg(long, value_name = "DIR", help = format!("The folder the runs are in (default: {})", default_runs_root()))]
    pub runs: Option<PathBuf>,
    /// Print the list as a JSON array
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("mode").required(true).args(["suggest", "recipe"]))]
pub struct CleanArgs {
    /// The data file
    pub file: PathBuf,
    /// Suggest a recipe (the suggested step for each finding, one after another) and write it to -o RECIPE.json
    #[arg(long, requires = "output")]
    pub suggest: bool,
    /// Replay this recipe on FILE (read with the recipe's import settings)
    #[arg(long, value_name = "RECIPE.json")]
    pub recipe: Option<PathBuf>,
    /// With --suggest: the recipe file to write; with --recipe: the cleaned data (.parquet or .csv)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The label (target) column, so its class balance is checked (with --suggest)
    #[arg(long, value_name = "COL", conflicts_with = "recipe")]
    pub label: Option<String>,
    /// Exit with status 3 when the quality gate fails
    #[arg(long)]
    pub require_gate: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub import: ImportArgs,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The run folder (from `plantlab runs`)
    pub run_dir: PathBuf,
    /// The bundle file to write
    #[arg(short = 'o', long = "output", value_name = "MODEL.plmodel")]
    pub output: PathBuf,
    /// The decision threshold stored in the bundle (default: the run's)
    #[arg(long, value_name = "T")]
    pub threshold: Option<f64>,
    /// Print what the bundle holds as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub alarm: AlarmArgs,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The new export to predict
    pub file: PathBuf,
    /// The model bundle (.plmodel, or a normal-operation model's normal_model.json)
    #[arg(long, value_name = "MODEL.plmodel")]
    pub bundle: PathBuf,
    /// The CSV of predictions to write: one line per sample
    #[arg(short = 'o', long = "output", value_name = "PRED.csv")]
    pub output: PathBuf,
    /// The decision threshold (default: the bundle's)
    #[arg(long, value_name = "T")]
    pub threshold: Option<f64>,
    /// Print the result as JSON (without the risk timeline; the CSV has every sample)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub alarm: AlarmArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "A normal-operation bundle (RUN_DIR/normal_model.json from `train --model linear` or `--model process-lm`) takes FILE, \
--bundle and --label; its output has \"test\" (the trained model), \"baseline_pca\" (PCA T² or Q), \"linear_predictor\" (the language \
model's linear baseline, or the model itself) and \"events\" (per fault episode).")]
pub struct EvalArgs {
    /// A labelled data file
    #[arg(required_unless_present = "run")]
    pub file: Option<PathBuf>,
    /// The model bundle (.plmodel, or a normal-operation model's normal_model.json)
    #[arg(long, value_name = "BUNDLE", required_unless_present = "run")]
    pub bundle: Option<PathBuf>,
    /// Evaluate this run on its own test split instead (what the Evaluate pane shows)
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["file", "bundle"])]
    pub run: Option<PathBuf>,
    /// The label column (normal-operation bundles only: 0 normal, otherwise fault)
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// The decision threshold (default: the bundle's or the run's)
    #[arg(long, value_name = "T")]
    pub threshold: Option<f64>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub alarm: AlarmArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run folder (from `plantlab runs`)
    pub run_dir: PathBuf,
    /// The HTML file to write
    #[arg(short = 'o', long = "output", value_name = "REPORT.html")]
    pub output: PathBuf,
    /// Print JSON: {"output", "bytes", "run_id"}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchNormalArgs {
    /// The folder with d00.dat, d00_te.dat and d01_te.dat … d21_te.dat (the Braatz data)
    pub tep_dir: PathBuf,
    /// PCA components
    #[arg(long, value_name = "K", default_value_t = DEFAULT_COMPONENTS)]
    pub components: usize,
    /// Seeds of the process language model (median and range are reported)
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub seeds: u64,
    /// Steps of context of the language model
    #[arg(long, value_name = "W", default_value_t = LmSettings::default().window)]
    pub window: usize,
    /// Quantile bins per tag of the language model
    #[arg(long, value_name = "B", default_value_t = LmSettings::default().bins)]
    pub bins: usize,
    /// Epochs at most of the language model
    #[arg(long, value_name = "E", default_value_t = LmSettings::default().max_epochs)]
    pub epochs: usize,
    /// Steps the language model's and the linear predictor's scores are averaged over
    #[arg(long, value_name = "S", default_value_t = LmSettings::default().smoothing)]
    pub smoothing: usize,
    /// Leave out the language model (PCA and the linear predictor only)
    #[arg(long)]
    pub no_lm: bool,
    /// The language model predicts each tag from earlier steps only, not also from the same
    /// step's other tags (the ablation of its step context)
    #[arg(long)]
    pub no_step_context: bool,
    /// The language model's tokens are free symbols, not bins in order (the ablation of its
    /// ordinal tokens)
    #[arg(long)]
    pub no_ordinal: bool,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The data set to generate
    #[arg(value_enum)]
    pub data_set: DataSet,
    /// The file to write
    #[arg(short = 'o', long = "output", value_name = "OUT.csv")]
    pub output: PathBuf,
    /// Random seed
    #[arg(long, value_name = "S", default_value_t = 17)]
    pub seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DataSet {
    /// A month of one-minute pump data as a German workstation writes it, with stops, a stuck
    /// transmitter, a gap, a DST repeat, a week in °F, status texts and a failure label
    PumpStation,
}

// ------------------------------------------------------------------------------------------
// Value parsers
// ------------------------------------------------------------------------------------------

fn parse_delimiter(value: &str) -> Result<char, String> {
    match value {
        "tab" | "\\t" => Ok('\t'),
        "whitespace" | "space" => Ok(WHITESPACE_DELIMITER),
        _ => parse_one_char(value).map_err(|_| tr("cli-value-delimiter")),
    }
}

fn parse_one_char(value: &str) -> Result<char, String> {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(tr("cli-value-one-character")),
    }
}

fn parse_column_widths(value: &str) -> Result<ColumnWidths, String> {
    value
        .split(',')
        .map(|w| w.trim().parse::<u32>().ok().filter(|&w| w > 0))
        .collect::<Option<Vec<u32>>>()
        .map(ColumnWidths)
        .ok_or_else(|| tr("cli-value-column-widths"))
}

fn parse_patience(value: &str) -> Result<Patience, String> {
    if value == "off" {
        return Ok(Patience(None));
    }
    value.parse::<u32>().map(|n| Patience(Some(n))).map_err(|_| tr("cli-value-patience"))
}

fn parse_normal_when(value: &str) -> Result<NormalWhen, String> {
    match value.split_once('=') {
        Some((column, value)) if !column.trim().is_empty() => Ok(NormalWhen { column: column.trim().to_owned(), value: value.trim().to_owned() }),
        _ => Err(tr("cli-value-normal-when")),
    }
}

/// The names of the flags marked as given.
fn flags_given(given: &[(&'static str, bool)]) -> Vec<&'static str> {
    given.iter().filter(|(_, on)| *on).map(|(flag, _)| *flag).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn named_delimiters_and_single_characters_parse() {
        assert_eq!(parse_delimiter("tab"), Ok('\t'));
        assert_eq!(parse_delimiter("whitespace"), Ok(WHITESPACE_DELIMITER));
        assert_eq!(parse_delimiter(";"), Ok(';'));
        assert!(parse_delimiter(";;").is_err());
        assert!(parse_one_char("").is_err());
    }

    #[test]
    fn column_widths_patience_and_normal_rows_parse() {
        assert_eq!(parse_column_widths("10, 8,8"), Ok(ColumnWidths(vec![10, 8, 8])));
        assert!(parse_column_widths("10,0").is_err());
        assert!(parse_column_widths("10,x").is_err());
        assert_eq!(parse_patience("off"), Ok(Patience(None)));
        assert_eq!(parse_patience("4"), Ok(Patience(Some(4))));
        assert!(parse_patience("never").is_err());
        assert_eq!(parse_normal_when(" label = 0"), Ok(NormalWhen { column: "label".into(), value: "0".into() }));
        assert!(parse_normal_when("label").is_err());
        assert!(parse_normal_when("=0").is_err());
    }

    #[test]
    fn import_flags_become_overrides() {
        let cli =
            Cli::try_parse_from(["plantlab", "info", "f.csv", "--delimiter", "tab", "--no-header", "--names", "a, b", "--column-widths", "3,4"]);
        let Ok(Cli { command: Command::Info(info), .. }) = cli else { panic!("parses: {cli:?}") };
        let o = info.import.overrides();
        assert_eq!(o.delimiter, Some('\t'));
        assert_eq!(o.header_rows, Some(0));
        assert_eq!(o.names, Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(o.column_widths, Some(vec![3, 4]));
    }
}
