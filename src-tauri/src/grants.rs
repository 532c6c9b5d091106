//! The shell's doors: a command that writes a file, or reads a recipe, a model bundle or data to
//! predict on, takes only a path the user chose for that purpose in this session's native
//! dialog. The webview names paths, but it cannot choose them: were its script ever subverted,
//! it could not write `~/.bashrc` or read a file nobody picked.
//!
//! The data file of the Data pane is the one exception: the user may also type its path or
//! reopen it from the recent list, so a read of plant data is accepted from any path (reading
//! a file into the table writes nothing and sends nothing anywhere).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use plantlab_protocol::{message_args, ApiError, FilePurpose};

#[derive(Default)]
pub struct PathGrants {
    chosen: Mutex<HashMap<FilePurpose, HashSet<PathBuf>>>,
}

impl PathGrants {
    /// Records that the user chose `path` for `purpose` (a dialog answered, or a test standing in
    /// for one). Exact paths only: nothing under or beside it is granted.
    pub fn grant(&self, purpose: FilePurpose, path: &Path) {
        if let Ok(mut chosen) = self.chosen.lock() {
            chosen.entry(purpose).or_default().insert(path.to_path_buf());
        }
    }

    /// `Ok` when `path` was chosen for one of `purposes`.
    pub fn check(&self, purposes: &[FilePurpose], path: &str) -> Result<PathBuf, ApiError> {
        let path = PathBuf::from(path);
        let granted =
            self.chosen.lock().map(|chosen| purposes.iter().any(|p| chosen.get(p).is_some_and(|paths| paths.contains(&path)))).unwrap_or(false);
        if granted {
            Ok(path)
        } else {
            Err(plantlab_i18n::english_error("path_not_chosen", "", message_args([("path", path.display().to_string().into())])))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_path_chosen_for_the_purpose_passes() {
        let grants = PathGrants::default();
        grants.grant(FilePurpose::SaveReport, Path::new("/home/op/report.html"));
        assert!(grants.check(&[FilePurpose::SaveReport], "/home/op/report.html").is_ok());
        // Another purpose, a neighbour, a path that walks out of the chosen one: refused.
        assert!(grants.check(&[FilePurpose::SaveBundle], "/home/op/report.html").is_err());
        assert!(grants.check(&[FilePurpose::SaveReport], "/home/op/.bashrc").is_err());
        let err = grants.check(&[FilePurpose::SaveReport], "/home/op/report.html/../.bashrc").unwrap_err();
        assert_eq!(err.code, "path_not_chosen");
        assert!(err.message.contains("Choose the file again"), "{}", err.message);
    }
}
