//! `plantlab`: the command line over the PlantLab engine. Thin: parse arguments, call the
//! engine, print. Errors end the process with one line on stderr and a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{ImportOverrides, QualityReport, Severity};
use serde_json::json;

mod clean;
mod evaluate;
mod normal;
mod train;

const USAGE: &str = "usage: plantlab info FILE [--json] | plantlab profile FILE [--json] [import options]
       plantlab bench load [--rows N] [--tags T] [--runs R] [--python PY] [--json]
       plantlab train FILE --target COL [--exclude COL]... [--recipe R.json] [--model seed|transformer|mlp]
                      [--epochs N] [--seed S] [--batch-size N] [--lr X] [--bins N] [--embedding N]
                      [--window W [--stride S]] [--patience N|off] [--class-weights auto|on|off]
                      [--threads T] [--runs DIR] [--json]
       plantlab runs [--runs DIR] [--json]
       plantlab bench train --workload w1|w2 [--n N] [--epochs E] [--threads T] [--batch B] [--python PY [--peer-device cpu|cuda]] [--json]
import options: --delimiter C|tab|whitespace  --decimal C  --encoding E  --header-rows N  --no-header
                --names A,B,…  --column-widths W,W,…  --timestamp-column NAME
                --timestamp-format FMT  --sheet NAME  --label COL
       plantlab clean FILE --suggest -o RECIPE.json | --recipe RECIPE.json [-o OUT.parquet|OUT.csv] [--json] [--require-gate]
       plantlab bench clean [--rows N] [--tags T] [--runs R] [--json]
       plantlab bundle RUN_DIR -o MODEL.plmodel [--threshold T] [alarm options] [--json]
       plantlab predict FILE --bundle MODEL.plmodel -o PRED.csv [--threshold T] [alarm options] [--json]
       plantlab eval FILE --bundle MODEL.plmodel | --run RUN_DIR [--threshold T] [--lookback-h H] [alarm options] [--json]
       plantlab report RUN_DIR -o REPORT.html
       plantlab generate pump-station -o OUT.csv [--seed S]   (a messy month of pump data for demos)
alarm options (alarm samples -> alarm events): --clear-ratio R (clear below R x threshold, default 0.8)
                --min-alarm N (drop events shorter than N sampling intervals, default 3)
                --dead-time N (merge events at most N intervals apart, default 30)";

fn main() -> ExitCode {
    plantlab_engine::allocator::keep_freed_memory();
    // The engine turns panics into errors; keep the default hook from printing a second,
    // multi-line report so stderr stays one line.
    std::panic::set_hook(Box::new(|_| {}));
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the chain of causes joined, so scripts can log it as is.
            let line = format!("{err:#}").replace('\n', " ");
            eprintln!("plantlab: {line}");
            ExitCode::from(1)
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        bail!("no command given; {USAGE}");
    };
    match command.as_str() {
        "info" => info(rest),
        "profile" => profile(rest),
        "bench" => bench(rest),
        "train" if normal::wants_process_lm(rest) => normal::train_lm(rest),
        "train" => train::train(rest),
        "runs" => train::runs(rest),
        "clean" => clean::clean(rest),
        "bundle" => evaluate::bundle(rest),
        "predict" => evaluate::predict(rest),
        "eval" if normal::names_normal_bundle(rest) => normal::eval_normal(rest),
        "eval" => evaluate::eval(rest),
        "report" => evaluate::report(rest),
        "bench-normal" => normal::bench_tep(rest),
        "generate" => generate(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command \"{other}\"; {USAGE}"),
    }
}

/// `plantlab generate pump-station -o OUT.csv [--seed S]`: the generated export the tests use
/// (a month of one-minute pump data as a German workstation writes it, with stops, a stuck
/// transmitter, a gap, a DST repeat, a week in °F, status texts and a failure label), for demos
/// and for trying the app by hand.
fn generate(args: &[String]) -> Result<()> {
    let mut kind = None;
    let mut out = None;
    let mut seed = 17_u64;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-o" | "--output" => out = Some(PathBuf::from(flag_value(&mut it, "-o")?)),
            "--seed" => seed = flag_number(&mut it, "--seed")?,
            flag if flag.starts_with('-') => bail!("unknown option {flag}; {USAGE}"),
            name if kind.is_none() => kind = Some(name.to_owned()),
            extra => bail!("unexpected argument \"{extra}\"; {USAGE}"),
        }
    }
    let Some(out) = out else { bail!("generate needs -o OUT.csv; {USAGE}") };
    let bytes = match kind.as_deref() {
        Some("pump-station") => plantlab_engine::generate::pump_station_month(seed).0,
        Some(other) => bail!("unknown data set \"{other}\"; the one there is: pump-station"),
        None => bail!("generate needs a data set name (pump-station); {USAGE}"),
    };
    plantlab_engine::atomic_file::write_bytes(&out, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

/// The value after `flag` on the command line.
pub(crate) fn flag_value(it: &mut std::slice::Iter<'_, String>, flag: &str) -> Result<String> {
    it.next().cloned().with_context(|| format!("{flag} needs a value; {USAGE}"))
}

/// The number after `flag` on the command line.
pub(crate) fn flag_number<T: std::str::FromStr>(it: &mut std::slice::Iter<'_, String>, flag: &str) -> Result<T> {
    let v = it.next().with_context(|| format!("{flag} needs a number"))?;
    v.parse().ok().with_context(|| format!("{flag} needs a number, not \"{v}\""))
}

/// Arguments shared by the commands that read one data file.
struct FileArgs {
    file: PathBuf,
    json: bool,
    overrides: ImportOverrides,
    label: Option<String>,
}

fn parse_file_args(command: &str, args: &[String]) -> Result<FileArgs> {
    let mut json = false;
    let mut file: Option<PathBuf> = None;
    let mut overrides = ImportOverrides::default();
    let mut label = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--delimiter" => overrides.delimiter = Some(single_char("--delimiter", &flag_value(&mut it, "--delimiter")?)?),
            "--decimal" => overrides.decimal = Some(single_char("--decimal", &flag_value(&mut it, "--decimal")?)?),
            "--encoding" => overrides.encoding = Some(flag_value(&mut it, "--encoding")?),
            "--header-rows" => {
                let v = flag_value(&mut it, "--header-rows")?;
                overrides.header_rows = Some(v.parse().with_context(|| format!("--header-rows must be 0, 1 or 2, not \"{v}\""))?);
            }
            "--no-header" => overrides.header_rows = Some(0),
            "--names" => overrides.names = Some(flag_value(&mut it, "--names")?.split(',').map(|n| n.trim().to_owned()).collect()),
            "--column-widths" => {
                let v = flag_value(&mut it, "--column-widths")?;
                let widths = v.split(',').map(|w| w.trim().parse::<u32>().ok().filter(|&w| w > 0)).collect::<Option<Vec<u32>>>();
                overrides.column_widths =
                    Some(widths.with_context(|| format!("--column-widths takes positive widths separated by commas, not \"{v}\""))?);
            }
            "--timestamp-column" => overrides.timestamp_column = Some(flag_value(&mut it, "--timestamp-column")?),
            "--timestamp-format" => overrides.timestamp_format = Some(flag_value(&mut it, "--timestamp-format")?),
            "--sheet" => overrides.sheet = Some(flag_value(&mut it, "--sheet")?),
            "--label" => label = Some(flag_value(&mut it, "--label")?),
            flag if flag.starts_with("--") => bail!("unknown option {flag}; {USAGE}"),
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; {USAGE}"),
        }
    }
    let Some(file) = file else {
        bail!("{command} needs a FILE; {USAGE}");
    };
    Ok(FileArgs { file, json, overrides, label })
}

/// `tab` and `\t` name the tab character; otherwise exactly one character.
fn single_char(flag: &str, value: &str) -> Result<char> {
    if value == "tab" || value == "\\t" {
        return Ok('\t');
    }
    if flag == "--delimiter" && (value == "whitespace" || value == "space") {
        return Ok(plantlab_protocol::WHITESPACE_DELIMITER);
    }
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => bail!("{flag} takes one character (or \"tab\"), not \"{value}\""),
    }
}

fn info(args: &[String]) -> Result<()> {
    let args = parse_file_args("info", args)?;
    let summary =
        Workbench::new().load(&args.file, &args.overrides, &JobContext::detached()).map_err(anyhow::Error::from).context("cannot open data")?;
    if args.json {
        let columns: Vec<_> = summary.columns.iter().map(|c| json!({"name": c.name, "dtype": c.dtype, "null_count": c.null_count})).collect();
        let out = json!({"rows": summary.rows, "columns": columns});
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}: {} rows × {} columns", summary.path, summary.rows, summary.columns.len());
        let width = summary.columns.iter().map(|c| c.name.len()).max().unwrap_or(4).max(4);
        println!("{:width$}  {:14}  {:>10}", "name", "dtype", "missing");
        for c in &summary.columns {
            println!("{:width$}  {:14}  {:>10}", c.name, c.dtype, c.null_count);
        }
    }
    Ok(())
}

fn profile(args: &[String]) -> Result<()> {
    let args = parse_file_args("profile", args)?;
    let workbench = Workbench::new();
    let report = workbench
        .profile(&args.file, &args.overrides, args.label.as_deref(), &JobContext::detached())
        .map_err(anyhow::Error::from)
        .context("cannot profile data")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

fn print_report(report: &QualityReport) {
    let import = &report.import;
    println!(
        "{} rows × {} columns; read as {} with delimiter {:?}, decimal {:?}, {} header row(s)",
        report.rows,
        report.columns.len(),
        import.encoding,
        import.delimiter,
        import.decimal,
        import.header_rows
    );
    match (&report.timestamp_column, report.sampling_interval_s) {
        (Some(ts), Some(dt)) => println!("time axis: \"{ts}\" ({}), sampling interval {dt} s", import.timestamp_format.as_deref().unwrap_or("?")),
        (Some(ts), None) => println!("time axis: \"{ts}\""),
        _ => println!("no timestamp column found"),
    }
    for warning in &report.import_warnings {
        println!("note: {warning}");
    }
    println!();
    let width = report.columns.iter().map(|c| c.name.len()).max().unwrap_or(4).max(4);
    println!(
        "{:width$}  {:8}  {:6}  {:>8}  {:>7}  {:>12}  {:>12}  {:>12}  {:>12}",
        "column", "dtype", "unit", "missing", "status", "min", "max", "mean", "std"
    );
    let num = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"));
    for c in &report.columns {
        println!(
            "{:width$}  {:8}  {:6}  {:>8}  {:>7}  {:>12}  {:>12}  {:>12}  {:>12}",
            c.name,
            c.dtype,
            c.unit.as_deref().unwrap_or(""),
            c.null_count,
            c.status_text_count,
            num(c.min),
            num(c.max),
            num(c.mean),
            num(c.std)
        );
    }
    println!();
    if report.findings.is_empty() {
        println!("no findings: the data passes every quality check");
    }
    for f in &report.findings {
        let severity = match f.severity {
            Severity::Info => "info",
            Severity::Warning => "WARN",
            Severity::Error => "ERROR",
        };
        println!("[{severity:5}] {:22} {:30} {:>7}  {}", f.kind.as_str(), f.column.as_deref().unwrap_or("(rows)"), f.count, f.message);
        if !f.examples.is_empty() {
            println!("        e.g. {}", f.examples.join(", "));
        }
    }
}

/// `plantlab bench load`: generate a wide CSV, time load + profile here, then pandas on the
/// same file in the same run (runs alternate, best of each is reported).
fn bench(args: &[String]) -> Result<()> {
    let Some((what, rest)) = args.split_first() else {
        bail!("bench needs a workload; {USAGE}");
    };
    if what == "train" {
        return train::bench_train(rest);
    }
    if what == "clean" {
        return clean::bench(rest);
    }
    if what != "load" {
        bail!("unknown benchmark \"{what}\"; {USAGE}");
    }
    let (mut rows, mut tags, mut runs, mut json_output) = (1_000_000usize, 50usize, 3usize, false);
    let mut python = "python3".to_owned();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rows" => rows = flag_number::<usize>(&mut it, "--rows")?,
            "--tags" => tags = flag_number::<usize>(&mut it, "--tags")?,
            "--runs" => runs = flag_number::<usize>(&mut it, "--runs")?.max(1),
            "--json" => json_output = true,
            "--python" => python = it.next().cloned().context("--python needs an interpreter path")?,
            other => bail!("unknown option {other}; {USAGE}"),
        }
    }
    let dir = std::env::temp_dir().join(format!("plantlab-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("wide_{rows}x{tags}.csv"));
    eprintln!("generating {rows} rows × {tags} tags into {}", file.display());
    let out = std::io::BufWriter::new(std::fs::File::create(&file)?);
    plantlab_engine::generate::wide_numeric_csv(out, rows, tags, 7)?;
    let size_mb = std::fs::metadata(&file)?.len() as f64 / 1e6;

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/pandas_load.py");
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut pandas_note = None;
    for run in 0..runs {
        let start = std::time::Instant::now();
        let report = Workbench::new().profile(&file, &ImportOverrides::default(), None, &JobContext::detached())?;
        let seconds = start.elapsed().as_secs_f64();
        eprintln!("run {}: plantlab load + profile {seconds:.2} s ({} rows, {} findings)", run + 1, report.rows, report.findings.len());
        ours.push(seconds);
        match std::process::Command::new(&python).arg(&script).arg(&file).output() {
            Ok(out) if out.status.success() => {
                let answer: serde_json::Value = serde_json::from_slice(&out.stdout).context("pandas script printed no JSON")?;
                let s = answer["seconds"].as_f64().context("pandas script gave no time")?;
                eprintln!("run {}: pandas read_csv + describe + isna {s:.2} s", run + 1);
                theirs.push(s);
            }
            Ok(out) => {
                pandas_note = Some(format!("pandas peer failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")));
            }
            Err(e) => pandas_note = Some(format!("pandas peer not run ({python}: {e})")),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (ours_best, theirs_best) = (best(&ours), best(&theirs));
    let ratio = if theirs.is_empty() { None } else { Some(theirs_best / ours_best) };
    if json_output {
        let out = json!({
            "workload": "load+profile", "rows": rows, "tags": tags, "file_mb": size_mb, "runs": runs,
            "plantlab_s": ours_best, "pandas_s": if theirs.is_empty() { None } else { Some(theirs_best) },
            "speedup": ratio, "note": pandas_note,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("load + profile, {rows} rows × {tags} tags ({size_mb:.0} MB CSV), best of {runs}:");
        println!("  plantlab  {ours_best:>7.2} s");
        match ratio {
            Some(r) => println!("  pandas    {theirs_best:>7.2} s   (read_csv + describe + isna)\n  plantlab is {r:.1}× faster"),
            None => println!("  pandas    not measured: {}", pandas_note.unwrap_or_default()),
        }
    }
    Ok(())
}
