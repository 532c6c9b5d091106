//! `plantlab bench load`: generate a wide CSV, time load + profile here, then each peer (pandas
//! or Python polars, read + describe + missing counts) on the same file in the same runs. Runs
//! alternate between PlantLab and the peers, so a machine that slows down slows all of them;
//! the best of each is reported, with each peer's library version.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::ImportOverrides;
use serde::Serialize;

use crate::args::{BenchLoadArgs, LoadPeer, LoadPeerLibrary};
use crate::i18n::{pad_end, tr, tr_with};
use crate::json_out::print_json;
use plantlab_i18n::Arg;

/// One peer's figures (`bench load --json`, `peers`).
#[derive(Serialize)]
struct PeerJson {
    library: &'static str,
    /// The library's version as the peer script reported it.
    version: Option<String>,
    python: String,
    best_s: Option<f64>,
    /// Peer time / PlantLab time (above 1: PlantLab is faster).
    speedup: Option<f64>,
    error: Option<String>,
}

/// `bench load --json`.
#[derive(Serialize)]
struct BenchLoadJson {
    workload: &'static str,
    rows: usize,
    tags: usize,
    file_mb: f64,
    runs: usize,
    plantlab_s: f64,
    /// The fastest pandas peer (kept from the layout with one pandas peer).
    pandas_s: Option<f64>,
    speedup: Option<f64>,
    note: Option<String>,
    peers: Vec<PeerJson>,
    /// The fastest peer that ran, by name and version.
    fastest_peer: Option<String>,
    speedup_vs_fastest: Option<f64>,
}

struct PeerRuns {
    peer: LoadPeer,
    seconds: Vec<f64>,
    version: Option<String>,
    error: Option<String>,
}

fn script(library: LoadPeerLibrary) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench").join(format!("{}_load.py", library.name()))
}

/// Runs one peer once; its script prints `{"seconds": …, "<library>": "<version>"}`. Why it
/// did not run is in the chosen language (`--json` carries it as the peer's `error`).
fn run_peer(peer: &LoadPeer, file: &Path) -> Result<(f64, Option<String>), String> {
    let library = peer.library.name();
    let out = std::process::Command::new(&peer.python).arg(script(peer.library)).arg(file).output().map_err(|e| {
        tr_with(
            "cli-bench-peer-not-run",
            &[("library", Arg::from(library)), ("python", Arg::from(&peer.python)), ("reason", Arg::from(e.to_string()))],
        )
    })?;
    if !out.status.success() {
        let reason = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").to_owned();
        return Err(tr_with("cli-bench-peer-failed", &[("library", Arg::from(library)), ("reason", Arg::from(reason))]));
    }
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| tr_with("cli-bench-peer-no-json", &[("library", Arg::from(library)), ("reason", Arg::from(e.to_string()))]))?;
    let seconds = answer["seconds"].as_f64().ok_or_else(|| tr_with("cli-bench-peer-no-time", &[("library", Arg::from(library))]))?;
    Ok((seconds, answer[library].as_str().map(str::to_owned)))
}

/// "generating N rows × T tags into FILE", on stderr before a benchmark on a generated table.
pub(crate) fn generating(rows: usize, tags: usize, file: &Path) {
    let args = [("rows", Arg::from(rows.to_string())), ("tags", Arg::from(tags.to_string())), ("path", Arg::from(file.display().to_string()))];
    eprintln!("{}", tr_with("cli-bench-generating", &args));
}

/// `seconds` as the benchmarks print them ("  1.23 s"), the number formatted by the caller.
pub(crate) fn seconds(seconds: String) -> String {
    tr_with("cli-bench-seconds", &[("seconds", Arg::from(seconds))])
}

/// A peer that reported no version, in `--json`'s `fastest_peer`.
const VERSION_UNKNOWN: &str = "(version unknown)";

fn best(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::min)
}

pub fn run(args: &BenchLoadArgs) -> Result<()> {
    let peers: Vec<LoadPeer> =
        if args.peer.is_empty() { vec![LoadPeer { library: LoadPeerLibrary::Pandas, python: args.python.clone() }] } else { args.peer.clone() };
    let (rows, tags, runs) = (args.rows, args.tags, args.runs);
    let dir = std::env::temp_dir().join(format!("plantlab-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("wide_{rows}x{tags}.csv"));
    generating(rows, tags, &file);
    let out = std::io::BufWriter::new(
        std::fs::File::create(&file).with_context(|| tr_with("cli-cannot-write", &[("path", Arg::from(file.display().to_string()))]))?,
    );
    plantlab_engine::generate::wide_numeric_csv(out, rows, tags, 7)?;
    let size_mb = std::fs::metadata(&file)?.len() as f64 / 1e6;

    let mut ours = Vec::new();
    let mut theirs: Vec<PeerRuns> = peers.into_iter().map(|peer| PeerRuns { peer, seconds: Vec::new(), version: None, error: None }).collect();
    for run in 0..runs {
        let start = std::time::Instant::now();
        let report = Workbench::new().profile(&file, &ImportOverrides::default(), None, &JobContext::detached())?;
        let seconds = start.elapsed().as_secs_f64();
        let args = [
            ("run", Arg::from((run + 1).to_string())),
            ("seconds", Arg::from(format!("{seconds:.2}"))),
            ("rows", Arg::from(report.rows.to_string())),
            ("findings", Arg::from(report.findings.len().to_string())),
        ];
        eprintln!("{}", tr_with("cli-bench-load-run", &args));
        ours.push(seconds);
        for peer in theirs.iter_mut().filter(|p| p.error.is_none()) {
            match run_peer(&peer.peer, &file) {
                Ok((s, version)) => {
                    let args = [
                        ("run", Arg::from((run + 1).to_string())),
                        ("library", Arg::from(peer.peer.library.name())),
                        ("version", Arg::from(version.as_deref().unwrap_or("?"))),
                        ("seconds", Arg::from(format!("{s:.2}"))),
                    ];
                    eprintln!("{}", tr_with("cli-bench-load-run-peer", &args));
                    peer.seconds.push(s);
                    peer.version = version;
                }
                Err(e) => peer.error = Some(e),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ours_best = best(&ours).unwrap_or(f64::NAN);
    let peers: Vec<PeerJson> = theirs
        .iter()
        .map(|p| {
            let best_s = best(&p.seconds);
            PeerJson {
                library: p.peer.library.name(),
                version: p.version.clone(),
                python: p.peer.python.clone(),
                best_s,
                speedup: best_s.map(|s| s / ours_best),
                error: p.error.clone(),
            }
        })
        .collect();
    // `fastest_peer` in `--json` names the peer in English, as scripts compare it.
    let json_label = |p: &PeerJson| format!("{} {}", p.library, p.version.as_deref().unwrap_or(VERSION_UNKNOWN));
    let label = |p: &PeerJson| match &p.version {
        Some(version) => format!("{} {version}", p.library),
        None => tr_with("cli-bench-version-unknown", &[("library", Arg::from(p.library))]),
    };
    let fastest = peers.iter().filter(|p| p.best_s.is_some()).min_by(|a, b| a.best_s.partial_cmp(&b.best_s).unwrap_or(std::cmp::Ordering::Equal));
    let fastest_pandas = peers.iter().filter(|p| p.library == "pandas").filter_map(|p| p.best_s).reduce(f64::min);
    if args.json {
        print_json(&BenchLoadJson {
            workload: "load+profile",
            rows,
            tags,
            file_mb: size_mb,
            runs,
            plantlab_s: ours_best,
            pandas_s: fastest_pandas,
            speedup: fastest_pandas.map(|s| s / ours_best),
            note: peers.iter().find_map(|p| p.error.clone()),
            fastest_peer: fastest.map(json_label),
            speedup_vs_fastest: fastest.and_then(|p| p.speedup),
            peers,
        })?;
    } else {
        let heading = [
            ("rows", Arg::from(rows.to_string())),
            ("tags", Arg::from(tags.to_string())),
            ("megabytes", Arg::from(format!("{size_mb:.0}"))),
            ("runs", Arg::from(runs.to_string())),
        ];
        println!("{}", tr_with("cli-bench-load-heading", &heading));
        println!("  {} {}", pad_end("plantlab", 15), seconds(format!("{ours_best:>7.2}")));
        for peer in &peers {
            let result = match (peer.best_s, &peer.error) {
                (Some(s), _) => {
                    let faster = tr_with("cli-bench-load-faster", &[("speedup", Arg::from(format!("{:.1}", s / ours_best)))]);
                    println!("  {} {}   {faster}", pad_end(&label(peer), 15), seconds(format!("{s:>7.2}")));
                    continue;
                }
                (None, Some(e)) => tr_with("cli-bench-not-measured-because", &[("reason", Arg::from(e))]),
                (None, None) => tr("cli-bench-not-measured"),
            };
            println!("  {} {result}", pad_end(peer.library, 15));
        }
        if let Some(p) = fastest {
            println!("  {}", tr_with("cli-bench-fastest-peer", &[("peer", Arg::from(label(p)))]));
        }
    }
    Ok(())
}
