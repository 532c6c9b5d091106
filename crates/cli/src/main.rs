//! `plantlab`: the command line over the PlantLab engine. Thin: parse arguments, call the
//! engine, print. Errors end the process with one line on stderr and a non-zero exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use plantlab_engine::{JobContext, Workbench};
use serde_json::json;

const USAGE: &str = "usage: plantlab info FILE [--json]";

fn main() -> ExitCode {
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
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command \"{other}\"; {USAGE}"),
    }
}

fn info(args: &[String]) -> Result<()> {
    let mut json_output = false;
    let mut file: Option<PathBuf> = None;
    for arg in args {
        match arg.as_str() {
            "--json" => json_output = true,
            flag if flag.starts_with("--") => bail!("unknown option {flag}; {USAGE}"),
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; {USAGE}"),
        }
    }
    let Some(file) = file else {
        bail!("info needs a FILE; {USAGE}");
    };
    let summary = Workbench::new().load(&file, &JobContext::detached()).map_err(anyhow::Error::from).context("cannot open data")?;
    if json_output {
        let columns: Vec<_> = summary
            .columns
            .iter()
            .map(|c| json!({"name": c.name, "dtype": c.dtype, "null_count": c.null_count}))
            .collect();
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
