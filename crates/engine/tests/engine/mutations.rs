//! Files from other people's machines, damaged on purpose: real .xlsx and Parquet files,
//! recipes and model bundles (classifier and normal-operation) mutated thousands of ways with a
//! seeded generator, each opened and used the way the app would. Every one must load, or end
//! in a one-line error that is not an internal one; a panic (caught or not), a hang or an
//! allocation abort fails the test. The same entry points are fuzz targets under `fuzz/`; this
//! is their short, deterministic run for every test run.

use std::path::Path;
use std::time::{Duration, Instant};

use plantlab_engine::{EngineError, JobContext, Workbench};
use plantlab_protocol::{
    CleanAction, CleanStep, FillMethod, ImportOverrides, ModelKind, NormalPeriod, NormalPredictRequest, NormalTrainRequest, OutlierAction,
    OutlierMethod, PredictRequest, SequenceMode, TrainConfig,
};
use serde_json::Value;

use crate::common::{config, workbench_with_data};
use crate::hardening::xlsx_with_cells;

/// Mutated cases per format (a few seconds each on one core).
const CASES: usize = 2_000;

/// xorshift64*, seeded per format so a failure names the case that repeats it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that change how a reader parses: delimiters, quotes, digits, signs, markup.
const INTERESTING_BYTES: &[u8] = b"\0\xff\x7f\"',;\t\n\r<>/=0-9e.E+-";

/// One to four byte-level mutations: a bit flipped, a byte replaced, a span deleted,
/// duplicated or moved, or the end cut off.
fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            bytes.push(INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())]);
            continue;
        }
        let at = rng.below(bytes.len());
        let span = 1 + rng.below(64.min(bytes.len() - at));
        match rng.below(6) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())],
            2 => {
                bytes.drain(at..at + span);
            }
            3 => {
                let copy = bytes[at..at + span].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, copy);
            }
            4 => bytes.truncate(at),
            _ => {
                let digits = ["9999999999", "-1", "1e308", "NaN", "4294967296", "0"][rng.below(6)];
                bytes.splice(at..at, digits.bytes());
            }
        }
    }
}

/// Values that break assumptions: zero, negatives, huge numbers, wrong types, emptiness.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => Value::from(0),
        1 => Value::from(-1),
        2 => Value::from(u64::MAX),
        3 => Value::from(1u64 << 40),
        4 => Value::from(1e308),
        5 => Value::from(-1e308),
        6 => Value::from(""),
        7 => Value::from("x"),
        8 => Value::Array(Vec::new()),
        9 => Value::Object(serde_json::Map::new()),
        10 => Value::Null,
        _ => Value::from(true),
    }
}

/// Every path to a value inside `value` (object keys and array indices).
fn paths(value: &Value, prefix: &mut Vec<PathPart>, out: &mut Vec<Vec<PathPart>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(PathPart::Key(key.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        // Long arrays (weights, bins) are sampled, not walked whole.
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate().take(8) {
                prefix.push(PathPart::Index(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathPart {
    Key(String),
    Index(usize),
}

fn at_path<'a>(value: &'a mut Value, path: &[PathPart]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, part| match part {
        PathPart::Key(k) => v.get_mut(k.as_str()),
        PathPart::Index(i) => v.get_mut(*i),
    })
}

/// One to three structural mutations of a JSON document: a value replaced by an odd one, a key
/// removed, an array emptied, cut short or with an element repeated, a number scaled.
fn mutate_json(rng: &mut Rng, doc: &mut Value) {
    for _ in 0..1 + rng.below(3) {
        let mut all = Vec::new();
        paths(doc, &mut Vec::new(), &mut all);
        let path = all[rng.below(all.len())].clone();
        if let (Some(PathPart::Key(key)), true) = (path.last(), rng.below(5) == 0) {
            if let Some(Value::Object(parent)) = at_path(doc, &path[..path.len() - 1]) {
                parent.remove(key);
            }
            continue;
        }
        let Some(target) = at_path(doc, &path) else { continue };
        match target {
            Value::Array(items) if !items.is_empty() && rng.below(2) == 0 => match rng.below(3) {
                0 => items.clear(),
                1 => items.truncate(rng.below(items.len())),
                _ => {
                    let repeated = items[rng.below(items.len())].clone();
                    items.push(repeated);
                }
            },
            // Mostly a value of the same type, so the document still reads and the checks
            // behind the parser are reached; sometimes any odd value.
            Value::Number(n) if rng.below(4) != 0 => {
                let (x, unsigned) = (n.as_f64().unwrap_or(1.0), n.is_u64());
                *target = match rng.below(3) {
                    0 => odd_value(rng),
                    _ => {
                        let factor = [-1.0, 0.0, 1000.0, 1e-9, 1e12, 0.5][rng.below(6)];
                        serde_json::Number::from_f64(x * factor).map_or(Value::Null, Value::Number)
                    }
                };
                if unsigned && target.as_f64().is_some_and(|v| v >= 0.0 && v.fract() == 0.0 && v < 1.8e19) {
                    *target = Value::from(target.as_f64().unwrap_or(0.0) as u64);
                }
            }
            // Numbers written as text (floats kept exactly, NaN included) get odd numbers.
            Value::String(text) if text.parse::<f64>().is_ok() && rng.below(4) != 0 => {
                *text = ["0", "-1", "1e308", "-1e308", "NaN", "inf", "-inf", "5e-324", "4294967296"][rng.below(9)].to_string();
            }
            Value::String(text) if rng.below(4) != 0 => {
                *text = match rng.below(3) {
                    0 => String::new(),
                    1 => text.chars().rev().collect(),
                    _ => text.repeat(3),
                };
            }
            Value::Bool(flag) if rng.below(4) != 0 => *flag = !*flag,
            _ => *target = odd_value(rng),
        }
    }
}

/// Runs `case` on a watchdog: the outcome must be `Ok` or a clear error, within 20 s.
fn check_outcome(what: &str, case: usize, started: Instant, outcome: Result<(), EngineError>) -> bool {
    assert!(started.elapsed() < Duration::from_secs(20), "{what} case {case} took {:?}", started.elapsed());
    match outcome {
        Ok(()) => true,
        Err(err) => {
            let message = err.to_string();
            assert_ne!(err.code(), "internal", "{what} case {case}: {message}");
            assert!(!message.contains("panicked") && !message.contains('\n') && message.len() > 10, "{what} case {case}: unclear {message:?}");
            false
        }
    }
}

/// Counts for the summary line each test prints.
struct Tally {
    what: &'static str,
    loaded: usize,
    refused: usize,
    started: Instant,
}

impl Tally {
    fn new(what: &'static str) -> Self {
        Tally { what, loaded: 0, refused: 0, started: Instant::now() }
    }

    fn add(&mut self, case: usize, started: Instant, outcome: Result<(), EngineError>) {
        if check_outcome(self.what, case, started, outcome) {
            self.loaded += 1;
        } else {
            self.refused += 1;
        }
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        println!(
            "{}: {} mutated files, {} loaded, {} refused clearly, {:.1} s",
            self.what,
            self.loaded + self.refused,
            self.loaded,
            self.refused,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// With `PLANTLAB_FUZZ_SEEDS` set (`scripts/fuzz-smoke.sh` sets it), the unmutated files are
/// kept there as the fuzz targets' seeds, one folder per target.
fn keep_seed(target: &str, name: &str, bytes: &[u8]) {
    if let Some(root) = std::env::var_os("PLANTLAB_FUZZ_SEEDS") {
        let folder = Path::new(&root).join(target);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(name), bytes).unwrap();
    }
}

fn load(path: &Path) -> Result<(), EngineError> {
    Workbench::new().load(path, &ImportOverrides::default(), &JobContext::detached()).map(|_| ())
}

#[test]
fn mutated_xlsx_workbooks_load_or_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (1..=40)
        .map(|r| {
            let label = if r == 1 {
                r#"<c r="C1" t="inlineStr"><is><t>state</t></is></c>"#.to_string()
            } else {
                format!(r#"<c r="C{r}"><v>{}</v></c>"#, r % 2)
            };
            format!(r#"<row r="{r}"><c r="A{r}"><v>{}</v></c><c r="B{r}"><v>{}.5</v></c>{label}</row>"#, r * 3, r)
        })
        .collect();
    keep_seed("xlsx", "plant.xlsx", &xlsx_with_cells(&rows, "A1:C40"));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tally = Tally::new("xlsx");
    let path = dir.path().join("mutated.xlsx");
    for case in 0..CASES {
        // The sheet's XML is mutated inside a well-formed archive (checksums right), so the
        // reader gets past the zip layer; every fourth case damages the archive itself.
        let mut sheet = rows.clone().into_bytes();
        let mut dimension = b"A1:C40".to_vec();
        if rng.below(4) == 0 {
            mutate_bytes(&mut rng, &mut dimension);
        } else {
            mutate_bytes(&mut rng, &mut sheet);
        }
        let mut bytes = xlsx_with_cells(&String::from_utf8_lossy(&sheet), &String::from_utf8_lossy(&dimension));
        if rng.below(4) == 0 {
            mutate_bytes(&mut rng, &mut bytes);
        }
        std::fs::write(&path, &bytes).unwrap();
        let started = Instant::now();
        tally.add(case, started, load(&path));
    }
    assert!(tally.loaded > 0 && tally.refused > 0, "the mutations never or always broke the file");
}

#[test]
fn mutated_parquet_files_load_or_fail_clearly() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let mut frame = df!(
        "time" => (0..500i64).map(|i| 1_700_000_000_000 + i * 60_000).collect::<Vec<_>>(),
        "flow" => (0..500).map(|i| f64::from(i) * 0.5).collect::<Vec<_>>(),
        "state" => (0..500).map(|i| ["run", "stop"][i % 2]).collect::<Vec<_>>(),
        "fault" => (0..500).map(|i| i32::from(i % 7 == 0)).collect::<Vec<_>>()
    )
    .unwrap();
    let mut original = Vec::new();
    ParquetWriter::new(&mut original).finish(&mut frame).unwrap();
    keep_seed("parquet", "plant.parquet", &original);
    let mut rng = Rng(0xd1b5_4a32_d192_ed03);
    let mut tally = Tally::new("parquet");
    let path = dir.path().join("mutated.parquet");
    for case in 0..CASES {
        let mut bytes = original.clone();
        mutate_bytes(&mut rng, &mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let started = Instant::now();
        tally.add(case, started, load(&path));
    }
    assert!(tally.refused > 0, "no mutation broke the file");
}

#[test]
fn a_parquet_footer_declaring_billions_of_row_groups_is_refused_before_polars_reserves_room() {
    // Found by the `parquet` fuzz target: 1,154 bytes that made polars reserve 8 GB for the
    // row-group list its footer declares (an abort where memory is not overcommitted).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/data/fuzzed-footer-8gb.parquet");
    let err = load(&path).unwrap_err();
    assert_eq!(err.code(), "parse_error", "{err}");
    assert!(err.to_string().contains("not a readable Parquet file (its footer"), "{err}");
}

#[test]
fn a_parquet_footer_hiding_a_huge_list_behind_a_mistyped_field_is_refused() {
    // Found by the `parquet` fuzz target: 1,203 bytes whose footer declares the version field
    // as binary; polars reads it as the integer it expects, lands inside that "binary" and
    // reads a row-group list there that asked for 8 GB, which a plain Thrift walk never sees.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/data/fuzzed-footer-mistyped-field.parquet");
    let err = load(&path).unwrap_err();
    assert_eq!(err.code(), "parse_error", "{err}");
    assert!(err.to_string().contains("not a readable Parquet file (its footer declares field 1 of FileMetaData as Thrift type 8"), "{err}");
}

#[test]
fn mutated_recipes_replay_or_fail_clearly() {
    let (dir, workbench) = workbench_with_data(300);
    // A recipe with a step of each common kind, fitted on the data.
    for step in [
        CleanStep::Fill { columns: vec!["temperature".into()], method: FillMethod::Interpolate { limit: Some(5) } },
        CleanStep::Outliers { columns: vec!["pressure".into()], method: OutlierMethod::Hampel { window: 5, k: 3.0 }, action: OutlierAction::Clip },
        CleanStep::Drop { columns: vec!["state".into()] },
    ] {
        workbench.clean(CleanAction::Apply { step }, &JobContext::detached()).unwrap();
    }
    let recipe_path = dir.path().join("recipe.plrecipe");
    workbench.save_recipe(&recipe_path).unwrap();
    keep_seed("recipe", "plant.plrecipe", &std::fs::read(&recipe_path).unwrap());
    let original: Value = serde_json::from_slice(&std::fs::read(&recipe_path).unwrap()).unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut tally = Tally::new("recipes");
    let path = dir.path().join("mutated.plrecipe");
    for case in 0..CASES {
        let bytes = if rng.below(4) == 0 {
            let mut bytes = serde_json::to_vec_pretty(&original).unwrap();
            mutate_bytes(&mut rng, &mut bytes);
            bytes
        } else {
            let mut doc = original.clone();
            mutate_json(&mut rng, &mut doc);
            serde_json::to_vec_pretty(&doc).unwrap()
        };
        std::fs::write(&path, &bytes).unwrap();
        let started = Instant::now();
        tally.add(case, started, workbench.load_recipe(&path, &JobContext::detached()).map(|_| ()));
    }
    assert!(tally.loaded > 0 && tally.refused > 0, "the mutations never or always broke the recipe");
}

#[test]
fn mutated_model_bundles_open_and_predict_or_fail_clearly() {
    let (dir, workbench) = workbench_with_data(300);
    let data = dir.path().join("plant.csv");
    let mut originals = Vec::new();
    for (model, mode) in [(ModelKind::Seed, SequenceMode::Row), (ModelKind::Transformer, SequenceMode::Window { window: 4, stride: 1 })] {
        let mut cfg = config(model, 1);
        (cfg.embedding_dim, cfg.hidden, cfg.mode) = (8, 8, mode);
        let run = workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).unwrap();
        let path = dir.path().join(format!("{}.plmodel", model.as_str()));
        workbench.export_bundle(&run.run_id, &path, None).unwrap();
        keep_seed("bundle", &format!("{}.plmodel", model.as_str()), &std::fs::read(&path).unwrap());
        originals.push(serde_json::from_slice::<Value>(&std::fs::read(&path).unwrap()).unwrap());
    }
    // Trees with window features: their weights are the trees as JSON, mutated too.
    let trees_config = TrainConfig {
        feature_window: Some(3),
        trees: plantlab_protocol::TreeSettings { rounds: 5, max_leaves: 4, ..Default::default() },
        ..config(ModelKind::Trees, 1)
    };
    let run = workbench.train(&trees_config, &JobContext::detached(), &mut |_| {}).unwrap();
    let trees_path = dir.path().join("trees.plmodel");
    workbench.export_bundle(&run.run_id, &trees_path, None).unwrap();
    keep_seed("bundle", "trees.plmodel", &std::fs::read(&trees_path).unwrap());
    originals.push(serde_json::from_slice::<Value>(&std::fs::read(&trees_path).unwrap()).unwrap());
    let mut rng = Rng(0x6a09_e667_f3bc_c908);
    let mut tally = Tally::new("model bundles");
    let path = dir.path().join("mutated.plmodel");
    for case in 0..CASES {
        let mut doc = originals[case % originals.len()].clone();
        if doc["network"]["kind"] == "trees" && rng.below(2) == 0 {
            mutate_trees(&mut rng, &mut doc);
        } else {
            mutate_json(&mut rng, &mut doc);
        }
        // The weights checksum is kept right for half the cases, so the checks behind it run.
        if rng.below(2) == 0 {
            refresh_checksum(&mut doc);
        }
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
        let started = Instant::now();
        let request = PredictRequest { path: data.display().to_string(), bundle: path.display().to_string(), threshold: None, events: None };
        let outcome = workbench.open_bundle(&path).and_then(|_| workbench.predict(&request, &JobContext::detached()).map(|_| ()));
        tally.add(case, started, outcome);
    }
    assert!(tally.refused > 0, "no mutation broke a bundle");
}

#[test]
fn mutated_normal_operation_bundles_open_and_predict_or_fail_clearly() {
    let (dir, workbench) = workbench_with_data(600);
    let data = dir.path().join("plant.csv");
    let request =
        NormalTrainRequest { normal: NormalPeriod::LabelEquals { column: "fault".into(), value: "0".into() }, ..NormalTrainRequest::default() };
    let run = workbench.train_normal(&request, &JobContext::detached(), &mut |_| {}).unwrap();
    let bundle = dir.path().join("normal.json");
    workbench.export_normal_bundle(&run.run_id, &bundle).unwrap();
    keep_seed("bundle", "normal.json", &std::fs::read(&bundle).unwrap());
    let original: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let mut rng = Rng(0xbb67_ae85_84ca_a73b);
    let mut tally = Tally::new("normal-operation bundles");
    let path = dir.path().join("mutated-normal.json");
    for case in 0..CASES {
        let mut doc = original.clone();
        mutate_json(&mut rng, &mut doc);
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
        let started = Instant::now();
        let request = NormalPredictRequest { path: data.display().to_string(), bundle: path.display().to_string() };
        let outcome = workbench.open_normal_bundle(&path).and_then(|_| workbench.predict_normal(&request, &JobContext::detached()).map(|_| ()));
        tally.add(case, started, outcome);
    }
    assert!(tally.refused > 0, "no mutation broke a bundle");
}

/// Mutates the trees inside a trees bundle's weights (base64 of their JSON).
fn mutate_trees(rng: &mut Rng, doc: &mut Value) {
    use base64::Engine;
    let Some(weights) = doc.get("weights").and_then(Value::as_str) else { return };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(weights) else { return };
    let Ok(mut trees) = serde_json::from_slice::<Value>(&bytes) else { return };
    mutate_json(rng, &mut trees);
    doc["weights"] = Value::String(base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&trees).unwrap()));
}

/// Sets a bundle's weight checksum to match its (possibly mutated) weights, as a careful
/// attacker would.
fn refresh_checksum(doc: &mut Value) {
    use base64::Engine;
    let Some(weights) = doc.get("weights").and_then(Value::as_str) else { return };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(weights) else { return };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    doc["weights_checksum"] = Value::from(format!("{hash:016x}"));
}

#[test]
fn the_mutators_change_their_input() {
    let mut rng = Rng(7);
    let original = br#"{"a": [1, 2, 3], "b": {"c": "d"}}"#.to_vec();
    let (mut changed_bytes, mut changed_docs) = (0, 0);
    for _ in 0..100 {
        let mut bytes = original.clone();
        mutate_bytes(&mut rng, &mut bytes);
        changed_bytes += usize::from(bytes != original);
        let mut doc: Value = serde_json::from_slice(&original).unwrap();
        mutate_json(&mut rng, &mut doc);
        changed_docs += usize::from(doc != serde_json::from_slice::<Value>(&original).unwrap());
    }
    assert!(changed_bytes > 90 && changed_docs > 80, "{changed_bytes} {changed_docs}");
}
