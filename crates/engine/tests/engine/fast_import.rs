//! Timing of the import phases on the benchmark's kind of file (run with `--ignored`).

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

/// Writes `rows` rows of 52 numbers laid out like the Tennessee Eastman files
/// (`   2.5025000e-01`, three spaces before each, no header), or the same numbers as a plain
/// comma-separated table when `csv`.
fn write_tep_like(path: &std::path::Path, rows: usize, csv: bool) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut state = 52u64;
    let mut line = Vec::with_capacity(52 * 16 + 1);
    for _ in 0..rows {
        line.clear();
        for column in 0..52 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let digits = 10_000_000 + (state >> 33) % 90_000_000;
            if csv {
                if column > 0 {
                    line.push(b',');
                }
            } else {
                line.extend_from_slice(b"   ");
            }
            let d = digits.to_string();
            line.extend_from_slice(&d.as_bytes()[..1]);
            line.push(b'.');
            line.extend_from_slice(&d.as_bytes()[1..]);
            line.extend_from_slice([&b"e-01"[..], b"e+00", b"e+01", b"e+02", b"e+03"][column % 5]);
        }
        line.push(b'\n');
        out.write_all(&line).expect("write");
    }
    out.flush().expect("flush");
}

/// Import time of the Tennessee Eastman layout (whitespace runs, scientific notation, no
/// header) next to the same numbers as a plain CSV, which the numeric parser read before the
/// whitespace layouts existed.
#[test]
#[ignore = "a timing run on large generated files"]
fn time_engineering_layout_imports() {
    let rows: usize = std::env::var("PLANTLAB_TIMING_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = std::env::var("PLANTLAB_TIMING_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir().expect("tempdir");
    for rows in [960, rows] {
        let tep = dir.path().join("tep_like.dat");
        let csv = dir.path().join("tep_like.csv");
        write_tep_like(&tep, rows, false);
        write_tep_like(&csv, rows, true);
        let mut shapes = Vec::new();
        for (name, path) in [("whitespace", &tep), ("csv", &csv)] {
            let mut best = f64::INFINITY;
            for _ in 0..runs {
                let start = std::time::Instant::now();
                let imported = import(path, &ImportOverrides::default(), &JobContext::detached()).expect("import");
                best = best.min(start.elapsed().as_secs_f64());
                shapes.push(imported.frame.shape());
            }
            let mb = std::fs::metadata(path).expect("size").len() as f64 / 1e6;
            eprintln!("{rows} rows × 52, {name}: {mb:.1} MB, import best of {runs}: {:.4} s ({:.0} MB/s)", best, mb / best);
        }
        assert!(shapes.iter().all(|&s| s == (rows, 52)), "{shapes:?}");
        // The share of the whitespace import spent rewriting it into tab-separated rows.
        let bytes = std::fs::read(&tep).expect("read");
        let mut best = f64::INFINITY;
        for _ in 0..runs {
            let mut copy = bytes.clone();
            let start = std::time::Instant::now();
            plantlab_sniff::spaced::rewrite_whitespace(&mut copy, '.');
            best = best.min(start.elapsed().as_secs_f64());
        }
        eprintln!("{rows} rows × 52, whitespace rewrite alone, best of {runs}: {best:.4} s");
        if std::env::var_os("PLANTLAB_TIMING_TSV").is_some() {
            let mut copy = bytes.clone();
            plantlab_sniff::spaced::rewrite_whitespace(&mut copy, '.');
            let tsv = dir.path().join("rewritten.tsv");
            std::fs::write(&tsv, &copy).expect("write");
            let start = std::time::Instant::now();
            let imported = import(&tsv, &ImportOverrides::default(), &JobContext::detached()).expect("import");
            eprintln!("{rows} rows × 52, the rewritten text as a file: {:.4} s {:?}", start.elapsed().as_secs_f64(), imported.frame.shape());
        }
    }
}
