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
    format_duration, format_epoch_millis, point_at, ClassMetrics, ClassWeighting, EpochMetrics, Evaluation, InputWarningKind, PredictionResult,
    QualityReport, Recipe, RiskTimeline, RunDetail, SequenceMode,
};

use maud::{html, Markup, PreEscaped, DOCTYPE};

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

/// The whole report as one HTML document.
pub fn html_report(input: &ReportInput<'_>) -> String {
    // A prediction on labelled data carries its own evaluation; use it when none is given.
    let evaluation = input.evaluation.or_else(|| input.prediction.and_then(|p| p.evaluation.as_ref()));
    // A run stores its recipe as JSON text; use it when no recipe is given.
    let stored_recipe: Option<Recipe> = input.run.and_then(|r| r.recipe.as_deref()).and_then(|json| serde_json::from_str(json).ok());
    let recipe = input.recipe.or(stored_recipe.as_ref());

    // The line breaks between elements only keep the page's source readable.
    let page = html! {
        (DOCTYPE) "\n"
        html lang="en" {
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
                    (header(input, evaluation))
                    (quality_section(input.quality))
                    (recipe_section(recipe))
                    (training_section(input.run))
                    (evaluation_section(evaluation))
                    (events_section(evaluation))
                    (timeline_section(input.prediction, evaluation))
                    (alarms_section(input.prediction))
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
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
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

fn not_available(what: &str) -> Markup {
    html! { p class="missing" { (what) " not available." } "\n" }
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
fn key_values(rows: &[(&str, Markup)]) -> Markup {
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
fn table(headers: &[&str], rows: &[Vec<Markup>]) -> Markup {
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

fn header(input: &ReportInput<'_>, evaluation: Option<&Evaluation>) -> Markup {
    let mut rows: Vec<(&str, Markup)> = vec![("Generated", plain(input.generated))];
    let run_id = input
        .run
        .map(|r| r.entry.run_id.clone())
        .or_else(|| input.prediction.map(|p| p.bundle.run_id.clone()))
        .or_else(|| evaluation.and_then(|e| e.run_id.clone()));
    if let Some(run_id) = run_id {
        rows.push(("Run", plain(run_id)));
    }
    if let Some(run) = input.run {
        rows.push(("Model", plain(run.entry.model.as_str())));
        rows.push(("Target", plain(&run.entry.target)));
        rows.push(("Data file", plain(&run.entry.data)));
        rows.push(("Started", plain(&run.entry.created)));
    } else if let Some(p) = input.prediction {
        rows.push(("Model", plain(p.bundle.model.as_str())));
        rows.push(("Target", plain(&p.bundle.target)));
    }
    if let Some(p) = input.prediction {
        rows.push(("Predicted file", plain(&p.file)));
        rows.push(("Model bundle", plain(&p.bundle.path)));
    }
    if let Some(e) = evaluation {
        rows.push(("Evaluated on", plain(&e.source)));
    }
    html! { header { "\n" h1 { (input.title) } "\n" (key_values(&rows)) } "\n" }
}

// ---------------------------------------------------------------------------------------------
// 2. Data quality
// ---------------------------------------------------------------------------------------------

fn quality_section(quality: Option<&QualityReport>) -> Markup {
    let Some(q) = quality else {
        return section("quality", "Data quality", not_available("Data-quality report"));
    };
    let summary = key_values(&[
        ("Rows", plain(count(q.rows))),
        ("Columns", plain(count(q.columns.len() as u64))),
        ("Timestamp column", plain_or_missing(q.timestamp_column.as_deref())),
        ("Sampling interval", plain(q.sampling_interval_s.map_or_else(|| MISSING.to_string(), format_duration))),
    ]);
    let findings: Vec<Vec<Markup>> = q
        .findings
        .iter()
        .map(|f| {
            let severity = format!("{:?}", f.severity).to_lowercase();
            vec![
                plain(f.kind.as_str()),
                plain(f.column.as_deref().unwrap_or("(rows)")),
                plain(count(f.count)),
                html! { span class={ "sev-" (severity) } { (severity) } },
                plain(f.examples.join(", ")),
                plain(&f.message),
            ]
        })
        .collect();
    let body = html! {
        (summary)
        @if !q.import_warnings.is_empty() {
            (subheading("Import warnings"))
            ul { "\n" @for w in &q.import_warnings { li { (w) } "\n" } } "\n"
        }
        (subheading("Findings"))
        @if findings.is_empty() {
            (note("No findings: the checks found nothing to clean."))
        } @else {
            (table(&["Kind", "Column", "Count", "Severity", "Examples", "Message"], &findings))
        }
    };
    section("quality", "Data quality", body)
}

// ---------------------------------------------------------------------------------------------
// 3. Cleaning recipe
// ---------------------------------------------------------------------------------------------

fn recipe_section(recipe: Option<&Recipe>) -> Markup {
    let Some(r) = recipe else {
        return section("recipe", "Cleaning recipe", not_available("Cleaning recipe"));
    };
    let import = &r.import;
    let settings = key_values(&[
        ("Delimiter", plain(delimiter_name(import.delimiter))),
        ("Decimal separator", plain(import.decimal.to_string())),
        ("Encoding", plain(&import.encoding)),
        ("Header rows", plain(import.header_rows.to_string())),
        ("Timestamp column", plain_or_missing(import.timestamp_column.as_deref())),
        ("Timestamp format", plain_or_missing(import.timestamp_format.as_deref())),
        ("Sheet", plain_or_missing(import.sheet.as_deref())),
        ("Statistics fitted on", plain(format!("first {} % of rows", number(r.train_fraction * 100.0, 0)))),
    ]);
    let steps: Vec<Vec<Markup>> =
        r.steps.iter().enumerate().map(|(i, s)| vec![plain((i + 1).to_string()), plain(s.step.describe()), plain(yes_no(s.enabled))]).collect();
    let body = html! {
        (subheading("Import settings"))
        (settings)
        (subheading("Steps, in order"))
        @if steps.is_empty() {
            (note("No cleaning steps."))
        } @else {
            (table(&["#", "Step", "Enabled"], &steps))
        }
    };
    section("recipe", "Cleaning recipe", body)
}

// ---------------------------------------------------------------------------------------------
// 4. Training
// ---------------------------------------------------------------------------------------------

fn training_section(run: Option<&RunDetail>) -> Markup {
    let Some(run) = run else {
        return section("training", "Training", not_available("Training run"));
    };
    let c = &run.config;
    let mode = match c.mode {
        SequenceMode::Row => "one row per sequence".to_string(),
        SequenceMode::Window { window, stride } => format!("windows of {window} rows, stride {stride}"),
    };
    let weighting = match c.class_weighting {
        ClassWeighting::Auto => "auto",
        ClassWeighting::On => "on",
        ClassWeighting::Off => "off",
    };
    let weighting = match run.data.as_ref().and_then(|d| d.class_weights_from.as_ref()) {
        Some(column) => plain(format!("from the cleaning step's column {column}")),
        None => plain(weighting),
    };
    let gate = match c.gate {
        None => plain("not evaluated"),
        Some(g) if g.passed => html! { span class="good" { "passed" } },
        Some(g) if g.overridden => html! { span class="bad" { "failed" } ", trained anyway (overridden)" },
        Some(_) => html! { span class="bad" { "failed" } },
    };
    let mut rows: Vec<(&str, Markup)> = vec![
        ("Model", plain(c.model.as_str())),
        ("Target", plain(&c.target)),
        ("Epochs", plain(format!("{} at most, {} run", c.epochs, run.entry.epochs_run))),
        ("Batch size", plain(c.batch_size.to_string())),
        ("Learning rate", plain(c.learning_rate.to_string())),
        ("Embedding width", plain(c.embedding_dim.to_string())),
        ("Bins per tag", plain(c.bins.to_string())),
        ("Sequence mode", plain(mode)),
        (
            "Split (train / validation / test)",
            plain(format!(
                "{} / {} / {} %",
                number(c.split.train * 100.0, 0),
                number(c.split.validation * 100.0, 0),
                number(c.split.test * 100.0, 0)
            )),
        ),
        ("Class weighting", weighting),
        ("Early stopping patience", plain(c.patience.map_or_else(|| "off".to_string(), |p| format!("{p} epochs")))),
        ("Seed", plain(c.seed.to_string())),
        ("Quality gate", gate),
    ];
    if let Some(data) = &run.data {
        rows.push(("Classes", plain(data.classes.join(", "))));
        rows.push(("Features", plain(format!("{} ({})", data.features.len(), data.features.join(", ")))));
        rows.push((
            "Samples (train / validation / test)",
            plain(format!("{} / {} / {}", count(data.train_samples), count(data.validation_samples), count(data.test_samples))),
        ));
    }

    let curves = if run.epochs.is_empty() {
        not_available("Per-epoch curves")
    } else {
        let best_epoch =
            run.summary.as_ref().map(|s| s.best_epoch).filter(|&e| e > 0).or_else(|| run.epochs.iter().rev().find(|e| e.best).map(|e| e.epoch));
        let curve = |title: &str, y_label: &str, pick: fn(&EpochMetrics) -> (f64, f64)| {
            let mut chart = LineChart::new(title, "epoch", y_label);
            let points: Vec<(f64, (f64, f64))> = run.epochs.iter().map(|e| (f64::from(e.epoch), pick(e))).collect();
            chart.lines.push(Line {
                name: "train".to_string(),
                points: points.iter().map(|(x, y)| (*x, y.0)).collect(),
                color: BLUE,
                dashed: false,
                dots: true,
            });
            chart.lines.push(Line {
                name: "validation".to_string(),
                points: points.iter().map(|(x, y)| (*x, y.1)).collect(),
                color: ORANGE,
                dashed: false,
                dots: true,
            });
            if let Some(best) = best_epoch {
                chart.vertical_rules.push(Rule { label: format!("best epoch {best}"), value: f64::from(best), color: GREY });
            }
            chart.render()
        };
        let loss = curve("Training and validation loss per epoch", "loss", |e| (e.train_loss, e.val_loss));
        let accuracy = curve("Training and validation accuracy per epoch", "accuracy", |e| (e.train_accuracy, e.val_accuracy));
        charts(&[figure(loss, "Loss per epoch (train and validation)."), figure(accuracy, "Accuracy per epoch (train and validation).")])
    };

    let summary = match &run.summary {
        None => not_available("Run summary"),
        Some(s) => key_values(&[
            ("Status", plain(format!("{:?}", s.status).to_lowercase())),
            ("Message", plain(&s.message)),
            ("Epochs run", plain(s.epochs_run.to_string())),
            ("Best epoch", plain(s.best_epoch.to_string())),
            ("Majority accuracy (test)", plain(number(s.majority_accuracy, 3))),
            ("Test ROC-AUC", plain(optional_number(s.test.as_ref().and_then(|t| t.roc_auc), 3))),
            ("Test PR-AUC", plain(optional_number(s.test.as_ref().and_then(|t| t.pr_auc), 3))),
            ("Training time", plain(format_duration(s.seconds))),
        ]),
    };
    let body = html! {
        (key_values(&rows))
        (curves)
        (subheading("Run summary"))
        (summary)
    };
    section("training", "Training", body)
}

// ---------------------------------------------------------------------------------------------
// 5. Evaluation
// ---------------------------------------------------------------------------------------------

fn metrics_rows(model: &ClassMetrics, baseline: &ClassMetrics) -> Vec<Vec<Markup>> {
    let rows: [(&str, f64, f64); 5] = [
        ("Accuracy", model.accuracy, baseline.accuracy),
        ("Balanced accuracy", model.balanced_accuracy, baseline.balanced_accuracy),
        ("Precision", model.precision, baseline.precision),
        ("Recall", model.recall, baseline.recall),
        ("F1", model.f1, baseline.f1),
    ];
    let mut out: Vec<Vec<String>> = rows.iter().map(|(name, m, b)| vec![name.to_string(), number(*m, 3), number(*b, 3)]).collect();
    out.push(vec!["ROC-AUC".into(), optional_number(model.roc_auc, 3), optional_number(baseline.roc_auc, 3)]);
    out.push(vec!["PR-AUC".into(), optional_number(model.pr_auc, 3), optional_number(baseline.pr_auc, 3)]);
    out.push(vec!["Samples".into(), count(model.samples), count(baseline.samples)]);
    out.into_iter().map(|row| row.into_iter().map(plain).collect()).collect()
}

fn confusion_table(confusion: &[Vec<u64>], classes: &[String]) -> Markup {
    let name = |i: usize| classes.get(i).cloned().unwrap_or_else(|| format!("class {i}"));
    html! {
        table {
            "\n"
            tr {
                th { "actual ↓ / predicted →" }
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

fn evaluation_section(evaluation: Option<&Evaluation>) -> Markup {
    let Some(e) = evaluation else {
        return section("evaluation", "Evaluation", not_available("Evaluation"));
    };
    let summary = key_values(&[
        ("Evaluated on", plain(&e.source)),
        ("Samples", plain(count(e.samples))),
        ("Classes", plain(e.classes.join(", "))),
        ("Positive (fault) class", plain_or_missing(e.positive_class.and_then(|i| e.classes.get(i)).map(String::as_str))),
        ("Decision threshold", plain(number(e.threshold, 3))),
    ]);

    let mut curves = Vec::new();
    if !e.roc.is_empty() {
        let mut roc = LineChart::new("ROC curve", "false positive rate", "true positive rate");
        roc.x_range = Some((0.0, 1.0));
        roc.y_range = Some((0.0, 1.0));
        roc.lines.push(Line { name: "chance".into(), points: vec![(0.0, 0.0), (1.0, 1.0)], color: GREY, dashed: true, dots: false });
        roc.lines.push(Line {
            name: format!("model (AUC {})", optional_number(e.test.roc_auc, 3)),
            points: e.roc.iter().map(|p| (p[0], p[1])).collect(),
            color: BLUE,
            dashed: false,
            dots: false,
        });
        curves.push(figure(roc.render(), "ROC curve; the dashed diagonal is a random guess."));
    }
    if !e.pr.is_empty() {
        let mut pr = LineChart::new("Precision-recall curve", "recall", "precision");
        pr.x_range = Some((0.0, 1.0));
        pr.y_range = Some((0.0, 1.0));
        pr.lines.push(Line {
            name: format!("model (AUC {})", optional_number(e.test.pr_auc, 3)),
            points: e.pr.iter().map(|p| (p[0], p[1])).collect(),
            color: BLUE,
            dashed: false,
            dots: false,
        });
        if let Some(rate) = positive_rate(e) {
            pr.horizontal_rules.push(Rule { label: format!("positive rate {}", number(rate, 3)), value: rate, color: GREY });
        }
        curves.push(figure(pr.render(), "Precision-recall curve; the dashed line is the share of fault samples (a random guess)."));
    }

    let mut thresholds = Vec::new();
    if !e.thresholds.is_empty() {
        let mut wanted: Vec<f64> = (1..10).map(|i| f64::from(i) / 10.0).collect();
        wanted.push(e.threshold);
        wanted.sort_by(f64::total_cmp);
        let mut last_threshold = None;
        for t in wanted {
            let Some(p) = point_at(&e.thresholds, t) else { continue };
            // Thresholds between two table points decide the same; show each point once.
            if last_threshold == Some(p.threshold.to_bits()) {
                continue;
            }
            last_threshold = Some(p.threshold.to_bits());
            let mark = if point_at(&e.thresholds, e.threshold) == Some(p) { " (used)" } else { "" };
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
        (subheading(&format!("Model vs majority baseline (threshold {})", number(e.threshold, 3))))
        (table(&["Metric", "Model", "Majority baseline"], &metrics_rows(&e.test, &e.baseline)))
        (subheading("Confusion matrix"))
        @if e.test.confusion.is_empty() {
            (not_available("Confusion matrix"))
        } @else {
            (confusion_table(&e.test.confusion, &e.classes))
        }
        @if curves.is_empty() {
            (not_available("ROC and precision-recall curves"))
        } @else {
            (charts(&curves))
        }
        @if !e.thresholds.is_empty() {
            (subheading("Thresholds"))
            (table(&["Threshold", "Precision", "Recall", "F1", "False positive rate", "TP", "FP", "FN"], &thresholds))
        }
        (subheading("Contributing tags"))
        @if bars.is_empty() {
            (not_available("Tag contributions"))
        } @else {
            (figure(
                bar_chart("Contributing tags", &bars, 3),
                "Mean change of the risk when the tag is hidden from the model (occlusion). \
                 Red: the tag pushes towards a fault on average; blue: away from it.",
            ))
            @if e.contributions.len() > SHOWN {
                (note(&format!("{} more tags not shown.", e.contributions.len() - SHOWN)))
            }
        }
    };
    section("evaluation", "Evaluation", body)
}

// ---------------------------------------------------------------------------------------------
// 6. Event-level scoring
// ---------------------------------------------------------------------------------------------

fn events_section(evaluation: Option<&Evaluation>) -> Markup {
    let thin = html! {
        @if let Some(episodes) = evaluation.and_then(Evaluation::thin_evidence) {
            p class="bad" {
                "Thin evidence: only " (episodes) " fault episode(s) to score against (fewer than "
                (plantlab_protocol::THIN_EVIDENCE_EPISODES)
                "). Detections, lead times and false-alarm rates may not hold on other data."
            }
            "\n"
        }
    };
    let Some(ev) = evaluation.and_then(|e| e.events.as_ref()) else {
        let body = html! { (not_available("Event-level scoring (no labelled fault episodes)")) (thin) };
        return section("events", "Event-level scoring", body);
    };
    let false_alarm_rate = if ev.has_timestamps {
        ("False-alarm events per day", optional_number(ev.false_alarms_per_day, 2))
    } else {
        ("False-alarm events per 1,000 samples", number(ev.false_alarms_per_1000_samples, 2))
    };
    let mut rows = vec![
        ("Episodes", count(ev.episodes.len() as u64)),
        ("Detected", count(u64::from(ev.detected))),
        ("Missed", count(u64::from(ev.missed))),
        ("Median lead time", lead_time(ev.median_lead_time, ev.has_timestamps)),
        ("False-alarm events", count(u64::from(ev.false_alarms))),
        false_alarm_rate,
        ("Normal samples", count(ev.normal_samples)),
    ];
    if let Some((false_samples, samples)) = evaluation.and_then(Evaluation::alarm_samples) {
        rows.push(("Alarm samples (false-alarm samples)", format!("{} ({})", count(samples), count(false_samples))));
    }
    if let Some(o) = evaluation.map(|e| e.event_options) {
        rows.push((
            "Alarm events from samples",
            format!(
                "clear below {} % of the threshold, at least {} sampling interval(s), merged within {}",
                number(o.clear_ratio * 100.0, 0),
                o.min_duration_samples,
                o.dead_time_samples
            ),
        ));
    }
    if let Some(days) = ev.normal_days {
        rows.push(("Normal operation", format!("{} days", number(days, 1))));
    }
    let rows: Vec<(&str, Markup)> = rows.into_iter().map(|(key, value)| (key, plain(value))).collect();
    let episodes: Vec<Vec<Markup>> = ev
        .episodes
        .iter()
        .map(|ep| {
            let detected = if ep.detected {
                html! { span class="good" { "detected" } }
            } else {
                html! { span class="bad" { "missed" } }
            };
            let first_alarm = match (ep.first_alarm_ms, ep.first_alarm_row) {
                (ms, Some(row)) => place(ms, row),
                (Some(ms), None) => format_epoch_millis(ms),
                (None, None) => MISSING.to_string(),
            };
            vec![
                plain(ep.index.to_string()),
                plain(place(ep.start_ms, ep.start_row)),
                plain(place(ep.end_ms, ep.end_row)),
                detected,
                plain(first_alarm),
                plain(lead_time(ep.lead_time, ev.has_timestamps)),
            ]
        })
        .collect();
    let body = html! {
        (thin)
        (key_values(&rows))
        @if !episodes.is_empty() {
            (table(&["#", "Start", "End", "Result", "First alarm", "Lead time"], &episodes))
            (note("Lead time: onset minus the first alarm; negative means the alarm came only during the episode."))
        }
    };
    section("events", "Event-level scoring", body)
}

// ---------------------------------------------------------------------------------------------
// 7. Risk timeline
// ---------------------------------------------------------------------------------------------

fn timeline_section(prediction: Option<&PredictionResult>, evaluation: Option<&Evaluation>) -> Markup {
    let chosen: Option<(&RiskTimeline, f64)> = prediction
        .filter(|p| !p.timeline.x.is_empty())
        .map(|p| (&p.timeline, p.threshold))
        .or_else(|| evaluation.filter(|e| !e.timeline.x.is_empty()).map(|e| (&e.timeline, e.threshold)));
    let Some((timeline, threshold)) = chosen else {
        return section("timeline", "Risk timeline", not_available("Risk timeline"));
    };
    let x_label = if timeline.has_timestamps { "time (UTC)" } else { "row" };
    let mut chart = LineChart::new("Risk timeline", x_label, "risk");
    chart.x_scale = if timeline.has_timestamps { XScale::EpochMillis } else { XScale::Number };
    chart.y_range = Some((0.0, 1.0));
    chart.lines.push(Line {
        name: "risk".into(),
        points: timeline.x.iter().zip(&timeline.risk).map(|(x, r)| (*x, f64::from(*r))).collect(),
        color: BLUE,
        dashed: false,
        dots: false,
    });
    chart.horizontal_rules.push(Rule { label: format!("threshold {}", number(threshold, 3)), value: threshold, color: RED });
    chart.bands = fault_spans(timeline);
    chart.band_label = "fault label".into();
    let range = match (timeline.x.first(), timeline.x.last()) {
        (Some(a), Some(b)) if timeline.has_timestamps => {
            format!(" From {} to {} UTC.", format_epoch_millis(a.round() as i64), format_epoch_millis(b.round() as i64))
        }
        (Some(a), Some(b)) => format!(" Rows {} to {}.", number(*a, 0), number(*b, 0)),
        _ => String::new(),
    };
    let caption = format!(
        "Risk per sample ({} points) with the decision threshold dashed; shaded stretches carry a fault label.{range}",
        count(timeline.x.len() as u64)
    );
    section("timeline", "Risk timeline", figure(chart.render(), &caption))
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

fn alarms_section(prediction: Option<&PredictionResult>) -> Markup {
    let Some(p) = prediction else {
        return section("alarms", "Alarms", not_available("Prediction (alarms and input warnings)"));
    };
    let summary = key_values(&[
        ("File", plain(&p.file)),
        ("Rows / samples predicted", plain(format!("{} / {}", count(p.rows), count(p.samples)))),
        ("Threshold", plain(number(p.threshold, 3))),
        ("Alarm events", plain(count(p.alarm_count.max(p.alarms.len() as u64)))),
        ("Alarm samples", plain(count(p.alarm_samples))),
    ]);
    let alarms: Vec<Vec<Markup>> = p
        .alarms
        .iter()
        .map(|a| {
            let tags = html! {
                @for (i, t) in a.top_tags.iter().enumerate() {
                    @if i > 0 { br; }
                    (t.tag) " (" (number(t.mean_signed, 3)) ")"
                }
            };
            vec![
                plain(a.index.to_string()),
                plain(place(a.start_ms, a.start_row)),
                plain(place(a.end_ms, a.end_row)),
                plain(number(a.peak_risk, 3)),
                tags,
                plain(&a.explanation),
            ]
        })
        .collect();
    let warnings: Vec<Vec<Markup>> =
        p.warnings.iter().map(|w| vec![plain(warning_kind(w.kind)), plain(&w.tag), plain(count(w.count)), plain(&w.message)]).collect();
    let body = html! {
        (summary)
        @if let Some(o) = &p.training_overlap {
            p class="bad" {
                (count(o.samples)) " predicted sample(s) lie inside the model's training period ("
                (format_epoch_millis(o.train_start_ms)) " to " (format_epoch_millis(o.train_end_ms))
                "): the risk there is not a fair test of the model."
            }
            "\n"
        }
        @if alarms.is_empty() {
            (note("No alarms: the risk stayed below the threshold."))
        } @else {
            (table(&["Event", "Start", "End", "Peak risk", "Top tags", "Explanation"], &alarms))
        }
        (subheading("Input warnings"))
        @if warnings.is_empty() {
            (note("No input warnings: the data looks like the training data."))
        } @else {
            (table(&["Kind", "Tag", "Samples", "Message"], &warnings))
        }
    };
    section("alarms", "Alarms", body)
}

fn warning_kind(kind: InputWarningKind) -> &'static str {
    match kind {
        InputWarningKind::MissingTag => "missing tag",
        InputWarningKind::OutOfTrainingRange => "out of training range",
        InputWarningKind::UnseenCategory => "unseen category",
        InputWarningKind::MostlyMissing => "mostly missing",
    }
}
