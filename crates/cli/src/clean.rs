//! `plantlab clean` and `plantlab bench clean`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use plantlab_engine::{JobContext, Workbench};
use plantlab_protocol::{Aggregate, CleanAction, CleanStep, CleanSummary, FillMethod, ImportOverrides, OutlierAction, OutlierMethod, PreviewRequest};
use serde_json::json;

pub const USAGE: &str = "plantlab clean FILE --suggest -o RECIPE.json [--label COL] [--json] [import options]
       plantlab clean FILE --recipe RECIPE.json [-o OUT.parquet|OUT.csv] [--json] [--require-gate]
       plantlab bench clean [--rows N] [--tags T] [--runs R] [--json]";

pub fn clean(args: &[String]) -> Result<()> {
    let mut file: Option<PathBuf> = None;
    let (mut suggest, mut recipe, mut output, mut json_output, mut require_gate) = (false, None, None, false, false);
    let mut label: Option<String> = None;
    let mut rest: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--suggest" => suggest = true,
            "--recipe" => recipe = Some(PathBuf::from(it.next().context("--recipe needs a file")?)),
            "-o" | "--output" => output = Some(PathBuf::from(it.next().context("-o needs a file")?)),
            "--label" => label = Some(it.next().context("--label needs a column name")?.clone()),
            "--json" => json_output = true,
            "--require-gate" => require_gate = true,
            flag if flag.starts_with("--") => {
                // Import options are passed on to the shared parser below.
                rest.push(flag.to_owned());
                rest.extend(it.next().cloned());
            }
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => bail!("unexpected argument \"{extra}\"; usage: {USAGE}"),
        }
    }
    let Some(file) = file else {
        bail!("clean needs a FILE; usage: {USAGE}");
    };
    let mut import_args = vec![file.display().to_string()];
    import_args.extend(rest);
    let overrides: ImportOverrides = super::parse_file_args("clean", &import_args)?.overrides;
    let workbench = Workbench::new();
    let job = JobContext::detached();
    match (suggest, recipe) {
        (true, Some(_)) => bail!("use either --suggest or --recipe, not both"),
        (false, None) => bail!("clean needs --suggest or --recipe RECIPE.json; usage: {USAGE}"),
        (true, None) => {
            let Some(out) = output else {
                bail!("--suggest needs -o RECIPE.json to write the recipe to");
            };
            let (recipe, summary) = workbench
                .suggest_recipe(&file, &overrides, label.as_deref(), &job)
                .map_err(anyhow::Error::from)
                .context("cannot suggest a recipe")?;
            workbench.save_recipe(&out).map_err(anyhow::Error::from).context("cannot save the recipe")?;
            if json_output {
                let steps: Vec<_> = summary.steps.iter().map(|s| json!({"op": s.op, "description": s.description})).collect();
                let out = json!({"recipe": out.display().to_string(), "steps": steps, "rows_in": summary.rows_in, "rows_out": summary.rows_out, "gate": gate_json(&summary)});
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("wrote {} with {} suggested step(s):", out.display(), recipe.steps.len());
                for s in &summary.steps {
                    println!("  {:>2}. {}", s.index + 1, s.description);
                }
                print_gate(&summary);
            }
        }
        (false, Some(recipe)) => {
            let summary = workbench
                .apply_recipe_file(&file, &recipe, output.as_deref(), &job)
                .map_err(anyhow::Error::from)
                .context("cannot apply the recipe")?;
            if json_output {
                let steps: Vec<_> = summary
                    .steps
                    .iter()
                    .map(|s| {
                        json!({"index": s.index, "op": s.op, "description": s.description, "enabled": s.enabled,
                               "rows_in": s.rows_in, "rows_out": s.rows_out, "cells_changed": s.cells_changed, "columns": s.columns})
                    })
                    .collect();
                let out = json!({
                    "rows_in": summary.rows_in, "rows_out": summary.rows_out, "columns_out": summary.columns_out,
                    "steps": steps, "findings_left": summary.findings.len(), "gate": gate_json(&summary), "output": summary.output,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("{} rows in, {} rows out ({} columns)", summary.rows_in, summary.rows_out, summary.columns_out);
                for s in &summary.steps {
                    let state = if s.enabled { "" } else { " (disabled)" };
                    println!(
                        "  {:>2}. {}{state}: rows {} → {}, {} cells changed",
                        s.index + 1,
                        s.description,
                        s.rows_in,
                        s.rows_out,
                        s.cells_changed
                    );
                }
                print_gate(&summary);
                if let Some(out) = &summary.output {
                    println!("wrote {out}");
                }
            }
            if require_gate && !summary.gate.passed {
                let failed: Vec<&str> = summary.gate.checks.iter().filter(|c| !c.passed).map(|c| c.name.as_str()).collect();
                bail!("the quality gate fails: {}", failed.join(", "));
            }
        }
    }
    Ok(())
}

fn gate_json(summary: &CleanSummary) -> serde_json::Value {
    let checks: Vec<_> = summary
        .gate
        .checks
        .iter()
        .map(|c| json!({"name": c.name, "passed": c.passed, "value": c.value, "threshold": c.threshold, "message": c.message}))
        .collect();
    json!({"passed": summary.gate.passed, "checks": checks})
}

fn print_gate(summary: &CleanSummary) {
    println!("quality gate: {}", if summary.gate.passed { "PASSED" } else { "FAILED" });
    for c in &summary.gate.checks {
        println!("  [{}] {:26} {}", if c.passed { "pass" } else { "FAIL" }, c.name, c.message);
    }
}

/// `plantlab bench clean`: the preview of one step next to a full recompute (replaying the
/// whole history from the imported data plus the quality report), on a generated wide table.
pub fn bench(args: &[String]) -> Result<()> {
    let (mut rows, mut tags, mut runs, mut json_output) = (1_000_000usize, 50usize, 3usize, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rows" => rows = crate::flag_number::<usize>(&mut it, "--rows")?,
            "--tags" => tags = crate::flag_number::<usize>(&mut it, "--tags")?.max(1),
            "--runs" => runs = crate::flag_number::<usize>(&mut it, "--runs")?.max(1),
            "--json" => json_output = true,
            other => bail!("unknown option {other}; usage: {USAGE}"),
        }
    }
    let dir = std::env::temp_dir().join(format!("plantlab-bench-clean-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("wide_{rows}x{tags}.csv"));
    eprintln!("generating {rows} rows × {tags} tags into {}", file.display());
    plantlab_engine::generate::wide_numeric_csv(std::io::BufWriter::new(std::fs::File::create(&file)?), rows, tags, 7)?;
    let workbench = Workbench::new();
    let job = JobContext::detached();
    let summary = workbench.load(&file, &ImportOverrides::default(), &job)?;
    let _ = std::fs::remove_dir_all(&dir);
    let tag_names: Vec<String> = summary.columns.iter().skip(1).map(|c| c.name.clone()).collect();
    let first = tag_names.first().cloned().context("the generated table has no tags")?;

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
    let previews = [
        (
            "spike filter on one tag (Hampel ±7, k 6)",
            CleanStep::Outliers { columns: vec![first.clone()], method: OutlierMethod::Hampel { window: 7, k: 6.0 }, action: OutlierAction::Null },
        ),
        ("interpolate one tag", CleanStep::Fill { columns: vec![first.clone()], method: FillMethod::Interpolate { limit: Some(10) } }),
        (
            "resample to 2 min (a row step: every column, whole report)",
            CleanStep::Resample { interval_s: 120.0, aggregate: Aggregate::Mean, max_columns: Vec::new() },
        ),
    ];
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let mut measured = Vec::new();
    for (label, step) in &previews {
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let preview = workbench.clean_preview(&PreviewRequest { step: step.clone(), max_points: 2000, max_series: 4, edit_index: None })?;
            times.push(start.elapsed().as_secs_f64());
            eprintln!("preview {label}: {:.3} s ({} series)", times[times.len() - 1], preview.series.len());
        }
        measured.push((*label, best(&times)));
    }
    // Full recompute: apply the first preview's step, then replay the whole history from the
    // imported data (what an edit of the first step costs), report included.
    workbench.clean(CleanAction::Apply { step: previews[0].1.clone() }, &job)?;
    let mut full = Vec::new();
    for run in 0..runs {
        let start = Instant::now();
        workbench.clean(CleanAction::SetEnabled { index: 0, enabled: run % 2 == 1 }, &job)?;
        full.push(start.elapsed().as_secs_f64());
        eprintln!("full recompute (5 steps + report): {:.3} s", full[full.len() - 1]);
    }
    let full_best = best(&full);
    if json_output {
        let previews: Vec<_> = measured.iter().map(|(label, s)| json!({"step": label, "preview_s": s})).collect();
        let out = json!({"workload": "clean", "rows": rows, "tags": tags, "runs": runs, "previews": previews,
                         "full_recompute_s": full_best, "history_steps": 5});
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("cleaning, {rows} rows × {tags} tags, best of {runs}:");
        for (label, s) in &measured {
            println!("  preview  {s:>7.3} s   {label}");
        }
        println!("  full     {full_best:>7.3} s   replay of 5 steps from the imported data + quality report");
    }
    Ok(())
}
