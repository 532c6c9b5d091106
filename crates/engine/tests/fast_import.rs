//! Timing of the import phases on the benchmark's kind of file (run with `--ignored`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plantlab_engine::dataset::Dataset;
use plantlab_engine::import::import;
use plantlab_engine::quality::QualityThresholds;
use plantlab_engine::JobContext;
use plantlab_protocol::ImportOverrides;

#[test]
#[ignore = "a timing run on a large generated file"]
fn time_load_and_profile_phases() {
    let rows: usize = std::env::var("PLANTLAB_TIMING_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    // PLANTLAB_TIMING_FILE keeps the generated file (to measure a binary's memory on it).
    let path = std::env::var_os("PLANTLAB_TIMING_FILE").map_or_else(|| dir.path().join("wide.csv"), std::path::PathBuf::from);
    let out = std::fs::File::create(&path).expect("create");
    plantlab_engine::generate::wide_numeric_csv(out, rows, 50, 7).expect("generate");
    let runs: usize = std::env::var("PLANTLAB_TIMING_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for run in 0..runs {
        let start = std::time::Instant::now();
        let imported = import(&path, &ImportOverrides::default(), &JobContext::detached()).expect("import");
        let loaded = start.elapsed().as_secs_f64();
        let dataset = Dataset::from_import(path.display().to_string(), imported, &QualityThresholds::default(), None);
        let total = start.elapsed().as_secs_f64();
        eprintln!("run {run}: import {loaded:.3} s, profile {:.3} s, total {total:.3} s ({} rows)", total - loaded, dataset.summary().rows);
    }
}
