use std::path::PathBuf;

use plantlab_protocol::ApiError;

/// Everything the engine can refuse, each with a message that tells the user what to do.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("The file {} does not exist. Check the path, or pick the file with Open….", .0.display())]
    NotFound(PathBuf),
    #[error("{} is a folder, not a file. Choose a CSV file inside it.", .0.display())]
    IsDirectory(PathBuf),
    #[error("PlantLab may not read {}: permission denied. Copy the file somewhere you can read, or fix its permissions.", .0.display())]
    PermissionDenied(PathBuf),
    #[error("The file {} is empty (0 bytes). Export the data again; the export may have failed.", .0.display())]
    EmptyFile(PathBuf),
    #[error("{} is not a text table: {kind}. Export it as CSV (comma, semicolon or tab separated).", .path.display())]
    NotText { path: PathBuf, kind: String },
    #[error("{} is not valid UTF-8 text (first bad byte at offset {offset}). Save it as UTF-8 CSV and open it again.", .path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{} has a header line but no data rows. Check that the export contains data.", .0.display())]
    NoDataRows(PathBuf),
    #[error("Could not parse {} as CSV: {detail}. Check the delimiter and that every row has the same number of fields.", .path.display())]
    Parse { path: PathBuf, detail: String },
    /// A binary table (.xlsx, Parquet) that cannot be read; `detail` says what to do.
    #[error("Could not read {}: {detail}.", .path.display())]
    Unreadable { path: PathBuf, detail: String },
    #[error(
        "{}: the quote (\") at line {line}, `{text}`, opens a quoted cell with no closing quote in the next 4 MiB or before the file ends, so the rest of the file would read as one cell. Remove that quote, or double it (\"\") if it belongs to the text, and open the file again.",
        .path.display()
    )]
    UnclosedQuote { path: PathBuf, line: u64, text: String },
    #[error("Could not read {}: {source}.", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("No data set is open. Open a CSV file first.")]
    NoDataset,
    #[error("There is no column named \"{0}\" in the open data set.")]
    UnknownColumn(String),
    #[error("Column \"{0}\" is not numeric, so it cannot be plotted as a line.")]
    NotNumeric(String),
    #[error("Import setting not usable: {0}.")]
    BadSetting(String),
    #[error("Training settings not usable: {0}.")]
    BadTrainConfig(String),
    #[error("Training stopped: {0}")]
    Diverged(String),
    #[error("There is no training run \"{0}\". It may have been deleted; refresh the runs list.")]
    RunNotFound(String),
    #[error("The model failed: {0}.")]
    Model(String),
    #[error("This cleaning step cannot run: {0}.")]
    BadStep(String),
    #[error("{}: {detail}. Save the recipe again from PlantLab, or fix the file.", .path.display())]
    BadRecipe { path: PathBuf, detail: String },
    #[error("{} is a recipe of format version {found}, newer than this PlantLab reads (up to {supported}). Update PlantLab to use it.", .path.display())]
    RecipeVersion { path: PathBuf, found: u32, supported: u32 },
    #[error("{0}")]
    CleanHistory(String),
    #[error("{} is not a usable model bundle: {detail}. Export the bundle again from its run (Evaluate pane or `plantlab bundle`).", .path.display())]
    BadBundle { path: PathBuf, detail: String },
    #[error("{} is a model bundle of format version {found}, newer than this PlantLab reads (up to {supported}). Update PlantLab to use it.", .path.display())]
    BundleVersion { path: PathBuf, found: u32, supported: u32 },
    #[error("Run {0} has no saved test predictions (it was interrupted, failed, or trained by an older PlantLab). Train it again to evaluate it.")]
    NoEvaluationData(String),
    #[error("{data}: the column \"{label}\" marks no fault samples (every value is 0 or empty), so there is nothing to detect. Choose the column that marks faults.")]
    NoFaultSamples { data: String, label: String },
    #[error(
        "Run {0} is still training, in this window or another PlantLab window or process. Stop it there, or wait for it to end, before deleting it."
    )]
    RunBusy(String),
    #[error("There are no predictions yet. Open a bundle and a data file in the Predict pane and press Predict.")]
    NoPredictions,
    #[error("Could not write {}: {detail}.", .path.display())]
    Write { path: PathBuf, detail: String },
    #[error("Cancelled.")]
    Cancelled,
    #[error("Internal error in the data engine: {0}. Please report it with the file that caused it.")]
    Internal(String),
}

impl EngineError {
    /// A stable code for the UI and scripts; the message may change, the code does not.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::NotFound(_) => "not_found",
            EngineError::IsDirectory(_) => "is_directory",
            EngineError::PermissionDenied(_) => "permission_denied",
            EngineError::EmptyFile(_) => "empty_file",
            EngineError::NotText { .. } => "not_text",
            EngineError::NotUtf8 { .. } => "not_utf8",
            EngineError::NoDataRows(_) => "no_data_rows",
            EngineError::Parse { .. } | EngineError::Unreadable { .. } => "parse_error",
            EngineError::UnclosedQuote { .. } => "unclosed_quote",
            EngineError::Io { .. } => "io_error",
            EngineError::NoDataset => "no_dataset",
            EngineError::UnknownColumn(_) => "unknown_column",
            EngineError::NotNumeric(_) => "not_numeric",
            EngineError::BadSetting(_) => "bad_setting",
            EngineError::BadTrainConfig(_) => "bad_train_config",
            EngineError::Diverged(_) => "diverged",
            EngineError::RunNotFound(_) => "run_not_found",
            EngineError::Model(_) => "model_error",
            EngineError::BadStep(_) => "bad_step",
            EngineError::BadRecipe { .. } => "bad_recipe",
            EngineError::RecipeVersion { .. } => "recipe_version",
            EngineError::CleanHistory(_) => "clean_history",
            EngineError::BadBundle { .. } => "bad_bundle",
            EngineError::BundleVersion { .. } => "bundle_version",
            EngineError::NoEvaluationData(_) => "no_evaluation_data",
            EngineError::NoFaultSamples { .. } => "no_fault_samples",
            EngineError::RunBusy(_) => "run_busy",
            EngineError::NoPredictions => "no_predictions",
            EngineError::Write { .. } => "write_error",
            EngineError::Cancelled => "cancelled",
            EngineError::Internal(_) => "internal",
        }
    }

    pub fn to_api(&self) -> ApiError {
        ApiError::new(self.code(), self.to_string())
    }

    pub(crate) fn from_io(path: &std::path::Path, err: std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::NotFound => EngineError::NotFound(path.to_path_buf()),
            // Windows refuses to open a folder as a file with "access denied", not EISDIR.
            std::io::ErrorKind::PermissionDenied if path.is_dir() => EngineError::IsDirectory(path.to_path_buf()),
            std::io::ErrorKind::PermissionDenied => EngineError::PermissionDenied(path.to_path_buf()),
            std::io::ErrorKind::IsADirectory => EngineError::IsDirectory(path.to_path_buf()),
            _ => EngineError::Io { path: path.to_path_buf(), source: err },
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        err.to_api()
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Runs `work`, turning a panic inside it (ours or a library's) into an `Internal` error, so
/// bad input can never take the caller down.
pub fn contain_panics<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown failure".to_owned());
            Err(EngineError::Internal(what))
        }
    }
}
