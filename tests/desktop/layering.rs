//! The dependency rules from ARCHITECTURE.md, checked on the resolved dependency graph
//! (`cargo metadata`), so a stray import fails the build's tests rather than a review.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

const HOST: &str = "x86_64-unknown-linux-gnu";
const WEB: &str = "wasm32-unknown-unknown";

/// The resolved graph for one target platform (the UI ships for wasm32, tests run on the host).
fn metadata_for(platform: &str) -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", platform])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    // Offline so the test never reaches the network; the metadata of every platform's crates must
    // then be in the cargo cache, which `cargo fetch --locked` (run by scripts/test-all.sh) ensures.
    assert!(
        out.status.success(),
        "cargo metadata failed (run `cargo fetch --locked` first so every platform's crates are in the cache): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata is JSON")
}

/// Names of every package `root` depends on, transitively, through normal (non-dev)
/// dependencies, for any target platform.
fn normal_closure(meta: &Value, root: &str) -> BTreeSet<String> {
    let packages: HashMap<&str, &str> =
        meta["packages"].as_array().expect("packages").iter().map(|p| (p["id"].as_str().expect("id"), p["name"].as_str().expect("name"))).collect();
    let nodes: HashMap<&str, &Value> =
        meta["resolve"]["nodes"].as_array().expect("nodes").iter().map(|n| (n["id"].as_str().expect("id"), n)).collect();
    let root_id = packages.iter().find(|(_, name)| **name == root).map(|(id, _)| *id).expect("root package");
    let mut seen = BTreeSet::new();
    let mut stack = vec![root_id];
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().expect("pkg");
            if normal && seen.insert(packages[dep_id].to_owned()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

fn offenders(closure: &BTreeSet<String>, forbidden_prefixes: &[&str]) -> Vec<String> {
    closure.iter().filter(|name| forbidden_prefixes.iter().any(|p| name.starts_with(p))).cloned().collect()
}

#[test]
fn engine_knows_nothing_of_tauri_or_egui() {
    let closure = normal_closure(&metadata_for(HOST), "plantlab-engine");
    assert!(closure.contains("polars"), "sanity: the engine uses polars");
    let bad = offenders(&closure, &["tauri", "egui", "eframe", "wry", "rfd", "plantlab-ui", "plantlab-desktop"]);
    assert!(bad.is_empty(), "engine depends on {bad:?}");
}

#[test]
fn ui_knows_nothing_of_polars_burn_or_tauri() {
    for platform in [HOST, WEB] {
        let closure = normal_closure(&metadata_for(platform), "plantlab-ui");
        assert!(closure.contains("egui"), "sanity: the ui uses egui");
        let bad = offenders(&closure, &["polars", "burn", "tauri", "wry", "plantlab-engine", "plantlab-desktop"]);
        assert!(bad.is_empty(), "ui for {platform} depends on {bad:?}");
    }
}

#[test]
fn protocol_and_sniff_stay_small_and_cli_skips_the_shell() {
    let meta = metadata_for(HOST);
    let protocol = normal_closure(&meta, "plantlab-protocol");
    let bad = offenders(&protocol, &["polars", "burn", "tauri", "egui", "plantlab-"]);
    assert!(bad.is_empty(), "protocol depends on {bad:?}");
    let sniff = normal_closure(&meta, "plantlab-sniff");
    let bad = offenders(&sniff, &["polars", "burn", "tauri", "egui", "plantlab-"]);
    assert!(bad.is_empty(), "sniff (fuzzed on its own) depends on {bad:?}");
    let cli = normal_closure(&meta, "plantlab-cli");
    let bad = offenders(&cli, &["tauri", "egui", "eframe", "plantlab-ui", "plantlab-desktop"]);
    assert!(bad.is_empty(), "cli depends on {bad:?}");
}

#[test]
fn model_crate_takes_tensors_not_dataframes() {
    let closure = normal_closure(&metadata_for(HOST), "plantlab-model");
    assert!(closure.contains("burn"), "sanity: the model crate uses burn");
    let bad = offenders(&closure, &["polars", "tauri", "egui", "eframe", "plantlab-engine", "plantlab-ui", "plantlab-desktop"]);
    assert!(bad.is_empty(), "model depends on {bad:?}");
}
