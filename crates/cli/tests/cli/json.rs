//! The `--json` outputs the other modules do not reach: the quality report, a suggested
//! recipe, the small benchmarks, and the generated export read back. Each carries
//! `schema_version` and its fields.

use std::process::Output;

use serde_json::Value;

use super::{plantlab, sample};

fn versioned_json(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["schema_version"], 1, "schema_version in {json}");
    json
}

#[test]
fn profile_and_suggest_print_versioned_json() {
    let data = sample();
    let data = data.to_str().unwrap();
    let report = versioned_json(&plantlab(&["profile", data, "--label", "Machine failure", "--json"]));
    assert_eq!(report["rows"], 10_000);
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()), "{report}");
    assert!(report["columns"].as_array().is_some_and(|c| c.len() == 14));

    let dir = tempfile::tempdir().unwrap();
    let recipe = dir.path().join("recipe.json");
    let suggested = versioned_json(&plantlab(&["clean", data, "--suggest", "-o", recipe.to_str().unwrap(), "--label", "Machine failure", "--json"]));
    assert_eq!(suggested["recipe"], recipe.to_str().unwrap());
    assert!(suggested["steps"].as_array().is_some_and(|s| !s.is_empty() && s.iter().all(|s| s["op"].is_string() && s["description"].is_string())));
    assert_eq!(suggested["rows_in"], 10_000);
    assert!(suggested["gate"]["passed"].is_boolean() && suggested["gate"]["checks"].is_array(), "{suggested}");
    assert!(recipe.is_file());
}

#[test]
fn small_benchmarks_print_versioned_json() {
    let clean = versioned_json(&plantlab(&["bench", "clean", "--rows", "3000", "--tags", "2", "--runs", "1", "--json"]));
    assert_eq!(clean["workload"], "clean");
    assert_eq!(clean["rows"], 3000);
    assert_eq!(clean["history_steps"], 5);
    assert_eq!(clean["previews"].as_array().map(Vec::len), Some(3));
    assert!(clean["full_recompute_s"].as_f64().is_some_and(|s| s >= 0.0));

    // Without a Python interpreter the pandas peer is not run, and the output says why.
    let load = versioned_json(&plantlab(&["bench", "load", "--rows", "2000", "--tags", "2", "--runs", "1", "--python", "/no/such/python", "--json"]));
    assert_eq!(load["workload"], "load+profile");
    assert!(load["plantlab_s"].as_f64().is_some_and(|s| s > 0.0));
    assert!(load["pandas_s"].is_null() && load["speedup"].is_null());
    assert!(load["note"].as_str().is_some_and(|n| n.contains("/no/such/python")), "{load}");
    // Several peers, each with its own result; one that cannot run does not stop the others.
    let peers = versioned_json(&plantlab(&[
        "bench",
        "load",
        "--rows",
        "2000",
        "--tags",
        "2",
        "--runs",
        "1",
        "--peer",
        "polars=/no/such/python",
        "--peer",
        "pandas=/no/such/python2",
        "--json",
    ]));
    assert_eq!(peers["peers"][0]["library"], "polars");
    assert!(peers["peers"][0]["error"].as_str().is_some_and(|e| e.contains("/no/such/python")), "{peers}");
    assert!(peers["peers"][1]["error"].as_str().is_some_and(|e| e.contains("/no/such/python2")), "{peers}");
    assert!(peers["fastest_peer"].is_null() && peers["speedup_vs_fastest"].is_null());

    let train = versioned_json(&plantlab(&["bench", "train", "--n", "64", "--batch", "32", "--json"]));
    assert_eq!(train["workload"], "w1");
    assert_eq!(train["n"], 64);
    assert!(train["samples_per_s"].as_f64().is_some_and(|s| s > 0.0));
    assert!(train["peers"].as_object().is_some_and(serde_json::Map::is_empty), "no peers without --python: {train}");
    // A failed peer is an entry with its error, not a failure of the benchmark.
    let peers = versioned_json(&plantlab(&["bench", "train", "--n", "64", "--python", "/no/such/python", "--json"]));
    assert!(peers["peers"]["pytorch"]["error"].as_str().is_some_and(|e| e.contains("/no/such/python")), "{peers}");
}

#[test]
fn the_generated_export_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pump.csv");
    let out = plantlab(&["generate", "pump-station", "-o", file.to_str().unwrap(), "--seed", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let info = versioned_json(&plantlab(&["info", file.to_str().unwrap(), "--json"]));
    assert!(info["rows"].as_u64().is_some_and(|r| r > 40_000), "a month of minutes: {info}");
}
