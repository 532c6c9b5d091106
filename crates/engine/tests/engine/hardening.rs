//! Files that declare sizes, writes that fail half-way and a panic inside training: each must
//! end in a clear error (never an allocation abort), leave the user's files as they were and
//! leave no run "running" forever.

use std::path::PathBuf;

use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{
    CleanAction, CleanStep, FillMethod, ImportOverrides, ModelKind, OutlierAction, OutlierMethod, RunStatus, SequenceMode, TrainConfig,
};

use crate::common::{config, workbench_with_data};

fn one_line(message: &str) {
    assert!(!message.is_empty() && !message.contains('\n'), "not one line: {message:?}");
}

#[test]
fn bundles_declaring_larger_networks_than_their_weights_are_refused() {
    let (dir, workbench) = workbench_with_data(400);
    let (mut refused, mut loaded) = (0, 0);
    for model in [ModelKind::Seed, ModelKind::Mlp, ModelKind::Transformer] {
        let mut cfg = config(model, 1);
        cfg.embedding_dim = 8;
        cfg.hidden = 8;
        let summary = workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).unwrap();
        let bundle = dir.path().join(format!("{}.plmodel", model.as_str()));
        workbench.export_bundle(&summary.run_id, &bundle, None).unwrap();
        workbench.open_bundle(&bundle).unwrap();
        let original: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
        let fields = ["vocab", "embedding_dim", "hidden", "width", "steps", "per_step"];
        // Raised a little (passes the size caps: must be caught against the tokenizer or the
        // weight bytes) and raised to sizes no machine can allocate.
        for field in fields {
            for raised in [1_000u64, 1 << 40, u64::MAX] {
                let mut edited = original.clone();
                let declared = edited["network"][field].as_u64().unwrap();
                edited["network"][field] = serde_json::json!(declared.saturating_mul(raised));
                let path = dir.path().join("edited.plmodel");
                std::fs::write(&path, serde_json::to_vec(&edited).unwrap()).unwrap();
                match workbench.open_bundle(&path) {
                    Err(err) => {
                        assert_eq!(err.code(), "bad_bundle", "{model:?} {field}×{raised}: {err}");
                        one_line(&err.to_string());
                        refused += 1;
                    }
                    // A size the network does not use (the MLP's vocabulary, a token model's
                    // hidden units) changes nothing that is allocated.
                    Ok(_) => {
                        assert!(
                            matches!(
                                (model, field),
                                (ModelKind::Mlp, "vocab" | "embedding_dim" | "steps" | "per_step")
                                    | (ModelKind::Seed | ModelKind::Transformer, "hidden" | "width")
                            ) && raised == 1_000,
                            "{model:?}: {field} raised ×{raised} was accepted"
                        );
                        loaded += 1;
                    }
                }
            }
        }
    }
    assert_eq!((refused, loaded), (46, 8), "54 edited bundles");
    // A bundle larger than any real one is refused before it is read.
    let huge = dir.path().join("huge.plmodel");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len((1 << 30) + 1).unwrap();
    let err = workbench.open_bundle(&huge).err().unwrap();
    assert_eq!(err.code(), "bad_bundle", "{err}");
    assert!(err.to_string().contains("more than"), "{err}");
}

fn hampel(window: u32) -> CleanStep {
    CleanStep::Outliers { columns: vec!["temperature".into()], method: OutlierMethod::Hampel { window, k: 3.0 }, action: OutlierAction::Null }
}

#[test]
fn step_parameters_out_of_range_are_refused_when_added_and_in_recipes() {
    let (dir, workbench) = workbench_with_data(300);
    let job = JobContext::detached();
    let hostile = [
        (hampel(u32::MAX), "window"),
        (CleanStep::Fill { columns: vec!["temperature".into()], method: FillMethod::InterpolateWithin { max_gap_s: 1e300 } }, "max_gap_s"),
        (CleanStep::Fill { columns: vec!["temperature".into()], method: FillMethod::Forward { limit: Some(u32::MAX) } }, "limit"),
        (CleanStep::Fill { columns: vec!["temperature".into()], method: FillMethod::Value { value: f64::NAN } }, "value"),
        (CleanStep::Resample { interval_s: 1e-9, aggregate: plantlab_protocol::Aggregate::Mean, max_columns: Vec::new() }, "interval_s"),
        (
            CleanStep::Outliers { columns: vec!["temperature".into()], method: OutlierMethod::Iqr { k: f64::INFINITY }, action: OutlierAction::Null },
            "\"k\"",
        ),
    ];
    for (step, parameter) in &hostile {
        let err = workbench.clean(CleanAction::Apply { step: step.clone() }, &job).err().unwrap();
        let message = err.to_string();
        assert_eq!(err.code(), "bad_step", "{message}");
        assert!(message.contains(parameter) && message.contains("must be"), "{parameter}: {message}");
        one_line(&message);
    }
    // The same window inside a recipe file is refused as the file is read.
    workbench.clean(CleanAction::Apply { step: hampel(7) }, &job).unwrap();
    let recipe = dir.path().join("recipe.json");
    workbench.save_recipe(&recipe).unwrap();
    let text = std::fs::read_to_string(&recipe).unwrap();
    assert!(text.contains("\"window\": 7"), "{text}");
    std::fs::write(&recipe, text.replace("\"window\": 7", "\"window\": 4294967295")).unwrap();
    let err = workbench.load_recipe(&recipe, &job).err().unwrap();
    assert_eq!(err.code(), "bad_recipe", "{err}");
    assert!(err.to_string().contains("step 1") && err.to_string().contains("window"), "{err}");
}

#[test]
fn train_config_sizes_are_checked_by_the_engine() {
    let (_dir, workbench) = workbench_with_data(300);
    let huge = [
        TrainConfig { embedding_dim: u32::MAX, ..config(ModelKind::Seed, 1) },
        TrainConfig { hidden: u32::MAX, ..config(ModelKind::Mlp, 1) },
        TrainConfig { bins: u32::MAX, ..config(ModelKind::Seed, 1) },
        TrainConfig { mode: SequenceMode::Window { window: u32::MAX, stride: 1 }, ..config(ModelKind::Seed, 1) },
        TrainConfig { batch_size: u32::MAX, ..config(ModelKind::Seed, 1) },
    ];
    for cfg in huge {
        // Refused before a task starts, and by the foreground path too.
        let err = workbench.start_train(cfg.clone(), |_| {}).err().unwrap();
        assert_eq!(err.code(), "bad_train_config", "{err}");
        assert!(err.to_string().contains("must be between"), "{err}");
        let err = workbench.train(&cfg, &JobContext::detached(), &mut |_| {}).err().unwrap();
        assert_eq!(err.code(), "bad_train_config", "{err}");
    }
    assert!(workbench.list_runs().unwrap().is_empty(), "no run folder for a refused config");
}

#[test]
fn a_panic_inside_training_ends_the_run_as_failed() {
    let (_dir, workbench) = workbench_with_data(300);
    let mut cfg = config(ModelKind::Seed, 1);
    cfg.epochs = 3;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        workbench.train(&cfg, &JobContext::detached(), &mut |_| panic!("a planted bug in the training loop"))
    }));
    let err = outcome.expect("the panic is caught inside training").err().unwrap();
    assert!(err.to_string().contains("a planted bug"), "{err}");
    let runs = workbench.list_runs().unwrap();
    assert_eq!(runs.len(), 1);
    let detail = workbench.open_run(&runs[0].run_id).unwrap();
    let summary = detail.summary.expect("a failed run keeps a summary");
    assert_eq!(summary.status, RunStatus::Failed);
    assert!(summary.message.contains("a planted bug"), "{}", summary.message);
    // Not "running": a new run may start and the failed one may be deleted.
    workbench.delete_run(&runs[0].run_id).unwrap();
}

// --- .xlsx whose cells span the whole sheet -------------------------------------------------

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A zip archive with the entries stored (not compressed).
fn stored_zip(entries: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, text) in entries {
        let (data, offset) = (text.as_bytes(), out.len() as u32);
        let crc = crc32(data);
        let header = |sig: u32, central_entry: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central_entry {
                h.extend(20u16.to_le_bytes());
            }
            for v in [20u16, 0, 0, 0, 0] {
                h.extend(v.to_le_bytes());
            }
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if central_entry {
                for v in [0u16, 0, 0] {
                    h.extend(v.to_le_bytes());
                }
                h.extend(0u32.to_le_bytes());
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        let local = header(0x0403_4b50, false);
        let entry = header(0x0201_4b50, true);
        out.extend(local);
        out.extend(data);
        central.extend(entry);
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, entries.len() as u16, entries.len() as u16] {
        out.extend(v.to_le_bytes());
    }
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

pub(crate) fn xlsx_with_cells(cells: &str, dimension: &str) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>"#
    );
    stored_zip(&[
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.into()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#.into()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into()),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

#[test]
fn an_xlsx_whose_cells_span_the_whole_sheet_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let workbench = Workbench::new();
    // A small honest sheet loads (the hand-made workbook is readable).
    let small = dir.path().join("small.xlsx");
    let rows: String = (1..=4).map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{}</v></c></row>"#, r * 2)).collect();
    std::fs::write(&small, xlsx_with_cells(&rows, "A1:B4")).unwrap();
    let summary = workbench.load(&small, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    assert_eq!(summary.rows, 3);
    // Two cells, at A1 and XFD1048576: a grid of 17 billion cells.
    let spread = dir.path().join("spread.xlsx");
    let cells = r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#;
    std::fs::write(&spread, xlsx_with_cells(cells, "A1:XFD1048576")).unwrap();
    let err = workbench.load(&spread, &ImportOverrides::default(), &JobContext::detached()).err().unwrap();
    assert_eq!(err.code(), "parse_error", "{err}");
    assert!(err.to_string().contains("holds only 2 values"), "{err}");
    one_line(&err.to_string());
}

// --- writes that fail half-way ------------------------------------------------------------

const CHILD_TARGET: &str = "PLANTLAB_TEST_EXPORT_TARGET";

/// Run in a child process with a file-size limit (see the test below): exports a frame far
/// larger than the limit over an existing file.
#[test]
fn export_child_under_a_file_size_limit() {
    let Some(target) = std::env::var_os(CHILD_TARGET) else {
        return;
    };
    use polars::prelude::*;
    let frame =
        df!("v" => (0..200_000).map(f64::from).collect::<Vec<_>>(), "note" => (0..200_000).map(|i| format!("row {i}")).collect::<Vec<_>>()).unwrap();
    let err = plantlab_engine::clean::export_frame(&frame, &PathBuf::from(target)).expect_err("the export must fail under the limit");
    assert_eq!(err.code(), "write_error", "{err}");
}

#[cfg(unix)]
#[test]
fn a_full_disk_during_export_keeps_the_old_file_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("cleaned.csv");
    std::fs::write(&target, "v,note\n1,old\n").unwrap();
    let me = std::env::current_exe().unwrap();
    // 64 blocks of 512 bytes; the signal a process gets past the limit is ignored, so the
    // write fails with EFBIG as it would on a full disk.
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 64; exec \"$0\" --exact hardening::export_child_under_a_file_size_limit --nocapture --test-threads 1")
        .arg(&me)
        .env(CHILD_TARGET, &target)
        // Pipes, not inherited descriptors: the limit also applies to a log file the test
        // run's output may be redirected into, which is often larger than the limit already.
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "the child export did not fail cleanly: {}\n{}\n{}",
        child.status,
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    // A name that matches no test would pass as well: the export must really have run.
    let report = String::from_utf8_lossy(&child.stdout);
    assert!(report.contains("test result: ok. 1 passed"), "the child ran no test: {report}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "v,note\n1,old\n");
    let names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["cleaned.csv"], "a temporary was left behind");
}

fn import_error(path: &std::path::Path, job: &JobContext) -> plantlab_engine::EngineError {
    match plantlab_engine::import::import(path, &ImportOverrides::default(), job) {
        Ok(imported) => panic!("{} imported as {} rows", path.display(), imported.frame.height()),
        Err(err) => err,
    }
}

/// A CSV body of `rows` rows (time, two numbers, a comment) after a header; row `odd_row`'s
/// comment is `odd_comment`.
fn commented_csv(rows: usize, odd_row: usize, odd_comment: &str) -> String {
    let mut text = String::from("time,TI-101,PI-204,comment\n");
    for i in 0..rows {
        let comment = if i == odd_row { odd_comment } else { "ok" };
        text.push_str(&format!("2024-01-01 {:02}:{:02}:{:02},{}.5,{}.25,{comment}\n", i / 3600 % 24, i / 60 % 60, i % 60, 20 + i % 7, 3 + i % 5));
    }
    text
}

#[test]
fn an_inch_mark_inside_a_cell_reads_as_text_streamed_and_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 1,500,000 rows (about 60 MB) are streamed in several pieces; 1,000 rows are one piece.
    for rows in [1_000, 1_500_000] {
        let path = dir.path().join(format!("inch-{rows}.csv"));
        std::fs::write(&path, commented_csv(rows, 5, "valve 8\" inlet")).unwrap();
        let imported = plantlab_engine::import::import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
        assert_eq!(imported.frame.height(), rows);
        let comments = imported.frame.column("comment").unwrap().str().unwrap().clone();
        assert_eq!(comments.get(5), Some("valve 8\" inlet"));
        assert_eq!(comments.get(6), Some("ok"));
        let warning = imported.warnings.iter().find(|w| w.contains("quote")).unwrap_or_else(|| panic!("{:?}", imported.warnings));
        assert!(warning.starts_with("Data row 6 of \"comment\""), "{warning}");
        one_line(warning);
    }
    // A small Windows-1252 file is decoded whole in memory: the other path, the same result.
    let path = dir.path().join("inch-1252.csv");
    let mut bytes = commented_csv(1_000, 5, "valve 8\" inlet").into_bytes();
    bytes.extend_from_slice(b"2024-01-02 00:00:00,20.5,3.25,caf\xe9\n");
    std::fs::write(&path, &bytes).unwrap();
    let imported = plantlab_engine::import::import(&path, &ImportOverrides::default(), &JobContext::detached()).unwrap();
    assert_eq!(imported.settings.encoding, "windows-1252");
    assert_eq!(imported.frame.height(), 1_001);
    assert_eq!(imported.frame.column("comment").unwrap().str().unwrap().get(5), Some("valve 8\" inlet"));
}

#[test]
fn a_quote_that_never_closes_is_reported_at_its_line_without_reading_on() {
    let dir = tempfile::tempdir().unwrap();
    // A quote opening a cell on the fourth line of a 60 MB file; before, the reader held
    // the whole rest of the file as one cell and polars then failed with a riddle.
    let path = dir.path().join("stray.csv");
    std::fs::write(&path, commented_csv(1_500_000, 2, "\"pump A trip")).unwrap();
    let err = import_error(&path, &JobContext::detached());
    assert_eq!(err.code(), "unclosed_quote", "{err}");
    let message = err.to_string();
    one_line(&message);
    assert!(message.contains("at line 4, `\"pump A trip`"), "{message}");
    // A small file read whole (Windows-1252) and one ending inside a quote say the same.
    let small = dir.path().join("stray-small.csv");
    let mut bytes = commented_csv(50, 2, "\"pump A trip").into_bytes();
    bytes.extend_from_slice(b"2024-01-02 00:00:00,20.5,3.25,caf\xe9\n");
    std::fs::write(&small, &bytes).unwrap();
    let err = import_error(&small, &JobContext::detached());
    assert_eq!(err.code(), "unclosed_quote", "{err}");
    assert!(err.to_string().contains("at line 4"), "{err}");
    let tail = dir.path().join("stray-tail.csv");
    std::fs::write(&tail, commented_csv(50, 49, "\"pump A trip")).unwrap();
    let err = import_error(&tail, &JobContext::detached());
    assert!(err.to_string().contains("at line 51"), "{err}");
}

#[test]
fn a_cancelled_import_of_a_large_file_ends_as_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, commented_csv(1_500_000, 2, "ok")).unwrap();
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let err = import_error(&path, &JobContext::with_cancel_flag(cancel));
    assert_eq!(err.code(), "cancelled");
}
