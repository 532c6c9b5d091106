//! Whether a run is alive, told by the lock its training process holds (never by a process
//! id, which may be reused), and run folders that a kill -9 at any moment leaves behind: each
//! lists as interrupted or completed, holds only whole JSON files and can be deleted.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ImportOverrides, ModelKind, RunStatus};

use crate::common::{config, workbench_with_data};

/// Trains one small run to its end and returns its folder.
fn trained_run(workbench: &Workbench) -> PathBuf {
    let mut cfg = config(ModelKind::Seed, 1);
    cfg.embedding_dim = 8;
    cfg.hidden = 8;
    PathBuf::from(workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).unwrap().run_dir)
}

/// Rewrites `run.json` of the run in `dir` through `edit`.
fn edit_run_json(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("run.json");
    let mut meta: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut meta);
    std::fs::write(&path, serde_json::to_vec_pretty(&meta).unwrap()).unwrap();
}

fn folder_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// Starts this test binary again running only `test`, with `key` = `value` in its
/// environment. Output is piped, not inherited, so the child writes nowhere the parent's
/// output goes.
fn spawn_child(test: &str, key: &str, value: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env(key, value)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_run_whose_json_claims_a_live_pid_but_holds_no_lock_is_interrupted() {
    let (_dir, workbench) = workbench_with_data(300);
    // As a kill -9 leaves a run, with a process id that is always alive (init).
    let run = trained_run(&workbench);
    std::fs::remove_file(run.join("summary.json")).unwrap();
    edit_run_json(&run, |meta| meta["pid"] = serde_json::json!(1));
    // A run of an older PlantLab: no lock file at all.
    let older = trained_run(&workbench);
    std::fs::remove_file(older.join("summary.json")).unwrap();
    std::fs::remove_file(older.join("run.lock")).unwrap();
    edit_run_json(&older, |meta| meta["pid"] = serde_json::json!(1));
    // An older run that finished keeps its status.
    let finished = trained_run(&workbench);
    std::fs::remove_file(finished.join("run.lock")).unwrap();

    let runs = workbench.list_runs().unwrap();
    let status_of = |dir: &Path| runs.iter().find(|r| r.run_id == folder_name(dir)).map(|r| r.status);
    assert_eq!(status_of(&run), Some(RunStatus::Interrupted), "pid 1 is alive, but nobody holds the run's lock");
    assert_eq!(status_of(&older), Some(RunStatus::Interrupted), "a run without a lock file is not running");
    assert_eq!(status_of(&finished), Some(RunStatus::Completed));
    for dir in [&run, &older, &finished] {
        workbench.delete_run(&folder_name(dir)).unwrap();
    }
    assert!(workbench.list_runs().unwrap().is_empty());
}

const HOLD_LOCK_OF: &str = "PLANTLAB_TEST_HOLD_RUN_LOCK";

/// Run in a child process (see the test below): takes the lock of the run folder it is given,
/// says so with a `held` file and keeps the lock until it is killed (or 60 s pass).
#[test]
fn lock_holding_child() {
    let Some(dir) = std::env::var_os(HOLD_LOCK_OF) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let file = std::fs::OpenOptions::new().write(true).open(dir.join("run.lock")).unwrap();
    file.lock().unwrap();
    std::fs::write(dir.join("held"), "").unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_run_whose_lock_another_process_holds_is_running_and_cannot_be_deleted() {
    let (_dir, workbench) = workbench_with_data(300);
    let run = trained_run(&workbench);
    std::fs::remove_file(run.join("summary.json")).unwrap();
    let id = folder_name(&run);
    let mut child = spawn_child("hardening_runs::lock_holding_child", HOLD_LOCK_OF, &run);
    let started = Instant::now();
    while !run.join("held").exists() {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!("the child ended ({status}) without taking the lock: {}", String::from_utf8_lossy(&output.stdout));
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the child did not take the lock in 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    let runs = workbench.list_runs().unwrap();
    assert_eq!((runs.len(), runs[0].status), (1, RunStatus::Running), "another process holds the lock: {runs:?}");
    let err = workbench.delete_run(&id).expect_err("a run another process trains must not be deleted");
    let message = err.to_string();
    assert!(message.contains("still training, in this window or another PlantLab window or process") && !message.contains('\n'), "{message}");
    assert!(run.join("run.json").is_file(), "the refused delete removed files");

    // Killed, the holder's lock goes with it: interrupted, and deletable.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(workbench.list_runs().unwrap()[0].status, RunStatus::Interrupted);
    workbench.delete_run(&id).unwrap();
    assert!(!run.exists());
}

#[test]
fn runs_are_listed_and_deleted_by_their_folder_whatever_run_json_says() {
    let (_dir, workbench) = workbench_with_data(300);
    let first = trained_run(&workbench);
    let copy = trained_run(&workbench);
    // A run.json copied from another run, or edited by hand.
    std::fs::copy(first.join("run.json"), copy.join("run.json")).unwrap();
    let runs = workbench.list_runs().unwrap();
    let mut ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    ids.sort_unstable();
    let mut folders = [folder_name(&first), folder_name(&copy)];
    folders.sort_unstable();
    assert_eq!(ids, folders, "each run is listed under its own folder's name");
    let detail = workbench.open_run(&folder_name(&copy)).unwrap();
    assert_eq!(PathBuf::from(&detail.entry.run_dir), copy);
    // Deleting the copy removes the copy's folder, never the run its run.json names.
    workbench.delete_run(&folder_name(&copy)).unwrap();
    assert!(!copy.exists() && first.join("summary.json").is_file());
    assert_eq!(workbench.list_runs().unwrap().len(), 1);
}

#[test]
fn a_run_killed_before_its_run_json_is_listed_as_interrupted_and_deletable() {
    let (dir, workbench) = workbench_with_data(300);
    let _ = trained_run(&workbench);
    // What a kill between making the folder and writing run.json leaves: the lock file.
    let bare = dir.path().join("runs").join("20261201-000000-seed");
    std::fs::create_dir(&bare).unwrap();
    std::fs::write(bare.join("run.lock"), "").unwrap();
    let runs = workbench.list_runs().unwrap();
    let entry = runs.iter().find(|r| r.run_id == "20261201-000000-seed").expect("listed");
    assert_eq!(entry.status, RunStatus::Interrupted);
    // Said from its code: English for scripts, Chinese for a Chinese reader.
    assert_eq!(entry.message_code, "interrupted");
    assert!(entry.message.starts_with("interrupted after 0 completed epochs"), "{}", entry.message);
    let chinese = plantlab_i18n::Catalog::new(plantlab_i18n::Lang::ZhCn);
    assert_eq!(plantlab_i18n::run_entry_stop_text(&chinese, entry), "完成 0 轮后中断；这些轮次的检查点已保留");
    workbench.delete_run("20261201-000000-seed").unwrap();
    assert!(!bare.exists());
    // A folder with neither file is no run.
    std::fs::create_dir(&bare).unwrap();
    assert_eq!(workbench.list_runs().unwrap().len(), 1);
}

// --- kill -9 at random moments ---------------------------------------------------------------

const TRAIN_UNTIL_KILLED: &str = "PLANTLAB_TEST_TRAIN_UNTIL_KILLED";

/// Run in a child process (see the test below): trains small runs one after another on the
/// export in the folder it is given until it is killed (or 30 s pass).
#[test]
fn training_child_until_killed() {
    let Some(root) = std::env::var_os(TRAIN_UNTIL_KILLED) else {
        return;
    };
    let root = PathBuf::from(root);
    let workbench = Workbench::with_runs_root(root.join("runs"));
    workbench.load(&root.join("plant.csv"), &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let mut cfg = config(ModelKind::Seed, 3);
        cfg.embedding_dim = 8;
        cfg.hidden = 8;
        workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).unwrap();
    }
}

/// xorshift64: random enough for kill moments, and repeatable from the seed a failure prints.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Starts `test` as a child process `kills` times (with `key` = `dir` in its environment) and
/// kills it 0–999 ms after each start; `after_kill` runs after each kill with the kill's number
/// and how to repeat the run. Returns the seed and the delays, for failure messages.
fn kill_at_random_moments(kills: usize, test: &str, key: &str, dir: &Path, mut after_kill: impl FnMut(usize, &str)) -> (u64, Vec<u64>) {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut state = seed;
    let mut delays_ms = Vec::new();
    for kill in 0..kills {
        let delay_ms = next_random(&mut state) % 1000;
        delays_ms.push(delay_ms);
        let mut child = spawn_child(test, key, dir);
        std::thread::sleep(Duration::from_millis(delay_ms));
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!("the child {test} ended ({status}) before its kill: {}", String::from_utf8_lossy(&output.stderr));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        after_kill(kill, &format!("seed {seed}, kill delays {delays_ms:?} ms"));
    }
    (seed, delays_ms)
}

/// Every file under `dir` (recursively), as paths.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn runs_killed_at_random_moments_list_as_interrupted_or_completed_and_can_be_deleted() {
    const KILLS: usize = 20;
    let (dir, workbench) = workbench_with_data(300);
    // The first second covers the child's start, the load, the run's first files and (most
    // kills) its epochs, checkpoints and summary.
    let (seed, delays_ms) = kill_at_random_moments(KILLS, "hardening_runs::training_child_until_killed", TRAIN_UNTIL_KILLED, dir.path(), |_, _| {});
    let context = format!("seed {seed}, kill delays {delays_ms:?} ms");

    let runs_root = dir.path().join("runs");
    let runs = workbench.list_runs().unwrap();
    let (mut interrupted, mut completed, mut temporaries, mut bare_folders) = (0, 0, 0, 0);
    for run in &runs {
        match run.status {
            RunStatus::Interrupted => interrupted += 1,
            RunStatus::Completed => completed += 1,
            other => panic!("run {} is {other:?} after the kills ({context})", run.run_id),
        }
        for file in files_under(&runs_root.join(&run.run_id)) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            // A write the kill cut short leaves its temporary, hidden (`.name.….partial`) beside
            // the file it would have replaced; no run file is ever half written.
            if plantlab_engine::atomic_file::is_temporary(&name) {
                temporaries += 1;
                continue;
            }
            assert!(!name.contains(".partial"), "a temporary visible as a run file: {} ({context})", file.display());
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if name.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{} does not parse: {e} ({context})", file.display()));
            } else if name.ends_with(".jsonl") {
                for line in text.lines() {
                    serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{}: a torn line: {e} ({context})", file.display()));
                }
            }
        }
    }
    // Folders killed before their lock file existed hold nothing and are no runs.
    for entry in std::fs::read_dir(&runs_root).unwrap() {
        let path = entry.unwrap().path();
        if !runs.iter().any(|r| r.run_id == folder_name(&path)) {
            assert_eq!(std::fs::read_dir(&path).unwrap().count(), 0, "an unlisted folder with files: {} ({context})", path.display());
            bare_folders += 1;
        }
    }
    for run in &runs {
        workbench.open_run(&run.run_id).unwrap_or_else(|e| panic!("run {} does not open: {e} ({context})", run.run_id));
    }
    assert!(interrupted >= 1, "no kill hit a run: {interrupted} interrupted, {completed} completed ({context})");
    for run in &runs {
        workbench.delete_run(&run.run_id).unwrap_or_else(|e| panic!("run {} cannot be deleted: {e} ({context})", run.run_id));
    }
    assert!(workbench.list_runs().unwrap().is_empty());
    println!(
        "{KILLS} kills: {interrupted} runs interrupted, {completed} completed, {temporaries} hidden temporaries, {bare_folders} empty folders ({context})"
    );
}

const WRITE_UNTIL_KILLED: &str = "PLANTLAB_TEST_WRITE_UNTIL_KILLED";

/// The three files the writing child replaces again and again, in `root/out`.
fn written_files(root: &Path) -> [PathBuf; 3] {
    let out = root.join("out");
    [out.join("recipe.plrecipe"), out.join("cleaned.csv"), out.join("model.plmodel")]
}

/// Run in a child process (see the test below): saves the recipe, exports the cleaned data
/// and exports the bundle of the one run in the folder it is given, over the same three files,
/// again and again until it is killed (or 30 s pass).
#[test]
fn writing_child_until_killed() {
    let Some(root) = std::env::var_os(WRITE_UNTIL_KILLED) else {
        return;
    };
    let root = PathBuf::from(root);
    let workbench = Workbench::with_runs_root(root.join("runs"));
    workbench.load(&root.join("plant.csv"), &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let run_id = workbench.list_runs().unwrap()[0].run_id.clone();
    let [recipe, cleaned, bundle] = written_files(&root);
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        workbench.save_recipe(&recipe).unwrap();
        workbench.export_cleaned(&cleaned).unwrap();
        workbench.export_bundle(&run_id, &bundle, None).unwrap();
    }
}

/// Checks the three written files: each absent (never written yet) or whole.
fn check_written_files(root: &Path, rows: usize, context: &str) {
    let [recipe, cleaned, bundle] = written_files(root);
    if recipe.exists() {
        plantlab_engine::clean::recipe::read(&recipe).unwrap_or_else(|e| panic!("the recipe is not whole: {e} ({context})"));
    }
    if cleaned.exists() {
        let imported = plantlab_engine::import::import(&cleaned, &ImportOverrides::default(), &JobContext::detached())
            .unwrap_or_else(|e| panic!("the export is not whole: {e} ({context})"));
        assert_eq!(imported.frame.height(), rows, "the export lost rows ({context})");
    }
    if bundle.exists() {
        let reader = Workbench::with_runs_root(root.join("other-runs"));
        reader.open_bundle(&bundle).unwrap_or_else(|e| panic!("the bundle is not whole: {e} ({context})"));
    }
}

fn temporaries_in(folder: &Path) -> usize {
    std::fs::read_dir(folder).map_or(0, |entries| {
        entries.filter(|e| e.as_ref().is_ok_and(|e| plantlab_engine::atomic_file::is_temporary(&e.file_name().to_string_lossy()))).count()
    })
}

#[test]
fn recipe_saves_exports_and_bundles_killed_at_random_moments_leave_the_old_file_or_a_whole_new_one() {
    const KILLS: usize = 20;
    const ROWS: usize = 2_000;
    let (dir, workbench) = workbench_with_data(ROWS);
    trained_run(&workbench);
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let mut most_temporaries = 0;
    let (seed, delays_ms) =
        kill_at_random_moments(KILLS, "hardening_runs::writing_child_until_killed", WRITE_UNTIL_KILLED, dir.path(), |kill, context| {
            check_written_files(dir.path(), ROWS, &format!("kill {kill}, {context}"));
            most_temporaries = most_temporaries.max(temporaries_in(&dir.path().join("out")));
        });
    let context = format!("seed {seed}, kill delays {delays_ms:?} ms");
    assert!(written_files(dir.path()).iter().all(|f| f.exists()), "no child got as far as writing all three files ({context})");
    // The temporaries killed writes left are removed by the next write of the same file once
    // they are a moment old (a writer at work holds a lock on its own).
    std::thread::sleep(Duration::from_millis(2_100));
    let [recipe, cleaned, bundle] = written_files(dir.path());
    workbench.save_recipe(&recipe).unwrap();
    workbench.export_cleaned(&cleaned).unwrap();
    let run_id = workbench.list_runs().unwrap()[0].run_id.clone();
    workbench.export_bundle(&run_id, &bundle, None).unwrap();
    assert_eq!(temporaries_in(&dir.path().join("out")), 0, "temporaries left after the next writes ({context})");
    check_written_files(dir.path(), ROWS, &context);
    println!("{KILLS} kills of a writing process: every file old or whole after each; up to {most_temporaries} temporaries at once, none after the next writes ({context})");
}

// --- a full disk during training ------------------------------------------------------------

const TRAIN_UNDER_LIMIT: &str = "PLANTLAB_TEST_TRAIN_UNDER_FILE_SIZE_LIMIT";

/// Run in a child process with a file-size limit (see the test below): trains a run whose
/// checkpoint is larger than the limit; training must end with a write error.
#[test]
fn training_child_under_a_file_size_limit() {
    let Some(root) = std::env::var_os(TRAIN_UNDER_LIMIT) else {
        return;
    };
    let root = PathBuf::from(root);
    let workbench = Workbench::with_runs_root(root.join("runs"));
    workbench.load(&root.join("plant.csv"), &ImportOverrides::default(), &JobContext::detached()).unwrap();
    let mut cfg = config(ModelKind::Seed, 2);
    cfg.embedding_dim = 512;
    cfg.hidden = 512;
    let err = workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).expect_err("training must fail under the limit");
    assert_eq!(err.code(), "write_error", "{err}");
}

/// Every file under `dir` with its bytes.
#[cfg(unix)]
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = files_under(dir).into_iter().map(|f| (f.clone(), std::fs::read(&f).unwrap())).collect();
    files.sort();
    files
}

#[cfg(unix)]
#[test]
fn a_full_disk_during_training_fails_the_run_with_its_reason_and_keeps_earlier_runs() {
    let (dir, workbench) = workbench_with_data(300);
    let earlier = trained_run(&workbench);
    let before = snapshot(&earlier);
    // 32 blocks of 512 bytes: run.json, the metrics and the summary fit, a checkpoint of this
    // network does not. The signal past the limit is ignored, so writes fail with EFBIG as
    // they would on a full disk.
    let child = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 32; exec \"$0\" --exact hardening_runs::training_child_under_a_file_size_limit --nocapture --test-threads 1")
        .arg(std::env::current_exe().unwrap())
        .env(TRAIN_UNDER_LIMIT, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && report.contains("test result: ok. 1 passed"),
        "the child did not fail cleanly: {report}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
    assert_eq!(snapshot(&earlier), before, "the earlier run changed");
    let runs = workbench.list_runs().unwrap();
    assert_eq!(runs.len(), 2);
    let failed = runs.iter().find(|r| r.run_dir != earlier.display().to_string()).unwrap();
    assert_eq!(failed.status, RunStatus::Failed, "{}", failed.message);
    assert!(failed.message.contains("File too large"), "the reason is not given: {}", failed.message);
    for file in files_under(Path::new(&failed.run_dir)) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!plantlab_engine::atomic_file::is_temporary(&name), "a temporary was left: {}", file.display());
    }
    workbench.delete_run(&failed.run_id).unwrap();
}
