//! Writing a file so that the user never loses what was there: the new content goes to a
//! uniquely named temporary beside the target, is flushed to disk, and replaces the target in
//! one rename; the folder is flushed too, so the rename survives a power cut. On any error the
//! temporary is removed and the old file is untouched.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{EngineError, Result};

/// Distinguishes temporaries of one process (with the pid and the time, unique per folder).
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically (see the module documentation).
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |file| file.write_all(bytes).map_err(|e| e.to_string()))
}

/// Writes `path` atomically with `write`, which fills the temporary file; its error text
/// becomes the `Write` error's detail.
pub fn write_with(path: &Path, write: impl FnOnce(&mut File) -> std::result::Result<(), String>) -> Result<()> {
    let failed = |detail: String| EngineError::Write { path: path.to_path_buf(), detail };
    let name = path.file_name().ok_or_else(|| failed("the path names no file".into()))?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (temporary, mut file) = create_temporary(&folder, &name.to_string_lossy()).map_err(|e| failed(e.to_string()))?;
    let written = write(&mut file).and_then(|()| file.flush().map_err(|e| e.to_string())).and_then(|()| file.sync_all().map_err(|e| e.to_string()));
    drop(file);
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path).map_err(|e| e.to_string()));
    if let Err(detail) = renamed {
        // Best effort: the temporary is ours, and the error that matters is the one above.
        let _ = std::fs::remove_file(&temporary);
        return Err(failed(detail));
    }
    sync_folder(&folder).map_err(|e| failed(format!("the file was written but its folder could not be flushed ({e})")))
}

/// A new file `.<name>.<pid>-<n>-<nanos>.partial` in `folder`, never an existing one.
fn create_temporary(folder: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    loop {
        let n = NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed);
        let candidate = folder.join(format!(".{name}.{}-{n}-{nanos}.partial", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&candidate) {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(unix)]
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    File::open(folder)?.sync_all()
}

/// Windows flushes the rename with the file system's metadata; a folder cannot be opened as a file.
#[cfg(not(unix))]
fn sync_folder(_folder: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Whether `name` is a temporary this module creates (for tests and cleanup listings).
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".partial")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_failing_writer_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.csv");
        std::fs::write(&target, "old\n").unwrap();
        // A user's own x.tmp must survive too.
        std::fs::write(dir.path().join("x.tmp"), "mine\n").unwrap();
        let err = write_with(&target, |file| {
            file.write_all(b"half of the new").map_err(|e| e.to_string())?;
            Err("disk full".into())
        })
        .err()
        .unwrap();
        assert_eq!(err.code(), "write_error");
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
        assert_eq!(std::fs::read_to_string(dir.path().join("x.tmp")).unwrap(), "mine\n");
        assert_eq!(names(dir.path()), ["x.csv", "x.tmp"]);

        write_bytes(&target, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["x.csv", "x.tmp"]);
    }
}
