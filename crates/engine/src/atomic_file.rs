//! Writing a file so that the user never loses what was there: the new content goes to a
//! uniquely named temporary beside the target, is flushed to disk, and replaces the target in
//! one rename; the folder is flushed too, so the rename survives a power cut. On any error the
//! temporary is removed and the old file is untouched.
//!
//! The two platform steps, replacing the target and flushing its folder, are `replace` and
//! `sync_folder`, each with a Unix and a Windows implementation.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Detail, EngineError, Result};

/// Distinguishes temporaries of one process (with the pid and the time, unique per folder).
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically (see the module documentation).
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |file| file.write_all(bytes).map_err(|e| e.to_string()))
}

/// Writes `path` atomically with `write`, which fills the temporary file; its error is the
/// text of the operating system or the writing library, which the `Write` error's detail
/// quotes as it is.
pub fn write_with(path: &Path, write: impl FnOnce(&mut File) -> std::result::Result<(), String>) -> Result<()> {
    let failed = |detail: Detail| EngineError::Write { path: path.to_path_buf(), detail };
    let name = path.file_name().ok_or_else(|| failed(Detail::coded("write_no_file_name", [])))?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = name.to_string_lossy();
    let (temporary, mut file) = create_temporary(&folder, &name).map_err(|e| failed(system_error(e)))?;
    // Held while the temporary is written, so a later write's sweep leaves it alone; the lock
    // of a killed writer goes with its process. A file system without locks just skips this.
    let _ = file.try_lock();
    let written = write(&mut file)
        .and_then(|()| file.flush().map_err(|e| e.to_string()))
        .and_then(|()| file.sync_all().map_err(|e| e.to_string()))
        .map_err(system_error);
    drop(file);
    let renamed = written.and_then(|()| replace(&temporary, path).map_err(replace_failed));
    if let Err(detail) = renamed {
        // Best effort: the temporary is ours, and the error that matters is the one above.
        let _ = std::fs::remove_file(&temporary);
        return Err(failed(detail));
    }
    sync_folder(&folder).map_err(|e| failed(Detail::coded("write_folder_not_flushed", [("why", e.to_string().into())])))?;
    remove_abandoned_temporaries(&folder, &name);
    Ok(())
}

/// A text of the operating system or of a library (an I/O or a writer's error), quoted in the
/// reader's language as it was written.
pub(crate) fn system_error(why: impl std::fmt::Display) -> Detail {
    Detail::coded("system_error", [("why", why.to_string().into())])
}

/// How old an unlocked temporary must be before a sweep removes it: its writer unlocks it just
/// before the rename, and that moment must never look abandoned.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// Removes the temporaries of `name` in `folder` that writers killed mid-write left behind
/// (unlocked, and not touched for a moment). Best effort: a leftover only takes space.
fn remove_abandoned_temporaries(folder: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if !(file_name.starts_with(&prefix) && is_temporary(&file_name)) {
            continue;
        }
        let path = entry.path();
        let idle = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
        if idle.is_none_or(|idle| idle < ABANDONED_AFTER) {
            continue;
        }
        let unlocked = OpenOptions::new().write(true).open(&path).is_ok_and(|file| file.try_lock().is_ok());
        if unlocked {
            let _ = std::fs::remove_file(&path);
        }
    }
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

/// Puts `temporary` in place of `path` in one step, replacing any file there.
#[cfg(not(windows))]
fn replace(temporary: &Path, path: &Path) -> std::io::Result<()> {
    std::fs::rename(temporary, path)
}

#[cfg(not(windows))]
fn replace_failed(e: std::io::Error) -> Detail {
    system_error(e)
}

/// Windows error codes that mean another handle is in the way (winerror.h): access denied,
/// sharing violation, lock violation.
#[cfg(windows)]
const WINDOWS_IN_USE_ERRORS: [i32; 3] = [5, 32, 33];

/// Windows: std's rename replaces an existing file in one step (FileRenameInfoEx with POSIX
/// semantics, so a target another program reads with delete sharing is replaced too; MoveFileExW
/// with MOVEFILE_REPLACE_EXISTING on file systems without them). A virus scanner or the search
/// indexer that opens the fresh temporary for a moment makes it fail with a sharing violation,
/// so a few short retries ride that out before the error is reported.
#[cfg(windows)]
fn replace(temporary: &Path, path: &Path) -> std::io::Result<()> {
    const RETRIES: u64 = 8;
    let mut attempt = 0;
    loop {
        match std::fs::rename(temporary, path) {
            Err(e) if attempt < RETRIES && e.raw_os_error().is_some_and(|code| WINDOWS_IN_USE_ERRORS.contains(&code)) => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(25 * attempt));
            }
            other => return other,
        }
    }
}

/// On Windows a file that another program holds open without delete sharing (a spreadsheet,
/// typically) cannot be replaced: the message says what to do.
#[cfg(windows)]
fn replace_failed(e: std::io::Error) -> Detail {
    if e.raw_os_error().is_some_and(|code| WINDOWS_IN_USE_ERRORS.contains(&code)) {
        Detail::coded("write_file_in_use", [("why", e.to_string().into())])
    } else {
        system_error(e)
    }
}

#[cfg(not(windows))]
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    File::open(folder)?.sync_all()
}

/// Windows: a folder opens as a file only with FILE_FLAG_BACKUP_SEMANTICS, and FlushFileBuffers
/// (`sync_all`) needs write access to it. File systems that cannot flush a folder (FAT, exFAT,
/// some network shares) refuse with one of the codes below; the file itself is already flushed
/// and renamed, so the write stands.
#[cfg(windows)]
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    use std::os::windows::fs::OpenOptionsExt;
    /// winbase.h: lets CreateFileW open a folder.
    const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;
    /// winerror.h: invalid function, access denied, not supported, invalid parameter.
    const FLUSH_UNSUPPORTED: [i32; 4] = [1, 5, 50, 87];
    let flushed = OpenOptions::new().write(true).custom_flags(FILE_FLAG_BACKUP_SEMANTICS).open(folder).and_then(|handle| handle.sync_all());
    match flushed {
        Err(e) if e.raw_os_error().is_some_and(|code| FLUSH_UNSUPPORTED.contains(&code)) => Ok(()),
        other => other,
    }
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
    fn temporaries_of_killed_writers_are_removed_by_the_next_write_but_live_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("cleaned.csv");
        let abandoned = dir.path().join(".cleaned.csv.4242-0-1.partial");
        let live = dir.path().join(".cleaned.csv.4243-0-1.partial");
        let fresh = dir.path().join(".cleaned.csv.4244-0-1.partial");
        let other = dir.path().join(".other.csv.4242-0-1.partial");
        for path in [&abandoned, &live, &other] {
            std::fs::write(path, "half").unwrap();
            let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
            File::options().write(true).open(path).unwrap().set_modified(old).unwrap();
        }
        std::fs::write(&fresh, "half").unwrap();
        // A writer still at work holds its temporary's lock (here, this test holds it).
        let holder = File::options().write(true).open(&live).unwrap();
        holder.lock().unwrap();
        write_bytes(&target, b"new").unwrap();
        assert_eq!(
            names(dir.path()),
            [".cleaned.csv.4243-0-1.partial", ".cleaned.csv.4244-0-1.partial", ".other.csv.4242-0-1.partial", "cleaned.csv"]
        );
        drop(holder);
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

    #[test]
    fn a_file_another_handle_reads_is_replaced_or_left_whole_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("model.json");
        std::fs::write(&target, "old").unwrap();
        // std opens with read, write and delete sharing on Windows, as well-behaved readers do.
        let mut reader = File::open(&target).unwrap();
        let replaced = write_bytes(&target, b"new");
        let mut seen = String::new();
        std::io::Read::read_to_string(&mut reader, &mut seen).unwrap();
        assert_eq!(seen, "old", "the open handle still reads the file it opened");
        match replaced {
            Ok(()) => assert_eq!(std::fs::read_to_string(&target).unwrap(), "new"),
            // Windows without POSIX rename semantics (FAT, older Windows, Wine) cannot replace an
            // open file; the old one must then be whole and the message must say what to do.
            Err(e) if cfg!(windows) => {
                assert!(e.to_string().contains("another program may have the file open: close it there"), "{e}");
                assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
            }
            Err(e) => panic!("a file another handle reads must be replaced: {e}"),
        }
        assert_eq!(names(dir.path()), ["model.json"], "no temporary is left");
        drop(reader);
        write_bytes(&target, b"newer").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "newer");
    }

    /// What a spreadsheet program does to a CSV it shows: opens it without delete sharing.
    #[cfg(windows)]
    #[test]
    fn a_file_another_program_holds_without_delete_sharing_is_left_whole_with_a_hint() {
        use std::os::windows::fs::OpenOptionsExt;
        const FILE_SHARE_READ: u32 = 1;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("cleaned.csv");
        std::fs::write(&target, "old").unwrap();
        let holder = OpenOptions::new().read(true).share_mode(FILE_SHARE_READ).open(&target).unwrap();
        let err = write_bytes(&target, b"new").err().unwrap();
        assert_eq!(err.code(), "write_error");
        let message = err.to_string();
        assert!(message.contains("another program may have the file open: close it there") && !message.contains('\n'), "{message}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(names(dir.path()), ["cleaned.csv"], "no temporary is left");
        drop(holder);
        write_bytes(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn names_outside_ascii_are_written_and_bytes_kept_as_given() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("Prüfstand Ω — März.csv");
        write_bytes(&target, b"a\r\nb\r\n").unwrap();
        write_bytes(&target, b"c\n").unwrap();
        // Bytes are written as given: no line-end translation on any platform.
        assert_eq!(std::fs::read(&target).unwrap(), b"c\n");
        assert_eq!(names(dir.path()), ["Prüfstand Ω — März.csv"]);
        let err = write_bytes(&dir.path().join("no such folder").join("x.csv"), b"x").err().unwrap();
        assert_eq!(err.code(), "write_error");
    }

    /// Windows limits classic paths to 260 characters (MAX_PATH); std lengthens longer ones
    /// with the `\\?\` prefix, and the temporary's longer name must get the same treatment.
    #[test]
    fn paths_longer_than_windows_classic_limit_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let deep = (0..6).fold(dir.path().to_path_buf(), |path, i| path.join(format!("plant area {i} {}", "x".repeat(40))));
        std::fs::create_dir_all(&deep).unwrap();
        let target = deep.join("cleaned export of the pump station.csv");
        assert!(target.as_os_str().len() > 300, "{}", target.display());
        write_bytes(&target, b"old").unwrap();
        write_bytes(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(names(&deep), ["cleaned export of the pump station.csv"]);
    }

    #[test]
    fn the_folder_of_a_written_file_can_be_flushed() {
        let dir = tempfile::tempdir().unwrap();
        sync_folder(dir.path()).unwrap();
        assert!(sync_folder(&dir.path().join("missing")).is_err(), "a missing folder is an error, not silently skipped");
    }
}
