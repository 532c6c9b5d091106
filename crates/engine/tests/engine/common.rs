//! Helpers shared by several test modules.

use std::io::Write;
use std::path::{Path, PathBuf};

use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ImportOverrides, ModelKind, TrainConfig};

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// A small plant export: temperature, pressure, a text state and a 0/1 `fault` label that
/// follows the temperature.
fn write_csv(path: &Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "temperature,pressure,state,fault").unwrap();
    for i in 0..rows {
        let t = 50.0 + ((i * 37) % 100) as f64 * 0.3;
        let p = 2.0 + ((i * 11) % 17) as f64 * 0.1;
        let state = ["on", "off", "purge"][i % 3];
        writeln!(out, "{t},{p},{state},{}", u8::from(t > 72.0)).unwrap();
    }
}

/// A workbench with `rows` rows of that export loaded and its runs kept in the returned
/// temporary folder.
pub fn workbench_with_data(rows: usize) -> (tempfile::TempDir, Workbench) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("plant.csv");
    write_csv(&csv, rows);
    let workbench = Workbench::with_runs_root(dir.path().join("runs"));
    workbench.load(&csv, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    (dir, workbench)
}

/// Training on that export's `fault` label with `model` for `epochs` epochs.
pub fn config(model: ModelKind, epochs: u32) -> TrainConfig {
    TrainConfig { target: "fault".into(), model, epochs, ..TrainConfig::default() }
}
