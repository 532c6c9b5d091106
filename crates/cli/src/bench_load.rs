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
use crate::i18n::tr_with;
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

/// Runs one peer once; its script prints `{"seconds": …, "<library>": "<version>"}`.
fn run_peer(peer: &LoadPeer, file: &Path) -> Result<(f64, Option<String>), String> {
    let library = peer.library.name();
    let out = std::process::Command::new(&peer.python)
        .arg(script(peer.library))
        .arg(file)
        .output()
        .map_err(|e| format!("{library} peer not run ({}: {e})", peer.python))?;
    if !out.status.success() {
        return Err(format!("{library} peer failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")));
    }
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{library} script printed no JSON ({e})"))?;
    let seconds = answer["seconds"].as_f64().ok_or_else(|| format!("{library} script gave no time"))?;
    Ok((seconds, answer[library].as_str().map(str::to_owned)))
}

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
    eprintln!("generating {rows} rows × {tags} tags into {}", file.display());
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
        eprintln!("run {}: plantlab load + profile {seconds:.2} s ({} rows, {} findings)", run + 1, report.rows, report.findings.len());
        ours.push(seconds);
        for peer in theirs.iter_mut().filter(|p| p.error.is_none()) {
            match run_peer(&peer.peer, &file) {
                Ok((s, version)) => {
                    eprintln!("run {}: {} {} {s:.2} s", run + 1, peer.peer.library.name(), version.as_deref().unwrap_or("?"));
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
    let label = |p: &PeerJson| format!("{} {}", p.library, p.version.as_deref().unwrap_or("(version unknown)"));
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
            fastest_peer: fastest.map(label),
            speedup_vs_fastest: fastest.and_then(|p| p.speedup),
            peers,
        })?;
    } else {
        println!("load + profile, {rows} rows × {tags} tags ({size_mb:.0} MB CSV), best of {runs}:");
        println!("  plantlab        {ours_best:>7.2} s");
        for peer in &peers {
            match (peer.best_s, &peer.error) {
                (Some(s), _) => println!("  {:<15} {s:>7.2} s   plantlab is {:.1}× faster", label(peer), s / ours_best),
                (None, Some(e)) => println!("  {:<15} not measured: {e}", peer.library),
                (None, None) => println!("  {:<15} not measured", peer.library),
            }
        }
        if let Some(p) = fastest {
            println!("  fastest peer: {}", label(p));
        }
    }
    Ok(())
}
