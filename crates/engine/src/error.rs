use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use plantlab_protocol::{ApiError, MessageArg};

/// Everything the engine can refuse, each with a message that tells the user what to do. The
/// sentences are in the catalogue (`errors.ftl`, key `error-<code>[-<variant>]`): the engine
/// hands out the code and the values ([`EngineError::to_api`]) and every edge words them in
/// its language; `Display` is the English one.
#[derive(Debug)]
pub enum EngineError {
    NotFound(PathBuf),
    IsDirectory(PathBuf),
    PermissionDenied(PathBuf),
    EmptyFile(PathBuf),
    /// `kind` says what the file is instead, and what to do.
    NotText {
        path: PathBuf,
        kind: Detail,
    },
    NotUtf8 {
        path: PathBuf,
        offset: usize,
    },
    NoDataRows(PathBuf),
    /// `detail` is the CSV parser's own message, shown as it wrote it.
    Parse {
        path: PathBuf,
        detail: String,
    },
    /// A binary table (.xlsx, Parquet) that cannot be read; `detail` says what to do.
    Unreadable {
        path: PathBuf,
        detail: Detail,
    },
    UnclosedQuote {
        path: PathBuf,
        line: u64,
        text: String,
    },
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    NoDataset,
    UnknownColumn(String),
    NotNumeric(String),
    BadSetting(Detail),
    BadTrainConfig(Detail),
    Diverged(Detail),
    RunNotFound(String),
    /// A failure of the network or trees library, in its own words.
    Model(String),
    BadStep(Detail),
    BadRecipe {
        path: PathBuf,
        detail: Detail,
    },
    RecipeVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    CleanHistory(Detail),
    BadBundle {
        path: PathBuf,
        detail: Detail,
    },
    BundleVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    NoEvaluationData(String),
    NoFaultSamples {
        data: String,
        label: String,
    },
    RunBusy(String),
    NoPredictions,
    Write {
        path: PathBuf,
        detail: Detail,
    },
    Cancelled,
    Internal(String),
}

/// What exactly is wrong, inside an error's sentence: a coded phrase every edge words in its
/// language (`error-detail-<code>` in `errors.ftl`), or a text as a library or the operating
/// system wrote it (`From<String>`), shown as it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Detail(MessageArg);

impl Detail {
    /// The phrase `error-detail-<code>` (code in snake_case) with its values.
    pub fn coded<const N: usize>(code: &str, args: [(&str, MessageArg); N]) -> Detail {
        Detail(MessageArg::phrase(&format!("detail_{code}"), args))
    }

    /// The detail as an error's argument.
    pub fn as_arg(&self) -> &MessageArg {
        &self.0
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Detail(MessageArg::Text(text))
    }
}

impl From<&str> for Detail {
    fn from(text: &str) -> Self {
        Detail(MessageArg::Text(text.to_owned()))
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&plantlab_i18n::english_error_argument(&self.0))
    }
}

/// A value for an error's sentence: a path as the user would type it.
fn path_arg(path: &Path) -> MessageArg {
    MessageArg::Text(path.display().to_string())
}

fn text(value: &str) -> MessageArg {
    MessageArg::Text(value.to_owned())
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

    /// The error's code, variant and values, with its English sentence as `message`.
    pub fn to_api(&self) -> ApiError {
        let (variant, args) = self.arguments();
        plantlab_i18n::english_error(self.code(), variant, args.into_iter().map(|(name, value)| (name.to_owned(), value)).collect())
    }

    /// Which sentence of its code the error is (`""` for the usual one) and the values the
    /// sentence names, by the catalogue's argument names.
    pub fn arguments(&self) -> (&'static str, BTreeMap<&'static str, MessageArg>) {
        use EngineError as E;
        let variant = if matches!(self, E::Unreadable { .. }) { "unreadable" } else { "" };
        let args: Vec<(&'static str, MessageArg)> = match self {
            E::NotFound(path) | E::IsDirectory(path) | E::PermissionDenied(path) | E::EmptyFile(path) | E::NoDataRows(path) => {
                vec![("path", path_arg(path))]
            }
            E::NotText { path, kind } => vec![("path", path_arg(path)), ("kind", kind.as_arg().clone())],
            E::NotUtf8 { path, offset } => vec![("path", path_arg(path)), ("offset", MessageArg::from(*offset))],
            E::Parse { path, detail } => vec![("path", path_arg(path)), ("detail", text(detail))],
            E::Unreadable { path, detail } | E::BadRecipe { path, detail } | E::BadBundle { path, detail } | E::Write { path, detail } => {
                vec![("path", path_arg(path)), ("detail", detail.as_arg().clone())]
            }
            E::UnclosedQuote { path, line, text: quoted } => {
                vec![("path", path_arg(path)), ("line", MessageArg::from(*line)), ("text", text(quoted))]
            }
            E::Io { path, source } => vec![("path", path_arg(path)), ("detail", MessageArg::Text(source.to_string()))],
            E::NoDataset | E::NoPredictions | E::Cancelled => vec![],
            E::UnknownColumn(column) | E::NotNumeric(column) => vec![("column", text(column))],
            E::BadSetting(detail) | E::BadTrainConfig(detail) | E::Diverged(detail) | E::CleanHistory(detail) | E::BadStep(detail) => {
                vec![("detail", detail.as_arg().clone())]
            }
            E::Model(detail) | E::Internal(detail) => vec![("detail", text(detail))],
            E::RunNotFound(run) | E::NoEvaluationData(run) | E::RunBusy(run) => vec![("run", text(run))],
            E::RecipeVersion { path, found, supported } | E::BundleVersion { path, found, supported } => {
                vec![("path", path_arg(path)), ("found", MessageArg::from(u64::from(*found))), ("supported", MessageArg::from(u64::from(*supported)))]
            }
            E::NoFaultSamples { data, label } => vec![("data", text(data)), ("label", text(label))],
        };
        (variant, args.into_iter().collect())
    }

    pub(crate) fn from_io(path: &Path, err: std::io::Error) -> Self {
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

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_api().message)
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EngineError::Io { source, .. } => Some(source),
            _ => None,
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

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
