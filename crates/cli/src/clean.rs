//! `plantlab clean` and `plantlab bench clean`.

use crate::i18n::{gate_check_text, gate_title_text, list_text, pad_end, step_outcome_text, tr, tr_with};
use plantlab_i18n::Arg;
use std::time::Instant;

use anyhow::{Context, Result};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{Aggregate, CleanAction, CleanStep, CleanSummary, FillMethod, ImportOverrides, OutlierAction, OutlierMethod, PreviewRequest};
use serde::Serialize;

use crate::args::{BenchCleanArgs, CleanArgs};
use crate::json_out::print_json;
use crate::GateFailed;

/// `clean --suggest --json`.
#[derive(Serialize)]
struct SuggestJson<'a> {
    recipe: String,
    steps: Vec<SuggestedStep<'a>>,
    rows_in: u64,
    rows_out: u64,
    gate: GateJson<'a>,
}

#[derive(Serialize)]
struct SuggestedStep<'a> {
    op: &'a str,
    /// In the chosen language; `op` is the step's code.
    description: String,
}

/// `clean --recipe --json`.
#[derive(Serialize)]
struct ApplyJson<'a> {
    rows_in: u64,
    rows_out: u64,
    columns_out: u64,
    steps: Vec<AppliedStep<'a>>,
    findings_left: usize,
    gate: GateJson<'a>,
    output: &'a Option<String>,
}

#[derive(Serialize)]
struct AppliedStep<'a> {
    index: usize,
    op: &'a str,
    /// In the chosen language; `op` is the step's code.
    description: String,
    enabled: bool,
    rows_in: u64,
    rows_out: u64,
    cells_changed: u64,
    columns: &'a [String],
}

/// The quality gate in `clean --json`; plain numbers (a non-finite one is `null`).
#[derive(Serialize)]
struct GateJson<'a> {
    passed: bool,
    checks: Vec<GateCheckJson<'a>>,
}

#[derive(Serialize)]
struct GateCheckJson<'a> {
    name: &'a str,
    passed: bool,
    value: f64,
    threshold: f64,
    /// In the chosen language; `name` is the check's code.
    message: String,
}

impl<'a> GateJson<'a> {
    fn of(summary: &'a CleanSummary) -> Self {
        let checks = summary
            .gate
            .checks
            .iter()
            .map(|c| GateCheckJson { name: &c.name, passed: c.passed, value: c.value, threshold: c.threshold, message: gate_check_text(c) })
            .collect();
        Self { passed: summary.gate.passed, checks }
    }
}

pub fn clean(args: &CleanArgs) -> Result<()> {
    let workbench = Workbench::new();
    let job = JobContext::detached();
    // clap makes --suggest and --recipe exclusive and requires one, and -o with --suggest.
    let summary = match (&args.recipe, &args.output) {
        (None, Some(out)) => {
            let (recipe, summary) = workbench
                .suggest_recipe(&args.file, &args.import.overrides(), args.label.as_deref(), &job)
                .map_err(anyhow::Error::from)
                .with_context(|| tr("cli-cannot-suggest-recipe"))?;
            workbench.save_recipe(out).map_err(anyhow::Error::from).with_context(|| tr("cli-cannot-save-recipe"))?;
            if args.json {
                let steps = summary.steps.iter().map(|s| SuggestedStep { op: &s.op, description: step_outcome_text(s) }).collect();
                print_json(&SuggestJson {
                    recipe: out.display().to_string(),
                    steps,
                    rows_in: summary.rows_in,
                    rows_out: summary.rows_out,
                    gate: GateJson::of(&summary),
                })?;
            } else {
                println!(
                    "{}",
                    tr_with(
                        "cli-clean-wrote-suggestion",
                        &[("path", Arg::from(out.display().to_string())), ("steps", Arg::from(recipe.steps.len()))]
                    )
                );
                for s in &summary.steps {
                    println!("  {:>2}. {}", s.index + 1, step_outcome_text(s));
                }
                print_gate(&summary);
            }
            summary
        }
        (None, None) => {
            return Err(crate::usage_error(&["clean"], clap::error::ErrorKind::MissingRequiredArgument, tr("cli-clean-suggest-needs-output")))
        }
        (Some(recipe), output) => {
            let summary = workbench
                .apply_recipe_file(&args.file, recipe, output.as_deref(), &job)
                .map_err(anyhow::Error::from)
                .with_context(|| tr("cli-cannot-apply-recipe"))?;
            if args.json {
                let steps = summary
                    .steps
                    .iter()
                    .map(|s| AppliedStep {
                        index: s.index,
                        op: &s.op,
                        description: step_outcome_text(s),
                        enabled: s.enabled,
                        rows_in: s.rows_in,
                        rows_out: s.rows_out,
                        cells_changed: s.cells_changed,
                        columns: &s.columns,
                    })
                    .collect();
                print_json(&ApplyJson {
                    rows_in: summary.rows_in,
                    rows_out: summary.rows_out,
                    columns_out: summary.columns_out,
                    steps,
                    findings_left: summary.findings.len(),
                    gate: GateJson::of(&summary),
                    output: &summary.output,
                })?;
            } else {
                println!(
                    "{}",
                    tr_with(
                        "cli-clean-rows-in-out",
                        &[
                            ("rows-in", Arg::from(summary.rows_in.to_string())),
                            ("rows-out", Arg::from(summary.rows_out.to_string())),
                            ("columns", Arg::from(summary.columns_out.to_string()))
                        ]
                    )
                );
                for s in &summary.steps {
                    let state = if s.enabled { String::new() } else { tr("cli-clean-step-disabled") };
                    let effect = tr_with(
                        "cli-clean-step-effect",
                        &[
                            ("rows-in", Arg::from(s.rows_in.to_string())),
                            ("rows-out", Arg::from(s.rows_out.to_string())),
                            ("cells", Arg::from(s.cells_changed.to_string())),
                        ],
                    );
                    let line = [
                        ("number", Arg::from(format!("{:>2}", s.index + 1))),
                        ("step", Arg::from(step_outcome_text(s))),
                        ("state", Arg::from(state)),
                        ("effect", Arg::from(effect)),
                    ];
                    println!("  {}", tr_with("cli-clean-step-line", &line));
                }
                print_gate(&summary);
                if let Some(out) = &summary.output {
                    println!("{}", tr_with("cli-wrote", &[("path", Arg::from(out))]));
                }
            }
            summary
        }
    };
    if args.require_gate && !summary.gate.passed {
        let failed: Vec<String> = summary.gate.checks.iter().filter(|c| !c.passed).map(|c| gate_title_text(&c.name)).collect();
        return Err(GateFailed(list_text(&failed)).into());
    }
    Ok(())
}

fn print_gate(summary: &CleanSummary) {
    let verdict = tr(if summary.gate.passed { "cli-gate-passed" } else { "cli-gate-failed" });
    println!("{}", tr_with("cli-quality-gate", &[("verdict", Arg::from(verdict))]));
    for c in &summary.gate.checks {
        let verdict = tr(if c.passed { "cli-check-pass" } else { "cli-check-fail" });
        println!("  [{verdict}] {} {}", pad_end(&gate_title_text(&c.name), 24), gate_check_text(c));
    }
}

/// `bench clean --json`.
#[derive(Serialize)]
struct BenchCleanJson<'a> {
    workload: &'static str,
    rows: usize,
    tags: usize,
    runs: usize,
    previews: Vec<PreviewTime<'a>>,
    full_recompute_s: f64,
    history_steps: usize,
}

#[derive(Serialize)]
struct PreviewTime<'a> {
    step: &'a str,
    preview_s: f64,
}

/// `plantlab bench clean`: the preview of one step next to a full recompute (replaying the
/// whole history from the imported data plus the quality report), on a generated wide table.
pub fn bench(args: &BenchCleanArgs) -> Result<()> {
    let BenchCleanArgs { rows, tags, runs, json: json_output } = *args;
    let dir = std::env::temp_dir().join(format!("plantlab-bench-clean-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("wide_{rows}x{tags}.csv"));
    crate::bench_load::generating(rows, tags, &file);
    plantlab_engine::generate::wide_numeric_csv(std::io::BufWriter::new(std::fs::File::create(&file)?), rows, tags, 7)?;
    let workbench = Workbench::new();
    let job = JobContext::detached();
    let summary = workbench.load(&file, &ImportOverrides::default(), &job)?;
    let _ = std::fs::remove_dir_all(&dir);
    let tag_names: Vec<String> = summary.columns.iter().skip(1).map(|c| c.name.clone()).collect();
    let first = tag_names.first().cloned().with_context(|| tr("cli-bench-no-tags"))?;

    // A realistic history: time order, duplicates, sentinels to missing, gaps filled.
    let history = [
        CleanStep::SortByTime,
        CleanStep::DropDuplicateRows,
        CleanStep::Outliers {
            columns: tag_names.clone(),
            method: OutlierMethod::Range { low: None, high: None, values: vec![-9999.0] },
            action: OutlierAction::Null,
        },
        CleanStep::Fill { columns: tag_names.clone(), method: FillMethod::Interpolate { limit: Some(10) } },
    ];
    for step in history {
        workbench.clean(CleanAction::Apply { step }, &job)?;
    }
    // Each step by its `--json` name (English, as scripts compare it) and its catalogue key.
    let previews = [
        (
            "spike filter on one tag (Hampel ±7, k 6)",
            "cli-bench-clean-step-spike-filter",
            CleanStep::Outliers { columns: vec![first.clone()], method: OutlierMethod::Hampel { window: 7, k: 6.0 }, action: OutlierAction::Null },
        ),
        (
            "interpolate one tag",
            "cli-bench-clean-step-interpolate",
            CleanStep::Fill { columns: vec![first.clone()], method: FillMethod::Interpolate { limit: Some(10) } },
        ),
        (
            "resample to 2 min (a row step: every column, whole report)",
            "cli-bench-clean-step-resample",
            CleanStep::Resample { interval_s: 120.0, aggregate: Aggregate::Mean, max_columns: Vec::new() },
        ),
    ];
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let mut measured = Vec::new();
    for (label, key, step) in &previews {
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let preview = workbench.clean_preview(&PreviewRequest { step: step.clone(), max_points: 2000, max_series: 4, edit_index: None })?;
            let seconds = start.elapsed().as_secs_f64();
            times.push(seconds);
            let args = [
                ("step", Arg::from(tr(key))),
                ("seconds", Arg::from(format!("{seconds:.3}"))),
                ("series", Arg::from(preview.series.len().to_string())),
            ];
            eprintln!("{}", tr_with("cli-bench-clean-preview-run", &args));
        }
        measured.push((*label, *key, best(&times)));
    }
    // Full recompute: apply the first preview's step, then replay the whole history from the
    // imported data (what an edit of the first step costs), report included.
    workbench.clean(CleanAction::Apply { step: previews[0].2.clone() }, &job)?;
    let mut full = Vec::new();
    for run in 0..runs {
        let start = Instant::now();
        workbench.clean(CleanAction::SetEnabled { index: 0, enabled: run % 2 == 1 }, &job)?;
        let seconds = start.elapsed().as_secs_f64();
        full.push(seconds);
        eprintln!("{}", tr_with("cli-bench-clean-full-run", &[("seconds", Arg::from(format!("{seconds:.3}")))]));
    }
    let full_best = best(&full);
    if json_output {
        let previews = measured.iter().map(|(label, _, s)| PreviewTime { step: label, preview_s: *s }).collect();
        print_json(&BenchCleanJson { workload: "clean", rows, tags, runs, previews, full_recompute_s: full_best, history_steps: 5 })?;
    } else {
        let heading = [("rows", Arg::from(rows.to_string())), ("tags", Arg::from(tags.to_string())), ("runs", Arg::from(runs.to_string()))];
        println!("{}", tr_with("cli-bench-clean-heading", &heading));
        for (_, key, s) in &measured {
            let args = [("seconds", Arg::from(crate::bench_load::seconds(format!("{s:>7.3}")))), ("step", Arg::from(tr(key)))];
            println!("  {}", tr_with("cli-bench-clean-preview-line", &args));
        }
        let full = crate::bench_load::seconds(format!("{full_best:>7.3}"));
        println!("  {}", tr_with("cli-bench-clean-full-line", &[("seconds", Arg::from(full))]));
    }
    Ok(())
}
