//! One self-contained HTML report of a PlantLab run: data quality, the cleaning recipe,
//! training curves, evaluation against the majority baseline, event-level scoring, the risk
//! timeline and the alarms of a prediction.
//!
//! The page must open offline in any browser and survive being mailed around, so it carries
//! everything inline: CSS in a `<style>` block, charts as SVG drawn here, no scripts, no
//! external fonts, images or links. The page is built with `maud` templates, which escape every
//! value put into them (text and attributes alike); the only markup let through unescaped is
//! the style sheet below, a constant, and the charts, which are built the same way.

mod chart;
mod text;

use plantlab_protocol::{
    format_duration, format_epoch_millis, point_at, ClassMetrics, ClassWeighting, EpochMetrics, Evaluation, InputWarningKind, ModelKind,
    PredictionResult, QualityReport, Recipe, RiskTimeline, RunDetail, SequenceMode,
};

use maud::{html, Markup, PreEscaped, DOCTYPE};
pub use plantlab_i18n::Lang;
use plantlab_i18n::{Arg, Catalog};

use chart::{bar_chart, Bar, Line, LineChart, Rule, XScale, BLUE, GREY, ORANGE, RED};
use text::{count, delimiter_name, lead_time, number, optional_number, place, yes_no, MISSING};

pub use chart::MAX_SERIES_POINTS;

/// What the report is made of; every part is optional and a missing part gets a short note.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    /// e.g. "PlantLab report — run 20261128-101500-seed".
    pub title: &'a str,
    /// "YYYY-MM-DD HH:MM:SS UTC".
    pub generated: &'a str,
    /// Training config, curves per epoch and the run summary.
    pub run: Option<&'a RunDetail>,
    /// Data-quality summary of the data the model trained on.
    pub quality: Option<&'a QualityReport>,
    /// The cleaning recipe (import settings + ordered steps).
    pub recipe: Option<&'a Recipe>,
    /// Test metrics vs the baseline, curves, confusion, thresholds, events, contributions.
    pub evaluation: Option<&'a Evaluation>,
    /// Alarms with explanations, input warnings, the risk timeline.
    pub prediction: Option<&'a PredictionResult>,
}

/// The title of a run's report, e.g. "PlantLab report — run 20261128-101500-seed".
pub fn run_report_title(run_id: &str, lang: Lang) -> String {
    Catalog::new(lang).text_with("report-run-title", &[("run", Arg::from(run_id))])
}

/// The whole report as one HTML document, in English.
pub fn html_report(input: &ReportInput<'_>) -> String {
    html_report_in(input, Lang::En)
}

/// The whole report as one HTML document in `lang`: every heading, label and sentence this
/// crate writes comes from the catalogue; numbers read the same in every language, and the
/// names, messages and explanations the engine made are shown as given.
pub fn html_report_in(input: &ReportInput<'_>, lang: Lang) -> String {
    let catalog = Catalog::new(lang);
    let t = &catalog;
    // A prediction on labelled data carries its own evaluation; use it when none is given.
    let evaluation = input.evaluation.or_else(|| input.prediction.and_then(|p| p.evaluation.as_ref()));
    // A run stores its recipe as JSON text; use it when no recipe is given.
    let stored_recipe: Option<Recipe> = input.run.and_then(|r| r.recipe.as_deref()).and_then(|json| serde_json::from_str(json).ok());
    let recipe = input.recipe.or(stored_recipe.as_ref());
    // The model evaluated, when known: a trees run's trees baseline is the run itself.
    let model = input.run.map(|r| r.config.model).or_else(|| input.prediction.map(|p| p.bundle.model));

    // The line breaks between elements only keep the page's source readable.
    let page = html! {
        (DOCTYPE) "\n"
        html lang=(lang.tag()) {
            "\n"
            head {
                "\n" meta charset="utf-8";
                "\n" meta name="viewport" content="width=device-width, initial-scale=1";
                "\n" title { (input.title) }
                "\n" style { (PreEscaped(STYLE)) }
                "\n"
            }
            "\n"
            body {
                "\n"
                main {
                    "\n"
                    (header(t, input, evaluation))
                    (quality_section(t, input.quality))
                    (recipe_section(t, recipe))
                    (training_section(t, input.run))
                    (evaluation_section(t, evaluation, model))
                    (events_section(t, evaluation))
                    (timeline_section(t, input.prediction, evaluation))
                    (alarms_section(t, input.prediction))
                }
                "\n"
            }
            "\n"
        }
        "\n"
    };
    page.into_string()
}

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #222; background: #fff; margin: 0; line-height: 1.4; font-size: 14px; }
main { max-width: 960px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 10px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 200px; }
.note { color: #666; font-size: 12.5px; }
.missing { color: #888; font-style: italic; }
.good { color: #1e7b34; font-weight: 600; }
.bad { color: #b02a1e; font-weight: 600; }
.sev-error { color: #b02a1e; font-weight: 600; }
.sev-warning { color: #a35f00; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 6px 0 2px; }
svg text { font-family: inherit; }
svg .tick { font-size: 10px; fill: #444; }
svg .axis { font-size: 11px; fill: #333; }
svg .legend { font-size: 11px; fill: #333; }
svg .note { font-size: 10px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
.charts > div { flex: 1 1 440px; min-width: 0; }
section { break-inside: avoid-page; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; } }
"#;

fn not_available(t: &Catalog, what: &str) -> Markup {
    html! { p class="missing" { (t.text_with("report-not-available", &[("what", Arg::from(what))])) } "\n" }
}

/// A short note in the report's small grey type.
fn note(text: &str) -> Markup {
    html! { p class="note" { (text) } "\n" }
}

fn section(id: &str, heading: &str, body: Markup) -> Markup {
    html! { section id=(id) { "\n" h2 { (heading) } "\n" (body) } "\n" }
}

fn subheading(text: &str) -> Markup {
    html! { h3 { (text) } "\n" }
}

/// Text as markup (escaped), for a cell or value next to cells that carry markup.
fn plain(text: impl AsRef<str>) -> Markup {
    html! { (text.as_ref()) }
}

/// `text` (e.g. a column name) or the missing mark.
fn plain_or_missing(text: Option<&str>) -> Markup {
    plain(text.unwrap_or(MISSING))
}

/// A two-column table of labels and values.
fn key_values(rows: &[(String, Markup)]) -> Markup {
    html! {
        table class="kv" {
            "\n"
            @for (key, value) in rows {
                tr { th { (key) } td { (value) } }
                "\n"
            }
        }
        "\n"
    }
}

/// A table with a header row. Cells that start with a digit, sign or the missing mark are
/// right-aligned.
fn table(headers: &[String], rows: &[Vec<Markup>]) -> Markup {
    let numeric = |cell: &Markup| cell.0.starts_with(|c: char| c.is_ascii_digit() || c == '-') || cell.0 == MISSING;
    html! {
        table {
            "\n"
            tr { @for h in headers { th { (h) } } }
            "\n"
            @for row in rows {
                tr { @for cell in row { td class=[numeric(cell).then_some("num")] { (cell) } } }
                "\n"
            }
        }
        "\n"
    }
}

fn figure(chart: Markup, caption: &str) -> Markup {
    html! { div { (chart) p class="note" { (caption) } } "\n" }
}

/// Figures side by side where the page is wide enough.
fn charts(figures: &[Markup]) -> Markup {
    html! { div class="charts" { "\n" @for f in figures { (f) } } "\n" }
}

// ---------------------------------------------------------------------------------------------
// 1. Header
// ---------------------------------------------------------------------------------------------

fn header(t: &Catalog, input: &ReportInput<'_>, evaluation: Option<&Evaluation>) -> Markup {
    let mut rows: Vec<(String, Markup)> = vec![(t.text("report-generated"), plain(input.generated))];
    let run_id = input
        .run
        .map(|r| r.entry.run_id.clone())
        .or_else(|| input.prediction.map(|p| p.bundle.run_id.clone()))
        .or_else(|| evaluation.and_then(|e| e.run_id.clone()));
    if let Some(run_id) = run_id {
        rows.push((t.text("report-run"), plain(run_id)));
    }
    if let Some(run) = input.run {
        rows.push((t.text("report-model"), plain(run.entry.model.as_str())));
        rows.push((t.text("report-target"), plain(&run.entry.target)));
        rows.push((t.text("report-data-file"), plain(&run.entry.data)));
        rows.push((t.text("report-started"), plain(&run.entry.created)));
    } else if let Some(p) = input.prediction {
        rows.push((t.text("report-model"), plain(p.bundle.model.as_str())));
        rows.push((t.text("report-target"), plain(&p.bundle.target)));
    }
    if let Some(p) = input.prediction {
        rows.push((t.text("report-predicted-file"), plain(&p.file)));
        rows.push((t.text("report-model-bundle"), plain(&p.bundle.path)));
    }
    if let Some(e) = evaluation {
        rows.push((t.text("report-evaluated-on"), plain(plantlab_i18n::evaluated_data_text(t, e))));
    }
    html! { header { "\n" h1 { (input.title) } "\n" (key_values(&rows)) } "\n" }
}

// ---------------------------------------------------------------------------------------------
// 2. Data quality
// ---------------------------------------------------------------------------------------------

fn quality_section(t: &Catalog, quality: Option<&QualityReport>) -> Markup {
    let Some(q) = quality else {
        return section("quality", &t.text("report-data-quality"), not_available(t, &t.text("report-data-quality-report")));
    };
    let summary = key_values(&[
        (t.text("report-rows"), plain(count(q.rows))),
        (t.text("report-columns"), plain(count(q.columns.len() as u64))),
        (t.text("report-timestamp-column"), plain_or_missing(q.timestamp_column.as_deref())),
        (t.text("report-sampling-interval"), plain(q.sampling_interval_s.map_or_else(|| MISSING.to_string(), format_duration))),
    ]);
    let findings: Vec<Vec<Markup>> = q
        .findings
        .iter()
        .map(|f| {
            let severity = format!("{:?}", f.severity).to_lowercase();
            let severity_text = t.text(&format!("report-severity-{severity}"));
            vec![
                plain(plantlab_i18n::finding_kind_text(t, f.kind.as_str())),
                plain(f.column.clone().unwrap_or_else(|| t.text("report-rows-not-a-column"))),
                plain(count(f.count)),
                html! { span class={ "sev-" (severity) } { (severity_text) } },
                plain(plantlab_i18n::finding_examples(t, f)),
                // Worded from the finding's code in the report's language.
                plain(plantlab_i18n::finding_text(t, f)),
            ]
        })
        .collect();
    // Worded from their codes in the report's language.
    let import_warnings = plantlab_i18n::import_warning_texts(t, &q.import_warnings, &q.import_warning_codes);
    let body = html! {
        (summary)
        @if !import_warnings.is_empty() {
            (subheading(&t.text("report-import-warnings")))
            ul { "\n" @for w in &import_warnings { li { (w) } "\n" } } "\n"
        }
        (subheading(&t.text("report-findings")))
        @if findings.is_empty() {
            (note(&t.text("report-no-findings-the-checks-found-nothing-to-clean")))
        } @else {
            (table(&[t.text("report-kind"), t.text("report-column"), t.text("report-count"), t.text("report-severity"), t.text("report-examples"), t.text("report-message")], &findings))
        }
    };
    section("quality", &t.text("report-data-quality"), body)
}

// ---------------------------------------------------------------------------------------------
// 3. Cleaning recipe
// ---------------------------------------------------------------------------------------------

fn recipe_section(t: &Catalog, recipe: Option<&Recipe>) -> Markup {
    let Some(r) = recipe else {
        return section("recipe", &t.text("report-cleaning-recipe"), not_available(t, &t.text("report-cleaning-recipe")));
    };
    let import = &r.import;
    let settings = key_values(&[
        (t.text("report-delimiter"), plain(delimiter_name(t, import.delimiter))),
        (t.text("report-decimal-separator"), plain(import.decimal.to_string())),
        (t.text("report-encoding"), plain(&import.encoding)),
        (t.text("report-header-rows"), plain(import.header_rows.to_string())),
        (t.text("report-timestamp-column"), plain_or_missing(import.timestamp_column.as_deref())),
        (t.text("report-timestamp-format"), plain_or_missing(import.timestamp_format.as_deref())),
        (t.text("report-sheet"), plain_or_missing(import.sheet.as_deref())),
        (
            t.text("report-statistics-fitted-on"),
            plain(t.text_with("report-first-percent-of-rows", &[("percent", Arg::from(number(r.train_fraction * 100.0, 0)))])),
        ),
    ]);
    let steps: Vec<Vec<Markup>> = r
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| vec![plain((i + 1).to_string()), plain(plantlab_i18n::step_text(t, &s.step)), plain(yes_no(t, s.enabled))])
        .collect();
    let body = html! {
        (subheading(&t.text("report-import-settings")))
        (settings)
        (subheading(&t.text("report-steps-in-order")))
        @if steps.is_empty() {
            (note(&t.text("report-no-cleaning-steps")))
        } @else {
            (table(&["#".to_string(), t.text("report-step"), t.text("report-enabled")], &steps))
        }
    };
    section("recipe", &t.text("report-cleaning-recipe"), body)
}

// ---------------------------------------------------------------------------------------------
// 4. Training
// ---------------------------------------------------------------------------------------------

fn training_section(t: &Catalog, run: Option<&RunDetail>) -> Markup {
    let Some(run) = run else {
        return section("training", &t.text("report-training"), not_available(t, &t.text("report-training-run")));
    };
    let c = &run.config;
    let mode = match c.mode {
        SequenceMode::Row => t.text("report-one-row-per-sequence"),
        SequenceMode::Window { window, stride } => {
            t.text_with("report-windows-of-rows", &[("window", Arg::from(window)), ("stride", Arg::from(stride))])
        }
    };
    let weighting = match c.class_weighting {
        ClassWeighting::Auto => t.text("report-weighting-auto"),
        ClassWeighting::On => t.text("report-weighting-on"),
        ClassWeighting::Off => t.text("report-weighting-off"),
    };
    let weighting = match run.data.as_ref().and_then(|d| d.class_weights_from.as_ref()) {
        Some(column) => plain(t.text_with("report-weights-from-column", &[("column", Arg::from(column))])),
        None => plain(weighting),
    };
    let gate = match c.gate {
        None => plain(t.text("report-not-evaluated")),
        Some(g) if g.passed => html! { span class="good" { (t.text("report-gate-passed")) } },
        Some(g) if g.overridden => html! { span class="bad" { (t.text("report-gate-failed")) } (t.text("report-gate-overridden")) },
        Some(_) => html! { span class="bad" { (t.text("report-gate-failed")) } },
    };
    // A trees run grows boosting rounds: its settings and curves are the trees', not a network's.
    let trees_run = c.model == ModelKind::Trees;
    let mut rows: Vec<(String, Markup)> = vec![(t.text("report-model"), plain(c.model.as_str())), (t.text("report-target"), plain(&c.target))];
    if trees_run {
        let trees = &c.trees;
        rows.extend([
            (
                t.text("report-boosting-rounds"),
                plain(t.text_with(
                    "report-rounds-at-most-run",
                    &[("rounds", Arg::from(trees.rounds.to_string())), ("run", Arg::from(run.entry.epochs_run.to_string()))],
                )),
            ),
            (t.text("report-learning-rate"), plain(trees.learning_rate.to_string())),
            (t.text("report-leaves-per-tree"), plain(trees.max_leaves.to_string())),
            (t.text("report-min-samples-per-leaf"), plain(trees.min_samples_leaf.to_string())),
            (t.text("report-l2-penalty"), plain(trees.l2.to_string())),
        ]);
    } else {
        let width = if c.model == ModelKind::Mlp {
            (t.text("report-hidden-units"), plain(c.hidden.to_string()))
        } else {
            (t.text("report-embedding-width"), plain(c.embedding_dim.to_string()))
        };
        rows.extend([
            (
                t.text("report-epochs"),
                plain(t.text_with(
                    "report-epochs-at-most-run",
                    &[("epochs", Arg::from(c.epochs.to_string())), ("run", Arg::from(run.entry.epochs_run.to_string()))],
                )),
            ),
            (t.text("report-batch-size"), plain(c.batch_size.to_string())),
            (t.text("report-learning-rate"), plain(c.learning_rate.to_string())),
            width,
        ]);
    }
    rows.push((t.text("report-bins-per-tag"), plain(c.bins.to_string())));
    if c.model.dense_input() {
        let window = match c.feature_window {
            None => t.text("report-window-features-off"),
            Some(window) => t.text_with("report-window-features-samples", &[("window", Arg::from(window.to_string()))]),
        };
        rows.push((t.text("report-window-features"), plain(window)));
        // The number of pairs depends on the data's numeric tags, which the config does not hold.
        if c.interactions {
            rows.push((t.text("report-interactions"), plain(t.text("report-interactions-on"))));
        }
    }
    // Runs from before window features trained the MLP on sequence windows too.
    if !c.model.dense_input() || c.mode != SequenceMode::Row {
        rows.push((t.text("report-sequence-mode"), plain(mode)));
    }
    let patience = if trees_run {
        t.text_with("report-patience-rounds", &[("rounds", Arg::from(c.trees.patience.to_string()))])
    } else {
        c.patience.map_or_else(|| t.text("report-weighting-off"), |p| t.text_with("report-patience-epochs", &[("epochs", Arg::from(p.to_string()))]))
    };
    rows.extend([
        (
            t.text("report-split-train-validation-test"),
            plain(format!(
                "{} / {} / {} %",
                number(c.split.train * 100.0, 0),
                number(c.split.validation * 100.0, 0),
                number(c.split.test * 100.0, 0)
            )),
        ),
        (t.text("report-class-weighting"), weighting),
        (t.text("report-early-stopping-patience"), plain(patience)),
        (t.text("report-seed"), plain(c.seed.to_string())),
        (t.text("report-quality-gate"), gate),
    ]);
    if let Some(data) = &run.data {
        rows.push((t.text("report-classes"), plain(data.classes.join(", "))));
        rows.push((t.text("report-features"), plain(format!("{} ({})", data.features.len(), data.features.join(", ")))));
        rows.push((
            t.text("report-samples-train-validation-test"),
            plain(format!("{} / {} / {}", count(data.train_samples), count(data.validation_samples), count(data.test_samples))),
        ));
    }

    let curves = if run.epochs.is_empty() {
        not_available(t, &t.text("report-per-epoch-curves"))
    } else {
        let best_epoch =
            run.summary.as_ref().map(|s| s.best_epoch).filter(|&e| e > 0).or_else(|| run.epochs.iter().rev().find(|e| e.best).map(|e| e.epoch));
        let axis = if trees_run { t.text("report-axis-round") } else { t.text("report-axis-epoch") };
        let curve = |title: String, y_label: String, pick: fn(&EpochMetrics) -> (f64, f64)| {
            let mut chart = LineChart::new(&title, &axis, &y_label);
            let points: Vec<(f64, (f64, f64))> = run.epochs.iter().map(|e| (f64::from(e.epoch), pick(e))).collect();
            chart.lines.push(Line {
                name: t.text("report-series-train"),
                points: points.iter().map(|(x, y)| (*x, y.0)).collect(),
                color: BLUE,
                dashed: false,
                dots: true,
            });
            chart.lines.push(Line {
                name: t.text("report-series-validation"),
                points: points.iter().map(|(x, y)| (*x, y.1)).collect(),
                color: ORANGE,
                dashed: false,
                dots: true,
            });
            if let Some(best) = best_epoch {
                let label = if trees_run {
                    t.text_with("report-best-round", &[("round", Arg::from(best.to_string()))])
                } else {
                    t.text_with("report-best-epoch", &[("epoch", Arg::from(best.to_string()))])
                };
                chart.vertical_rules.push(Rule { label, value: f64::from(best), color: GREY });
            }
            chart.render()
        };
        let loss_of: fn(&EpochMetrics) -> (f64, f64) = |e| (e.train_loss, e.val_loss);
        let accuracy_of: fn(&EpochMetrics) -> (f64, f64) = |e| (e.train_accuracy, e.val_accuracy);
        if trees_run {
            let loss = curve(t.text("report-training-and-validation-loss-per-round"), t.text("report-axis-loss"), loss_of);
            let accuracy = curve(t.text("report-training-and-validation-accuracy-per-round"), t.text("report-axis-accuracy"), accuracy_of);
            charts(&[figure(loss, &t.text("report-loss-caption-rounds")), figure(accuracy, &t.text("report-accuracy-caption-rounds"))])
        } else {
            let loss = curve(t.text("report-training-and-validation-loss-per-epoch"), t.text("report-axis-loss"), loss_of);
            let accuracy = curve(t.text("report-training-and-validation-accuracy-per-epoch"), t.text("report-axis-accuracy"), accuracy_of);
            charts(&[figure(loss, &t.text("report-loss-caption")), figure(accuracy, &t.text("report-accuracy-caption"))])
        }
    };

    let summary = match &run.summary {
        None => not_available(t, &t.text("report-run-summary")),
        Some(s) => {
            let (run_key, best_key) = if trees_run {
                (t.text("report-rounds-run"), t.text("report-best-round-heading"))
            } else {
                (t.text("report-epochs-run"), t.text("report-best-epoch-heading"))
            };
            let mut rows = vec![
                (t.text("report-status"), plain(plantlab_i18n::run_status_text(t, s.status))),
                (t.text("report-message"), plain(plantlab_i18n::run_stop_text(t, s))),
                (run_key, plain(s.epochs_run.to_string())),
                (best_key, plain(s.best_epoch.to_string())),
                (t.text("report-majority-accuracy-test"), plain(number(s.majority_accuracy, 3))),
                (t.text("report-test-roc-auc"), plain(optional_number(s.test.as_ref().and_then(|t| t.roc_auc), 3))),
                (t.text("report-test-pr-auc"), plain(optional_number(s.test.as_ref().and_then(|t| t.pr_auc), 3))),
            ];
            if let Some(trees) = s.baseline_trees.as_ref().filter(|_| !trees_run) {
                rows.push((t.text("report-trees-baseline-test-accuracy"), plain(number(trees.accuracy, 3))));
                rows.push((t.text("report-trees-baseline-test-pr-auc"), plain(optional_number(trees.pr_auc, 3))));
            }
            rows.push((t.text("report-training-time"), plain(format_duration(s.seconds))));
            key_values(&rows)
        }
    };
    let body = html! {
        (key_values(&rows))
        (curves)
        (subheading(&t.text("report-run-summary")))
        (summary)
    };
    section("training", &t.text("report-training"), body)
}

// ---------------------------------------------------------------------------------------------
// 5. Evaluation
// ---------------------------------------------------------------------------------------------

/// One row per metric: the model, the majority baseline and, when given, the trees baseline.
fn metrics_rows(t: &Catalog, model: &ClassMetrics, baseline: &ClassMetrics, trees: Option<&ClassMetrics>) -> Vec<Vec<Markup>> {
    let fixed = |value: fn(&ClassMetrics) -> f64| move |m: &ClassMetrics| number(value(m), 3);
    type Cell = Box<dyn Fn(&ClassMetrics) -> String>;
    let rows: [(String, Cell); 8] = [
        (t.text("report-accuracy"), Box::new(fixed(|m| m.accuracy))),
        (t.text("report-balanced-accuracy"), Box::new(fixed(|m| m.balanced_accuracy))),
        (t.text("report-precision"), Box::new(fixed(|m| m.precision))),
        (t.text("report-recall"), Box::new(fixed(|m| m.recall))),
        (t.text("report-f1"), Box::new(fixed(|m| m.f1))),
        (t.text("report-roc-auc"), Box::new(|m| optional_number(m.roc_auc, 3))),
        (t.text("report-pr-auc"), Box::new(|m| optional_number(m.pr_auc, 3))),
        (t.text("report-samples"), Box::new(|m| count(m.samples))),
    ];
    rows.iter()
        .map(|(name, cell)| {
            let mut row = vec![plain(name), plain(cell(model)), plain(cell(baseline))];
            row.extend(trees.map(|trees| plain(cell(trees))));
            row
        })
        .collect()
}

/// "The trees baseline is ahead of this model on PR-AUC (0.723 against 0.612).", when it is:
/// on PR-AUC for a binary target, on accuracy otherwise; equal at the decimals shown is not ahead.
fn trees_ahead(t: &Catalog, model: &ClassMetrics, trees: &ClassMetrics, binary: bool) -> Option<String> {
    let (key, model_value, trees_value) = if binary {
        ("report-trees-ahead-pr-auc", model.pr_auc?, trees.pr_auc?)
    } else {
        ("report-trees-ahead-accuracy", model.accuracy, trees.accuracy)
    };
    let shown = |v: f64| (v * 1000.0).round();
    let ahead = model_value.is_finite() && trees_value.is_finite() && shown(trees_value) > shown(model_value);
    ahead.then(|| t.text_with(key, &[("trees", Arg::from(number(trees_value, 3))), ("model", Arg::from(number(model_value, 3)))]))
}

fn confusion_table(t: &Catalog, confusion: &[Vec<u64>], classes: &[String]) -> Markup {
    let name = |i: usize| classes.get(i).cloned().unwrap_or_else(|| t.text_with("report-class-number", &[("index", Arg::from(i.to_string()))]));
    html! {
        table {
            "\n"
            tr {
                th { (t.text("report-actual-predicted")) }
                @for j in 0..confusion.first().map_or(0, Vec::len) { th { (name(j)) } }
            }
            "\n"
            @for (i, row) in confusion.iter().enumerate() {
                tr {
                    th { (name(i)) }
                    @for (j, n) in row.iter().enumerate() {
                        td class="num" style=[(i == j).then_some("background:#eaf4ea")] { (count(*n)) }
                    }
                }
                "\n"
            }
        }
        "\n"
    }
}

/// Share of positive samples in the evaluated data: the precision of a random classifier.
fn positive_rate(e: &Evaluation) -> Option<f64> {
    let positive = e.positive_class?;
    let total: u64 = e.test.confusion.iter().flatten().sum();
    let positives: u64 = e.test.confusion.get(positive)?.iter().sum();
    (total > 0).then(|| positives as f64 / total as f64)
}

fn evaluation_section(t: &Catalog, evaluation: Option<&Evaluation>, model: Option<ModelKind>) -> Markup {
    let Some(e) = evaluation else {
        return section("evaluation", &t.text("report-evaluation"), not_available(t, &t.text("report-evaluation")));
    };
    // A trees run's trees baseline would repeat the model.
    let trees = e.baseline_trees.as_ref().filter(|_| model != Some(ModelKind::Trees));
    let mut metric_headers = vec![t.text("report-metric"), t.text("report-model"), t.text("report-majority-baseline")];
    metric_headers.extend(trees.map(|_| t.text("report-trees-baseline")));
    let threshold = [("threshold", Arg::from(number(e.threshold, 3)))];
    let metrics_heading =
        if trees.is_some() { t.text_with("report-model-vs-baselines", &threshold) } else { t.text_with("report-model-vs-baseline", &threshold) };
    let ahead = trees.and_then(|trees| trees_ahead(t, &e.test, trees, e.positive_class.is_some()));
    let summary = key_values(&[
        (t.text("report-evaluated-on"), plain(plantlab_i18n::evaluated_data_text(t, e))),
        (t.text("report-samples"), plain(count(e.samples))),
        (t.text("report-classes"), plain(e.classes.join(", "))),
        (t.text("report-positive-fault-class"), plain_or_missing(e.positive_class.and_then(|i| e.classes.get(i)).map(String::as_str))),
        (t.text("report-decision-threshold"), plain(number(e.threshold, 3))),
    ]);

    let mut curves = Vec::new();
    if !e.roc.is_empty() {
        let mut roc =
            LineChart::new(&t.text("report-roc-curve"), &t.text("report-axis-false-positive-rate"), &t.text("report-axis-true-positive-rate"));
        roc.x_range = Some((0.0, 1.0));
        roc.y_range = Some((0.0, 1.0));
        roc.lines.push(Line { name: t.text("report-series-chance"), points: vec![(0.0, 0.0), (1.0, 1.0)], color: GREY, dashed: true, dots: false });
        roc.lines.push(Line {
            name: t.text_with("report-series-model-auc", &[("auc", Arg::from(optional_number(e.test.roc_auc, 3)))]),
            points: e.roc.iter().map(|p| (p[0], p[1])).collect(),
            color: BLUE,
            dashed: false,
            dots: false,
        });
        curves.push(figure(roc.render(), &t.text("report-roc-caption")));
    }
    if !e.pr.is_empty() {
        let mut pr = LineChart::new(&t.text("report-precision-recall-curve"), &t.text("report-axis-recall"), &t.text("report-axis-precision"));
        pr.x_range = Some((0.0, 1.0));
        pr.y_range = Some((0.0, 1.0));
        pr.lines.push(Line {
            name: t.text_with("report-series-model-auc", &[("auc", Arg::from(optional_number(e.test.pr_auc, 3)))]),
            points: e.pr.iter().map(|p| (p[0], p[1])).collect(),
            color: BLUE,
            dashed: false,
            dots: false,
        });
        if let Some(rate) = positive_rate(e) {
            pr.horizontal_rules.push(Rule {
                label: t.text_with("report-positive-rate", &[("rate", Arg::from(number(rate, 3)))]),
                value: rate,
                color: GREY,
            });
        }
        curves.push(figure(pr.render(), &t.text("report-pr-caption")));
    }

    let mut thresholds = Vec::new();
    if !e.thresholds.is_empty() {
        let mut wanted: Vec<f64> = (1..10).map(|i| f64::from(i) / 10.0).collect();
        wanted.push(e.threshold);
        wanted.sort_by(f64::total_cmp);
        let mut last_threshold = None;
        for wanted_threshold in wanted {
            let Some(p) = point_at(&e.thresholds, wanted_threshold) else { continue };
            // Thresholds between two table points decide the same; show each point once.
            if last_threshold == Some(p.threshold.to_bits()) {
                continue;
            }
            last_threshold = Some(p.threshold.to_bits());
            let mark = if point_at(&e.thresholds, e.threshold) == Some(p) { t.text("report-threshold-used") } else { String::new() };
            thresholds.push(
                [
                    format!("{}{mark}", number(p.threshold, 3)),
                    number(p.precision(), 3),
                    number(p.recall(), 3),
                    number(p.f1(), 3),
                    number(p.false_positive_rate(), 3),
                    count(p.tp),
                    count(p.fp),
                    count(p.fn_),
                ]
                .into_iter()
                .map(plain)
                .collect(),
            );
        }
    }

    const SHOWN: usize = 15;
    let bars: Vec<Bar> = e
        .contributions
        .iter()
        .take(SHOWN)
        .map(|c| Bar { label: c.tag.clone(), value: c.mean_abs, color: if c.mean_signed >= 0.0 { RED } else { BLUE } })
        .collect();

    let body = html! {
        (summary)
        (subheading(&metrics_heading))
        (table(&metric_headers, &metrics_rows(t, &e.test, &e.baseline, trees)))
        @if trees.is_some() {
            (note(&t.text("report-trees-baseline-note")))
        }
        @if let Some(sentence) = &ahead {
            p class="bad" { (sentence) } "\n"
        }
        (subheading(&t.text("report-confusion-matrix")))
        @if e.test.confusion.is_empty() {
            (not_available(t, &t.text("report-confusion-matrix")))
        } @else {
            (confusion_table(t, &e.test.confusion, &e.classes))
        }
        @if curves.is_empty() {
            (not_available(t, &t.text("report-roc-and-precision-recall-curves")))
        } @else {
            (charts(&curves))
        }
        @if !e.thresholds.is_empty() {
            (subheading(&t.text("report-thresholds")))
            (table(&[t.text("report-threshold"), t.text("report-precision"), t.text("report-recall"), t.text("report-f1"), t.text("report-false-positive-rate"), t.text("report-tp"), t.text("report-fp"), t.text("report-fn")], &thresholds))
        }
        (subheading(&t.text("report-contributing-tags")))
        @if bars.is_empty() {
            (not_available(t, &t.text("report-tag-contributions")))
        } @else {
            (figure(
                bar_chart(&t.text("report-contributing-tags"), &bars, 3),
                &t.text("report-contributions-caption"),
            ))
            @if e.contributions.len() > SHOWN {
                (note(&t.text_with("report-more-tags-not-shown", &[("count", Arg::from(e.contributions.len() - SHOWN))])))
            }
        }
    };
    section("evaluation", &t.text("report-evaluation"), body)
}

// ---------------------------------------------------------------------------------------------
// 6. Event-level scoring
// ---------------------------------------------------------------------------------------------

fn events_section(t: &Catalog, evaluation: Option<&Evaluation>) -> Markup {
    let thin = html! {
        @if let Some(episodes) = evaluation.and_then(Evaluation::thin_evidence) {
            p class="bad" {
                (t.text_with("report-thin-evidence", &[("episodes", Arg::from(episodes)), ("minimum", Arg::from(plantlab_protocol::THIN_EVIDENCE_EPISODES))]))
            }
            "\n"
        }
    };
    let Some(ev) = evaluation.and_then(|e| e.events.as_ref()) else {
        let body = html! { (not_available(t, &t.text("report-event-level-scoring-no-labelled-fault-episodes"))) (thin) };
        return section("events", &t.text("report-event-level-scoring"), body);
    };
    let false_alarm_rate = if ev.has_timestamps {
        (t.text("report-false-alarm-events-per-day"), optional_number(ev.false_alarms_per_day, 2))
    } else {
        (t.text("report-false-alarm-events-per-1-000-samples"), number(ev.false_alarms_per_1000_samples, 2))
    };
    let mut rows = vec![
        (t.text("report-episodes"), count(ev.episodes.len() as u64)),
        (t.text("report-detected"), count(u64::from(ev.detected))),
        (t.text("report-missed"), count(u64::from(ev.missed))),
        (t.text("report-median-lead-time"), lead_time(t, ev.median_lead_time, ev.has_timestamps)),
        (t.text("report-false-alarm-events"), count(u64::from(ev.false_alarms))),
        false_alarm_rate,
        (t.text("report-normal-samples"), count(ev.normal_samples)),
    ];
    if let Some((false_samples, samples)) = evaluation.and_then(Evaluation::alarm_samples) {
        rows.push((t.text("report-alarm-samples-false-alarm-samples"), format!("{} ({})", count(samples), count(false_samples))));
    }
    if let Some(o) = evaluation.map(|e| e.event_options) {
        rows.push((
            t.text("report-alarm-events-from-samples"),
            t.text_with(
                "report-alarm-event-settings",
                &[
                    ("clear", Arg::from(number(o.clear_ratio * 100.0, 0))),
                    ("duration", Arg::from(o.min_duration_samples.to_string())),
                    ("dead-time", Arg::from(o.dead_time_samples.to_string())),
                ],
            ),
        ));
    }
    if let Some(days) = ev.normal_days {
        rows.push((t.text("report-normal-operation"), t.text_with("report-days", &[("days", Arg::from(number(days, 1)))])));
    }
    let rows: Vec<(String, Markup)> = rows.into_iter().map(|(key, value)| (key, plain(value))).collect();
    let episodes: Vec<Vec<Markup>> = ev
        .episodes
        .iter()
        .map(|ep| {
            let detected = if ep.detected {
                html! { span class="good" { (t.text("report-episode-detected")) } }
            } else {
                html! { span class="bad" { (t.text("report-episode-missed")) } }
            };
            let first_alarm = match (ep.first_alarm_ms, ep.first_alarm_row) {
                (ms, Some(row)) => place(t, ms, row),
                (Some(ms), None) => format_epoch_millis(ms),
                (None, None) => MISSING.to_string(),
            };
            vec![
                plain(ep.index.to_string()),
                plain(place(t, ep.start_ms, ep.start_row)),
                plain(place(t, ep.end_ms, ep.end_row)),
                detected,
                plain(first_alarm),
                plain(lead_time(t, ep.lead_time, ev.has_timestamps)),
            ]
        })
        .collect();
    let body = html! {
        (thin)
        (key_values(&rows))
        @if !episodes.is_empty() {
            (table(&["#".to_string(), t.text("report-start"), t.text("report-end"), t.text("report-result"), t.text("report-first-alarm"), t.text("report-lead-time")], &episodes))
            (note(&t.text("report-lead-time-note")))
        }
    };
    section("events", &t.text("report-event-level-scoring"), body)
}

// ---------------------------------------------------------------------------------------------
// 7. Risk timeline
// ---------------------------------------------------------------------------------------------

fn timeline_section(t: &Catalog, prediction: Option<&PredictionResult>, evaluation: Option<&Evaluation>) -> Markup {
    let chosen: Option<(&RiskTimeline, f64)> = prediction
        .filter(|p| !p.timeline.x.is_empty())
        .map(|p| (&p.timeline, p.threshold))
        .or_else(|| evaluation.filter(|e| !e.timeline.x.is_empty()).map(|e| (&e.timeline, e.threshold)));
    let Some((timeline, threshold)) = chosen else {
        return section("timeline", &t.text("report-risk-timeline"), not_available(t, &t.text("report-risk-timeline")));
    };
    let x_label = if timeline.has_timestamps { t.text("report-axis-time-utc") } else { t.text("report-axis-row") };
    let mut chart = LineChart::new(&t.text("report-risk-timeline"), &x_label, &t.text("report-axis-risk"));
    chart.x_scale = if timeline.has_timestamps { XScale::EpochMillis } else { XScale::Number };
    chart.y_range = Some((0.0, 1.0));
    chart.lines.push(Line {
        name: t.text("report-axis-risk"),
        points: timeline.x.iter().zip(&timeline.risk).map(|(x, r)| (*x, f64::from(*r))).collect(),
        color: BLUE,
        dashed: false,
        dots: false,
    });
    chart.horizontal_rules.push(Rule {
        label: t.text_with("report-threshold-rule", &[("threshold", Arg::from(number(threshold, 3)))]),
        value: threshold,
        color: RED,
    });
    chart.bands = fault_spans(timeline);
    chart.band_label = t.text("report-fault-label");
    let range = match (timeline.x.first(), timeline.x.last()) {
        (Some(a), Some(b)) if timeline.has_timestamps => t.text_with(
            "report-timeline-from-to",
            &[("from", Arg::from(format_epoch_millis(a.round() as i64))), ("to", Arg::from(format_epoch_millis(b.round() as i64)))],
        ),
        (Some(a), Some(b)) => t.text_with("report-timeline-rows", &[("from", Arg::from(number(*a, 0))), ("to", Arg::from(number(*b, 0)))]),
        _ => String::new(),
    };
    let caption = t.text_with("report-timeline-caption", &[("points", Arg::from(count(timeline.x.len() as u64))), ("range", Arg::from(range))]);
    section("timeline", &t.text("report-risk-timeline"), figure(chart.render(), &caption))
}

/// Consecutive fault-labelled points as x spans.
fn fault_spans(timeline: &RiskTimeline) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut start: Option<f64> = None;
    let mut previous = 0.0;
    for (x, fault) in timeline.x.iter().zip(&timeline.fault) {
        match (fault, start) {
            (true, None) => start = Some(*x),
            (false, Some(s)) => {
                spans.push((s, previous));
                start = None;
            }
            _ => {}
        }
        previous = *x;
    }
    if let Some(s) = start {
        spans.push((s, previous));
    }
    spans
}

// ---------------------------------------------------------------------------------------------
// 8. Alarms
// ---------------------------------------------------------------------------------------------

fn alarms_section(t: &Catalog, prediction: Option<&PredictionResult>) -> Markup {
    let Some(p) = prediction else {
        return section("alarms", &t.text("report-alarms"), not_available(t, &t.text("report-prediction-alarms-and-input-warnings")));
    };
    let summary = key_values(&[
        (t.text("report-file"), plain(&p.file)),
        (t.text("report-rows-samples-predicted"), plain(format!("{} / {}", count(p.rows), count(p.samples)))),
        (t.text("report-threshold"), plain(number(p.threshold, 3))),
        (t.text("report-alarm-events"), plain(count(p.alarm_count.max(p.alarms.len() as u64)))),
        (t.text("report-alarm-samples"), plain(count(p.alarm_samples))),
    ]);
    let alarms: Vec<Vec<Markup>> = p
        .alarms
        .iter()
        .map(|a| {
            let tags = html! {
                @for (i, top) in a.top_tags.iter().enumerate() {
                    @if i > 0 { br; }
                    (top.tag) " (" (number(top.mean_signed, 3)) ")"
                }
            };
            vec![
                plain(a.index.to_string()),
                plain(place(t, a.start_ms, a.start_row)),
                plain(place(t, a.end_ms, a.end_row)),
                plain(number(a.peak_risk, 3)),
                tags,
                plain(plantlab_i18n::alarm_explanation_text(t, a)),
            ]
        })
        .collect();
    let warnings: Vec<Vec<Markup>> = p
        .warnings
        .iter()
        .map(|w| vec![plain(warning_kind(t, w.kind)), plain(&w.tag), plain(count(w.count)), plain(plantlab_i18n::input_warning_text(t, w))])
        .collect();
    let body = html! {
        (summary)
        @if let Some(o) = &p.training_overlap {
            p class="bad" {
                (t.text_with("report-training-overlap", &[
                    ("samples", Arg::from(count(o.samples))),
                    ("from", Arg::from(format_epoch_millis(o.train_start_ms))),
                    ("to", Arg::from(format_epoch_millis(o.train_end_ms))),
                ]))
            }
            "\n"
        }
        @if alarms.is_empty() {
            (note(&t.text("report-no-alarms-the-risk-stayed-below-the-threshold")))
        } @else {
            (table(&[t.text("report-event"), t.text("report-start"), t.text("report-end"), t.text("report-peak-risk"), t.text("report-top-tags"), t.text("report-explanation")], &alarms))
        }
        (subheading(&t.text("report-input-warnings")))
        @if warnings.is_empty() {
            (note(&t.text("report-no-input-warnings-the-data-looks-like-the-training-data")))
        } @else {
            (table(&[t.text("report-kind"), t.text("report-tag"), t.text("report-samples"), t.text("report-message")], &warnings))
        }
    };
    section("alarms", &t.text("report-alarms"), body)
}

fn warning_kind(t: &Catalog, kind: InputWarningKind) -> String {
    t.text(match kind {
        InputWarningKind::MissingTag => "report-warning-missing-tag",
        InputWarningKind::OutOfTrainingRange => "report-warning-out-of-training-range",
        InputWarningKind::UnseenCategory => "report-warning-unseen-category",
        InputWarningKind::MostlyMissing => "report-warning-mostly-missing",
    })
}
