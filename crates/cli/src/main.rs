//! `plantlab`: the command line over the PlantLab engine. Thin: parse arguments (clap, in
//! `args.rs`), call the engine, print. Failures end the process with one line on stderr and
//! the exit status `args::EXIT_*` documents (clap formats its own usage errors).

use std::fmt::Display;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::error::ErrorKind;
use plantlab_engine::{EngineError, JobContext, Workbench};
use plantlab_protocol::{ApiError, QualityReport, Severity};
use serde::Serialize;

mod args;
mod bench_load;
mod clean;
mod evaluate;
mod help_text;
mod i18n;
mod json_out;
mod normal;
mod train;
mod usage_text;

use args::{BenchCommand, Command, DataSet, GenerateArgs, InfoArgs, ProfileArgs, EXIT_FAILURE, EXIT_GATE_FAILED, EXIT_USAGE};
use i18n::{display_width, pad_end, pad_start, tr, tr_with};
use json_out::print_json;
use plantlab_i18n::{Arg, Lang};

fn main() -> ExitCode {
    plantlab_engine::allocator::keep_freed_memory();
    // The engine turns panics into errors; keep the default hook from printing a second,
    // multi-line report so stderr stays one line.
    std::panic::set_hook(Box::new(|_| {}));
    // The language comes first: the help and clap's usage errors are written in it.
    i18n::choose_language(args::lang_in_argv(std::env::args_os()).or_else(Lang::from_environment).unwrap_or_default());
    let cli = match args::parse(i18n::language()) {
        Ok(cli) => cli,
        // Usage errors (status 2), and --help / --version (status 0, on stdout).
        Err(err) => return clap_exit(err),
    };
    let json = cli.command.json();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let err = match err.downcast::<clap::Error>() {
                Ok(usage) => return clap_exit(usage),
                Err(err) => err,
            };
            let failure = failure(&err);
            eprintln!("plantlab: {}", failure.message);
            if json {
                // Scripts read the code; the message is the line above.
                let _ = print_json(&ErrorJson { error: &failure });
            }
            ExitCode::from(if err.is::<GateFailed>() { EXIT_GATE_FAILED } else { EXIT_FAILURE })
        }
    }
}

/// A failed command's `--json` document: `{"schema_version": 1, "error": {"code", "message",
/// "variant", "args"}}`, the code and arguments the engine's (English, stable), the message
/// the stderr line in the chosen language.
#[derive(Serialize)]
struct ErrorJson<'a> {
    error: &'a ApiError,
}

/// The failure as one line (the chain of causes joined, so scripts can log it as is), with an
/// engine error worded in the chosen language; the code and arguments are the engine error's
/// (`gate_failed` for a failed quality gate, `failed` for the command line's own).
fn failure(err: &anyhow::Error) -> ApiError {
    let mut parts = Vec::new();
    let mut coded = None;
    for cause in err.chain() {
        if let Some(engine) = cause.downcast_ref::<EngineError>() {
            let error = engine.to_api();
            parts.push(i18n::error_text(&error));
            coded = Some(error);
            // Its sentence already names its cause (an OS error).
            break;
        }
        parts.push(cause.to_string());
    }
    let message = parts.join(": ").replace('\n', " ");
    match coded {
        Some(error) => ApiError { message, ..error },
        None => ApiError::new(if err.is::<GateFailed>() { "gate_failed" } else { "failed" }, message),
    }
}

/// Prints clap's message where clap says (help on stdout, errors on stderr) and exits with
/// clap's status. Outside English a usage error is worded from the catalogue (the help, also
/// printed for a command line that names no subcommand, is worded already).
fn clap_exit(err: clap::Error) -> ExitCode {
    let status = ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(EXIT_USAGE));
    let worded_by_clap =
        matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand);
    if i18n::language() == Lang::En {
        let _ = err.print();
    } else if worded_by_clap {
        print_chinese_help(&err);
    } else {
        let _ = err.apply::<usage_text::CatalogueFormatter>().print();
    }
    status
}

/// clap's help (or version) outside English, where clap prints it, its headings ending in the
/// language's colon; styled only on a terminal, as clap does.
fn print_chinese_help(err: &clap::Error) {
    use std::io::IsTerminal;
    let styled = err.render();
    let on_terminal = if err.use_stderr() { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
    let rendered = if on_terminal { styled.ansi().to_string() } else { styled.to_string() };
    let text = help_text::full_width_heading_colons(&rendered);
    if err.use_stderr() {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
}

/// A command line that parsed but asks for something impossible (flags of another model,
/// a missing --target): reported as clap reports usage errors, with `subcommand`'s usage.
pub(crate) fn usage_error(subcommand: &[&str], kind: ErrorKind, message: impl Display) -> anyhow::Error {
    let mut command = args::command(i18n::language());
    command.build();
    for name in subcommand {
        if let Some(sub) = command.find_subcommand(name).cloned() {
            command = sub;
        }
    }
    if i18n::language() == Lang::En {
        clap::Error::raw(kind, message).format(&mut command).into()
    } else {
        usage_text::refusal(kind, message.to_string(), &mut command).into()
    }
}

/// `clean --require-gate` found the quality gate failed (exit status 3).
#[derive(Debug)]
pub(crate) struct GateFailed(pub String);

impl Display for GateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", tr_with("cli-gate-fails", &[("checks", Arg::from(&self.0))]))
    }
}

impl std::error::Error for GateFailed {}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Info(args) => info(&args),
        Command::Profile(args) => profile(&args),
        Command::Bench(BenchCommand::Load(args)) => bench_load::run(&args),
        Command::Bench(BenchCommand::Train(args)) => train::bench_train(&args),
        Command::Bench(BenchCommand::Clean(args)) => clean::bench(&args),
        Command::Train(args) => train::train(&args),
        Command::Runs(args) => train::runs(&args),
        Command::Clean(args) => clean::clean(&args),
        Command::Bundle(args) => evaluate::bundle(&args),
        Command::Predict(args) => evaluate::predict(&args),
        Command::Eval(args) => evaluate::eval(&args),
        Command::Report(args) => evaluate::report(&args),
        Command::BenchNormal(args) => normal::bench_tep(&args),
        Command::Generate(args) => generate(&args),
    }
}

/// `plantlab generate pump-station -o OUT.csv [--seed S]`: the generated export the tests use
/// (a month of one-minute pump data as a German workstation writes it, with stops, a stuck
/// transmitter, a gap, a DST repeat, a week in °F, status texts and a failure label), for demos
/// and for trying the app by hand.
fn generate(args: &GenerateArgs) -> Result<()> {
    let bytes = match args.data_set {
        DataSet::PumpStation => plantlab_engine::generate::pump_station_month(args.seed).0,
    };
    let out = &args.output;
    plantlab_engine::atomic_file::write_bytes(out, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| tr_with("cli-cannot-write", &[("path", Arg::from(out.display().to_string()))]))?;
    println!("{}", tr_with("cli-wrote", &[("path", Arg::from(out.display().to_string()))]));
    Ok(())
}

/// `info --json`.
#[derive(Serialize)]
struct InfoJson<'a> {
    rows: u64,
    columns: Vec<InfoColumn<'a>>,
}

#[derive(Serialize)]
struct InfoColumn<'a> {
    name: &'a str,
    dtype: &'a str,
    null_count: u64,
}

fn info(args: &InfoArgs) -> Result<()> {
    let summary = Workbench::new()
        .load(&args.file, &args.import.overrides(), &JobContext::detached())
        .map_err(anyhow::Error::from)
        .with_context(|| tr("cli-cannot-open-data"))?;
    if args.json {
        let columns = summary.columns.iter().map(|c| InfoColumn { name: &c.name, dtype: &c.dtype, null_count: c.null_count }).collect();
        print_json(&InfoJson { rows: summary.rows, columns })?;
    } else {
        let shape = tr_with("cli-rows-by-columns", &[("rows", Arg::from(summary.rows.to_string())), ("columns", Arg::from(summary.columns.len()))]);
        println!("{}: {shape}", summary.path);
        let (name, dtype, missing) = (tr("cli-header-name"), tr("cli-header-dtype"), tr("cli-header-missing"));
        let width = summary.columns.iter().map(|c| display_width(&c.name)).chain([display_width(&name)]).max().unwrap_or(4).max(4);
        println!("{}  {}  {}", pad_end(&name, width), pad_end(&dtype, 14), pad_start(&missing, 10));
        for c in &summary.columns {
            println!("{}  {:14}  {:>10}", pad_end(&c.name, width), c.dtype, c.null_count);
        }
    }
    Ok(())
}

fn profile(args: &ProfileArgs) -> Result<()> {
    let workbench = Workbench::new();
    let mut report = workbench
        .profile(&args.file, &args.import.overrides(), args.label.as_deref(), &JobContext::detached())
        .map_err(anyhow::Error::from)
        .with_context(|| tr("cli-cannot-profile-data"))?;
    // The sentences in the chosen language; `kind`, `variant` and `args` stay the codes.
    for finding in &mut report.findings {
        finding.message = i18n::finding_text(finding);
    }
    report.import_warnings = i18n::import_warning_texts(&report.import_warnings, &report.import_warning_codes);
    if args.json {
        print_json(&report)?;
    } else {
        print_report(&report);
    }
    Ok(())
}

fn print_report(report: &QualityReport) {
    let import = &report.import;
    let shape = tr_with("cli-rows-by-columns", &[("rows", Arg::from(report.rows.to_string())), ("columns", Arg::from(report.columns.len()))]);
    let read_as = tr_with(
        "cli-profile-read-as",
        &[
            ("encoding", Arg::from(&import.encoding)),
            ("delimiter", Arg::from(format!("{:?}", import.delimiter))),
            ("decimal", Arg::from(format!("{:?}", import.decimal))),
            ("header-rows", Arg::from(import.header_rows)),
        ],
    );
    println!("{shape}; {read_as}");
    match (&report.timestamp_column, report.sampling_interval_s) {
        (Some(ts), Some(dt)) => println!(
            "{}",
            tr_with(
                "cli-profile-time-axis-interval",
                &[
                    ("column", Arg::from(ts)),
                    ("format", Arg::from(import.timestamp_format.as_deref().unwrap_or("?"))),
                    ("seconds", Arg::from(dt.to_string()))
                ]
            )
        ),
        (Some(ts), None) => println!("{}", tr_with("cli-profile-time-axis", &[("column", Arg::from(ts))])),
        _ => println!("{}", tr("cli-profile-no-timestamp")),
    }
    for warning in &report.import_warnings {
        println!("{}", tr_with("cli-note", &[("message", Arg::from(warning))]));
    }
    println!();
    let column = tr("cli-header-column");
    let width = report.columns.iter().map(|c| display_width(&c.name)).chain([display_width(&column)]).max().unwrap_or(4).max(4);
    let headers = [
        pad_end(&column, width),
        pad_end(&tr("cli-header-dtype"), 8),
        pad_end(&tr("cli-header-unit"), 6),
        pad_start(&tr("cli-header-missing"), 8),
        pad_start(&tr("cli-header-status"), 7),
        pad_start(&tr("cli-header-min"), 12),
        pad_start(&tr("cli-header-max"), 12),
        pad_start(&tr("cli-header-mean"), 12),
        pad_start(&tr("cli-header-std"), 12),
    ];
    println!("{}", headers.join("  "));
    let num = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"));
    for c in &report.columns {
        println!(
            "{}  {:8}  {}  {:>8}  {:>7}  {:>12}  {:>12}  {:>12}  {:>12}",
            pad_end(&c.name, width),
            c.dtype,
            pad_end(c.unit.as_deref().unwrap_or(""), 6),
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
        println!("{}", tr("cli-profile-no-findings"));
    }
    for f in &report.findings {
        let severity = match f.severity {
            Severity::Info => tr("cli-severity-info"),
            Severity::Warning => tr("cli-severity-warning"),
            Severity::Error => tr("cli-severity-error"),
        };
        let rows = tr("cli-rows-not-a-column");
        let column = pad_end(f.column.as_deref().unwrap_or(&rows), 30);
        println!("[{}] {} {column} {:>7}  {}", pad_end(&severity, 5), pad_end(&i18n::finding_kind_text(f.kind), 22), f.count, f.message);
        if !f.examples.is_empty() {
            println!("        {}", tr_with("cli-examples", &[("examples", Arg::from(i18n::finding_examples(f)))]));
        }
    }
}
