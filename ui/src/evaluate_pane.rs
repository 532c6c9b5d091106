//! The Evaluate pane: a run's test metrics next to the majority-class baseline, the confusion
//! matrix, ROC and PR curves, a threshold that moves the confusion counts live, a cost-based
//! threshold suggestion, event-level scoring (lead time, false alarms per day) with the risk
//! timeline, and the tags that move the risk most. Exports the model bundle and a report.

use egui::RichText;
use egui_plot::{Bar, Legend, Line, Plot, PlotPoint, PlotPoints};
use plantlab_protocol::{
    cost_optimal, format_epoch_millis, point_at, ApiError, ClassMetrics, EvaluateRequest, Evaluation, EventOptions, EventScore, FilePurpose,
    ModelKind, RunEntry, RunStatus, TagContribution, ThresholdPoint,
};

use crate::backend::{Backend, Request};
use crate::format::thousands;
use crate::i18n::{tr, tr_with};
use crate::normal_model::{is_normal_run, NormalEvaluator};
use crate::theme;
use crate::widgets::{TimelinePlot, TimelineView};

/// Tags shown in the contribution chart; the rest matter less and crowd the axis.
const TOP_TAGS: usize = 20;

/// An evaluation with its plot geometry, built once when it arrives.
struct EvaluationView {
    evaluation: Evaluation,
    roc: Vec<PlotPoint>,
    pr: Vec<PlotPoint>,
    /// Share of positives among the samples: the precision of a model that guesses.
    positive_rate: Option<f64>,
    timeline: TimelinePlot,
}

impl EvaluationView {
    fn new(evaluation: Evaluation) -> Self {
        let to_points =
            |curve: &[[f64; 2]]| curve.iter().filter(|p| p[0].is_finite() && p[1].is_finite()).map(|p| PlotPoint::new(p[0], p[1])).collect();
        let positive_rate = evaluation.thresholds.first().and_then(|p| {
            let total = p.tp + p.fp + p.tn + p.fn_;
            (total > 0).then(|| (p.tp + p.fn_) as f64 / total as f64)
        });
        Self {
            roc: to_points(&evaluation.roc),
            pr: to_points(&evaluation.pr),
            positive_rate,
            timeline: TimelinePlot::new(&evaluation.timeline),
            evaluation,
        }
    }

    /// Binary targets have a risk and a threshold table; multi-class ones have neither.
    fn is_binary(&self) -> bool {
        self.evaluation.positive_class.is_some() && !self.evaluation.thresholds.is_empty()
    }
}

pub struct EvaluatePane {
    runs: Vec<RunEntry>,
    asked_runs: bool,
    /// The run shown (or about to be).
    run_id: Option<String>,
    /// The run whose evaluation was last asked for, so a failure does not ask again each frame.
    requested_for: Option<String>,
    waiting: bool,
    view: Option<EvaluationView>,
    /// The slider's value; the metrics and confusion counts follow it without a round-trip.
    threshold: f64,
    cost_miss: f64,
    cost_false_alarm: f64,
    suggestion: Option<ThresholdPoint>,
    /// The look-back being edited; sent with the next request.
    event_options: EventOptions,
    /// Shown instead of the classifier's figures when the run is a normal-operation model.
    normal: NormalEvaluator,
}

impl Default for EvaluatePane {
    fn default() -> Self {
        Self {
            runs: Vec::new(),
            asked_runs: false,
            run_id: None,
            requested_for: None,
            waiting: false,
            view: None,
            threshold: 0.5,
            // A missed failure usually costs far more than a needless inspection.
            cost_miss: 10.0,
            cost_false_alarm: 1.0,
            suggestion: None,
            event_options: EventOptions::default(),
            normal: NormalEvaluator::default(),
        }
    }
}

impl EvaluatePane {
    pub fn set_runs(&mut self, runs: Vec<RunEntry>) {
        self.runs = runs;
        if self.run_id.is_none() {
            self.run_id = newest_completed(&self.runs);
        }
    }

    /// A training run just finished: show it next.
    pub fn run_trained(&mut self, run_id: String) {
        if self.run_id.as_deref() != Some(run_id.as_str()) {
            self.select_run(run_id);
        }
    }

    pub fn set_evaluation(&mut self, evaluation: Evaluation) {
        // An answer for a run the user has since moved away from is stale.
        if let (Some(got), Some(asked)) = (&evaluation.run_id, &self.requested_for) {
            if got != asked {
                return;
            }
        }
        self.waiting = false;
        if evaluation.run_id.is_some() && evaluation.run_id != self.run_id {
            self.run_id = evaluation.run_id.clone();
            self.suggestion = None;
        }
        self.threshold = evaluation.threshold;
        self.event_options = evaluation.event_options;
        self.view = Some(EvaluationView::new(evaluation));
    }

    /// A request or task failed (`error`), or a task was cancelled (`None`).
    pub fn request_failed(&mut self, error: Option<&ApiError>) {
        self.waiting = false;
        self.normal.request_failed(error);
    }

    pub fn waiting(&self) -> bool {
        self.waiting || self.normal.waiting()
    }

    /// Columns of the open data set: the choices of fault labels for a normal-operation run.
    pub fn set_dataset_columns(&mut self, columns: Vec<String>) {
        self.normal.set_columns(columns);
    }

    /// A normal-operation run just finished: show it next, with its evaluation when it has one.
    pub fn normal_run_trained(&mut self, summary: &plantlab_protocol::NormalRunSummary) {
        self.select_run(summary.run_id.clone());
        let label = summary.evaluation.as_ref().map(|e| e.label.as_str());
        self.normal.select(&summary.run_id, label);
        if let Some(evaluation) = &summary.evaluation {
            self.normal.set_evaluation((**evaluation).clone());
        }
    }

    pub fn set_normal_evaluation(&mut self, evaluation: plantlab_protocol::NormalEvaluation) {
        self.normal.set_evaluation(evaluation);
    }

    /// True when the chosen run is a model of normal operation.
    fn shows_normal_run(&self) -> bool {
        self.run_id.as_deref().is_some_and(|id| self.normal.shows(id) || self.runs.iter().any(|r| r.run_id == id && is_normal_run(r)))
    }

    pub fn picked_path(&mut self, purpose: FilePurpose, path: String, backend: &mut dyn Backend) {
        if purpose == FilePurpose::OpenPredictData {
            // Another file with fault labels for a normal-operation run.
            self.normal.picked_path(path);
            return;
        }
        let Some(run_id) = self.run_id.clone() else { return };
        match purpose {
            FilePurpose::SaveBundle if self.shows_normal_run() => backend.send(Request::ExportNormalBundle { run_id, path }),
            FilePurpose::SaveBundle => {
                // The bundle keeps the threshold the user settled on (binary targets only).
                let threshold = self.view.as_ref().filter(|v| v.is_binary()).map(|_| self.threshold);
                backend.send(Request::ExportBundle { run_id, path, threshold, events: Some(self.event_options) });
            }
            FilePurpose::SaveReport => backend.send(Request::ExportReport { run_id, path, lang: crate::i18n::language().tag().to_owned() }),
            _ => {}
        }
    }

    fn select_run(&mut self, run_id: String) {
        self.run_id = Some(run_id);
        self.requested_for = None;
        self.view = None;
        self.suggestion = None;
    }

    fn request(&mut self, threshold: Option<f64>, backend: &mut dyn Backend) {
        let Some(run_id) = self.run_id.clone() else { return };
        let events = self.event_options;
        self.requested_for = Some(run_id.clone());
        self.waiting = true;
        backend.send(Request::Evaluate(EvaluateRequest { run_id, threshold, events }));
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        if !self.asked_runs {
            self.asked_runs = true;
            backend.send(Request::ListRuns);
        }
        if self.shows_normal_run() {
            if let Some(run_id) = self.run_id.clone() {
                let target = self.runs.iter().find(|r| r.run_id == run_id).map(|r| r.target.clone());
                self.normal.select(&run_id, target.as_deref());
            }
            self.toolbar(ui, backend);
            ui.separator();
            egui::ScrollArea::vertical().id_salt("evaluate_normal_scroll").show(ui, |ui| self.normal.ui(ui, backend));
            return;
        }
        // Evaluate when the pane is shown, not before: scoring a test split takes a moment.
        if self.run_id.is_some() && self.requested_for != self.run_id && !self.waiting {
            self.request(None, backend);
        }
        self.toolbar(ui, backend);
        ui.separator();
        // Taken out while drawing so the threshold tools can change the pane's own fields.
        let Some(view) = self.view.take() else {
            ui.label(match (&self.run_id, self.waiting) {
                (_, true) => tr("eval-waiting"),
                (None, _) if self.runs.is_empty() => tr("eval-no-runs"),
                (None, _) => tr("eval-choose-run"),
                (Some(_), false) => tr("eval-nothing-to-show"),
            });
            ui.label(RichText::new(tr("eval-empty-explainer")).weak());
            return;
        };
        let binary = view.is_binary();
        let live = if binary { point_at(&view.evaluation.thresholds, self.threshold) } else { None };
        // A trees run's trees baseline is the run itself: no column repeating the model.
        let run_model = view.evaluation.run_id.as_ref().and_then(|id| self.runs.iter().find(|r| &r.run_id == id)).map(|r| r.model);
        let trees_baseline = view.evaluation.baseline_trees.as_ref().filter(|_| run_model != Some(ModelKind::Trees));
        let mut commit = None;
        egui::ScrollArea::vertical().id_salt("evaluate_scroll").show(ui, |ui| {
            let evaluation = &view.evaluation;
            if let Some(episodes) = evaluation.thin_evidence() {
                ui.label(RichText::new(thin_evidence_text(episodes, &tr("eval-the-test-split"))).color(theme::WARNING_TEXT));
            }
            let positive = evaluation
                .positive_class
                .and_then(|p| evaluation.classes.get(p))
                .map_or(String::new(), |c| tr_with("eval-risk-is-probability", &[("class", c.into())]));
            ui.label(tr_with(
                "eval-source-line",
                &[
                    ("source", crate::i18n::evaluated_data_text(evaluation).into()),
                    ("samples", thousands(evaluation.samples).into()),
                    ("classes", evaluation.classes.join(", ").into()),
                    ("positive", positive.into()),
                ],
            ));
            // Side by side when there is room; wrapped below each other otherwise.
            ui.horizontal_wrapped(|ui| {
                ui.vertical(|ui| {
                    ui.label(RichText::new(tr("eval-test-metrics")).strong());
                    metrics_table(ui, "evaluate_metrics", &evaluation.test, &evaluation.baseline, trees_baseline, live.as_ref());
                    if let Some(sentence) = trees_baseline.and_then(|trees| trees_ahead_text(&evaluation.test, trees, binary)) {
                        ui.label(RichText::new(sentence).color(theme::WARNING_TEXT));
                    }
                });
                ui.add_space(24.0);
                ui.vertical(|ui| {
                    ui.label(RichText::new(tr("eval-confusion-matrix")).strong());
                    confusion_ui(ui, evaluation, live.as_ref());
                });
            });
            ui.separator();
            if binary {
                commit = self.threshold_tools(ui, live.as_ref(), &evaluation.thresholds);
            } else {
                ui.label(tr("eval-multiclass-note"));
            }
            ui.separator();
            curves_ui(ui, &view);
            ui.separator();
            ui.label(RichText::new(tr("eval-episodes-heading")).strong());
            match &evaluation.events {
                Some(events) => {
                    if events_ui(ui, events, &mut self.event_options) {
                        commit = Some(self.threshold);
                    }
                }
                None => {
                    ui.label(tr("eval-no-episodes"));
                }
            }
            if binary && alarm_settings_ui(ui, "evaluate_alarm_settings", &mut self.event_options) {
                commit = Some(self.threshold);
            }
            if view.timeline.points() > 0 {
                ui.label(tr("eval-timeline-caption"));
                // The threshold line follows the slider, so the alarms it would raise show while dragging.
                view.timeline.show(ui, "evaluate_timeline", 220.0, TimelineView { threshold: self.threshold, ..TimelineView::default() });
            }
            ui.separator();
            ui.label(RichText::new(tr("eval-contributing-tags")).strong());
            contributions_ui(ui, &evaluation.contributions);
        });
        self.view = Some(view);
        if let Some(threshold) = commit {
            self.request(Some(threshold), backend);
        }
    }

    fn toolbar(&mut self, ui: &mut egui::Ui, backend: &mut dyn Backend) {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(RichText::new(tr("eval-run-to-evaluate")).strong()).id;
            let selected = self.run_id.clone().unwrap_or_else(|| tr("eval-no-run-selected"));
            let mut chosen = None;
            egui::ComboBox::new("evaluate_run", "")
                .selected_text(selected)
                .width((ui.available_width() * 0.35).clamp(160.0, 280.0))
                .show_ui(ui, |ui| {
                    for run in &self.runs {
                        let text = match crate::normal_model::run_text(run) {
                            Some(normal) => tr_with("eval-run-option-normal", &[("run", (&run.run_id).into()), ("description", normal.into())]),
                            None => tr_with(
                                "eval-run-option",
                                &[
                                    ("run", (&run.run_id).into()),
                                    ("model", run.model.as_str().into()),
                                    ("target", (&run.target).into()),
                                    ("status", crate::i18n::run_status(run.status).into()),
                                ],
                            ),
                        };
                        if ui.selectable_label(self.run_id.as_deref() == Some(run.run_id.as_str()), text).clicked() {
                            chosen = Some(run.run_id.clone());
                        }
                    }
                })
                .response
                .labelled_by(label);
            if let Some(run_id) = chosen {
                self.select_run(run_id);
            }
            if ui.button(tr("eval-refresh-runs")).clicked() {
                backend.send(Request::ListRuns);
            }
            if self.waiting {
                ui.label(RichText::new(tr("eval-evaluating")).weak());
            }
            let has_run = self.run_id.is_some() && self.view.is_some();
            // A normal-operation run's bundle is its fitted models and threshold; it needs no evaluation first.
            let normal = self.shows_normal_run();
            if ui
                .add_enabled(has_run || normal, egui::Button::new(tr("eval-export-bundle-button")))
                .on_hover_text(tr("eval-export-bundle-hint"))
                .clicked()
            {
                backend.send(Request::PickPath { purpose: FilePurpose::SaveBundle });
            }
            if ui.add_enabled(has_run, egui::Button::new(tr("eval-export-report-button"))).on_hover_text(tr("eval-export-report-hint")).clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::SaveReport });
            }
        });
    }

    /// The threshold slider and the cost-based suggestion. Returns a threshold to evaluate
    /// at when the user has settled on one.
    fn threshold_tools(&mut self, ui: &mut egui::Ui, live: Option<&ThresholdPoint>, table: &[ThresholdPoint]) -> Option<f64> {
        let mut commit = None;
        ui.label(RichText::new(tr("eval-decision-threshold")).strong());
        let response = ui.add(egui::Slider::new(&mut self.threshold, 0.0..=1.0).text(tr("eval-threshold-slider")).fixed_decimals(3));
        // Dragging only redraws from the threshold table; the events and timeline are asked
        // for once the value has settled (drag released, or a click or key step).
        if response.drag_stopped() || (response.changed() && !response.dragged()) {
            commit = Some(self.threshold);
        }
        if let Some(point) = live {
            ui.label(live_summary(point, self.threshold));
        }
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(tr("eval-cost-miss")).id;
            let miss = ui.add(egui::DragValue::new(&mut self.cost_miss).range(0.0..=1e9).speed(1.0)).labelled_by(label);
            let label = ui.label(tr("eval-cost-false-alarm")).id;
            let false_alarm = ui.add(egui::DragValue::new(&mut self.cost_false_alarm).range(0.0..=1e9).speed(0.1)).labelled_by(label);
            if miss.changed() || false_alarm.changed() {
                self.suggestion = None;
            }
            if ui.button(tr("eval-suggest-threshold")).on_hover_text(tr("eval-suggest-threshold-hint")).clicked() {
                self.suggestion = cost_optimal(table, self.cost_miss, self.cost_false_alarm);
            }
        });
        if let Some(suggestion) = self.suggestion {
            ui.horizontal_wrapped(|ui| {
                ui.label(tr_with(
                    "eval-suggestion",
                    &[
                        ("threshold", format!("{:.3}", suggestion.threshold).into()),
                        ("cost", number(suggestion.cost(self.cost_miss, self.cost_false_alarm)).into()),
                        ("missed", thousands(suggestion.fn_).into()),
                        ("false-alarms", thousands(suggestion.fp).into()),
                    ],
                ));
                if ui.button(tr("eval-use-threshold")).clicked() {
                    self.threshold = suggestion.threshold;
                    commit = Some(suggestion.threshold);
                }
            });
        }
        commit
    }
}

/// The newest run that completed (the runs list gives start times as sortable text).
fn newest_completed(runs: &[RunEntry]) -> Option<String> {
    runs.iter().filter(|r| r.status == RunStatus::Completed).max_by(|a, b| a.created.cmp(&b.created)).map(|r| r.run_id.clone())
}

/// What the confusion counts at the slider's threshold mean, in words.
fn live_summary(point: &ThresholdPoint, threshold: f64) -> String {
    let faults = point.tp + point.fn_;
    let normal = point.tn + point.fp;
    tr_with(
        "eval-live-summary",
        &[
            ("threshold", format!("{threshold:.3}").into()),
            ("caught", thousands(point.tp).into()),
            ("faults", thousands(faults).into()),
            ("missed", thousands(point.fn_).into()),
            ("false-alarms", thousands(point.fp).into()),
            ("normal", thousands(normal).into()),
            ("precision", format!("{:.3}", point.precision()).into()),
            ("recall", format!("{:.3}", point.recall()).into()),
            ("f1", format!("{:.3}", point.f1()).into()),
        ],
    )
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        thousands(value.abs() as u64)
    } else {
        format!("{value:.2}")
    }
}

fn metric(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or(tr("metric-not-available"), |v| format!("{v:.3}"))
}

/// "The trees baseline is ahead of this model on PR-AUC (0.723 against 0.612).", when it is:
/// on PR-AUC for a binary target (the threshold does not move it), on accuracy otherwise.
/// Values equal at the three decimals shown do not count as ahead.
pub(crate) fn trees_ahead_text(model: &ClassMetrics, trees: &ClassMetrics, binary: bool) -> Option<String> {
    let (metric, model_value, trees_value) =
        if binary { (tr("metric-pr-auc"), model.pr_auc?, trees.pr_auc?) } else { (tr("metric-accuracy"), model.accuracy, trees.accuracy) };
    let shown = |v: f64| (v * 1000.0).round();
    let ahead = model_value.is_finite() && trees_value.is_finite() && shown(trees_value) > shown(model_value);
    ahead.then(|| {
        tr_with(
            "eval-trees-ahead",
            &[("metric", metric.into()), ("trees", format!("{trees_value:.3}").into()), ("model", format!("{model_value:.3}").into())],
        )
    })
}

/// Model next to the majority baseline and, when given, the trees baseline (trained on the same
/// split and features; read at its most likely class). With a `live` threshold point the
/// model's threshold-dependent metrics follow it; the areas under the curves do not depend on
/// the threshold.
pub(crate) fn metrics_table(
    ui: &mut egui::Ui,
    id: &str,
    model: &ClassMetrics,
    baseline: &ClassMetrics,
    trees: Option<&ClassMetrics>,
    live: Option<&ThresholdPoint>,
) {
    let (accuracy, balanced, precision, recall, f1) = match live {
        Some(p) => {
            let total = p.tp + p.fp + p.tn + p.fn_;
            let accuracy = if total == 0 { 0.0 } else { (p.tp + p.tn) as f64 / total as f64 };
            let specificity = 1.0 - p.false_positive_rate();
            (accuracy, (p.recall() + specificity) / 2.0, p.precision(), p.recall(), p.f1())
        }
        None => (model.accuracy, model.balanced_accuracy, model.precision, model.recall, model.f1),
    };
    type MetricOf = fn(&ClassMetrics) -> Option<f64>;
    let rows: [(String, Option<f64>, MetricOf); 7] = [
        (tr("eval-metric-accuracy"), Some(accuracy), |m| Some(m.accuracy)),
        (tr("eval-metric-balanced-accuracy"), Some(balanced), |m| Some(m.balanced_accuracy)),
        (tr("eval-metric-precision"), Some(precision), |m| Some(m.precision)),
        (tr("eval-metric-recall"), Some(recall), |m| Some(m.recall)),
        (tr("metric-f1"), Some(f1), |m| Some(m.f1)),
        (tr("metric-roc-auc"), model.roc_auc, |m| m.roc_auc),
        (tr("metric-pr-auc"), model.pr_auc, |m| m.pr_auc),
    ];
    let columns = if trees.is_some() { 4 } else { 3 };
    egui::Grid::new(id).striped(true).num_columns(columns).spacing([16.0, 3.0]).show(ui, |ui| {
        ui.label("");
        ui.label(RichText::new(tr("eval-column-model")).strong());
        ui.label(RichText::new(tr("eval-column-baseline")).strong());
        if trees.is_some() {
            ui.label(RichText::new(tr("eval-column-trees-baseline")).strong()).on_hover_text(tr("eval-column-trees-baseline-hint"));
        }
        ui.end_row();
        for (name, model_value, of) in rows {
            ui.label(name);
            ui.label(metric(model_value));
            ui.label(metric(of(baseline)));
            if let Some(trees) = trees {
                ui.label(metric(of(trees)));
            }
            ui.end_row();
        }
    });
}

/// Rows are the actual classes, columns the predicted ones. Binary targets show the counts
/// at the slider's threshold.
fn confusion_ui(ui: &mut egui::Ui, evaluation: &Evaluation, live: Option<&ThresholdPoint>) {
    let classes = &evaluation.classes;
    let matrix: Vec<Vec<u64>> = match (live, evaluation.positive_class) {
        (Some(p), Some(positive)) if classes.len() == 2 && positive < 2 => {
            // Put the counts where the class order puts them.
            let mut m = vec![vec![0; 2]; 2];
            let negative = 1 - positive;
            m[negative][negative] = p.tn;
            m[negative][positive] = p.fp;
            m[positive][negative] = p.fn_;
            m[positive][positive] = p.tp;
            m
        }
        _ => evaluation.test.confusion.clone(),
    };
    if matrix.is_empty() {
        ui.label(tr("eval-no-confusion"));
        return;
    }
    let total: u64 = matrix.iter().flatten().sum();
    egui::Grid::new("evaluate_confusion").striped(false).spacing([14.0, 4.0]).show(ui, |ui| {
        ui.label(RichText::new(tr("eval-actual-predicted")).weak());
        for (j, _) in matrix.iter().enumerate() {
            ui.label(RichText::new(class_name(classes, j)).strong());
        }
        ui.end_row();
        for (i, row) in matrix.iter().enumerate() {
            ui.label(RichText::new(class_name(classes, i)).strong());
            for (j, &count) in row.iter().enumerate() {
                // Shade by share of all samples; the diagonal green, the errors red.
                let share = if total == 0 { 0.0 } else { count as f32 / total as f32 };
                let base = if i == j { theme::PASS_FILL } else { theme::FAIL_FILL };
                let fill = base.gamma_multiply(0.25 + 0.75 * share.sqrt());
                egui::Frame::new().fill(fill).inner_margin(egui::Margin::symmetric(8, 3)).corner_radius(3.0).show(ui, |ui| {
                    ui.label(RichText::new(thousands(count)).color(theme::TEXT_ON_FILL));
                });
            }
            ui.end_row();
        }
    });
}

fn class_name(classes: &[String], index: usize) -> String {
    classes.get(index).cloned().unwrap_or_else(|| tr_with("eval-class-index", &[("index", index.to_string().into())]))
}

fn curves_ui(ui: &mut egui::Ui, view: &EvaluationView) {
    // Two curves side by side, each half of what is there (never past the window's edge).
    let half = ((ui.available_width() - 24.0) / 2.0).max(120.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.label(tr_with("eval-roc-curve", &[("area", metric(view.evaluation.test.roc_auc).into())]));
            // The mouse wheel scrolls the pane, not the curve.
            Plot::new("evaluate_roc")
                .allow_scroll(false)
                .width(half)
                .height(240.0)
                .data_aspect(1.0)
                .legend(Legend::default())
                .x_axis_label(tr("plot-axis-false-positive-rate"))
                .y_axis_label(tr("plot-axis-true-positive-rate"))
                .include_x(0.0)
                .include_x(1.0)
                .include_y(0.0)
                .include_y(1.0)
                .show(ui, |plot_ui| {
                    plot_ui.line(
                        Line::new(tr("plot-series-chance"), PlotPoints::new(vec![[0.0, 0.0], [1.0, 1.0]]))
                            .color(theme::REFERENCE_LINE)
                            .style(egui_plot::LineStyle::dashed_loose()),
                    );
                    // A curve with vertical steps: egui_plot's per-pixel band drawing would fill its corners.
                    plot_ui.line(
                        Line::new(tr("plot-series-model"), PlotPoints::Borrowed(&view.roc)).color(theme::SERIES_RISK).width(1.5).allow_band(false),
                    );
                });
        });
        ui.vertical(|ui| {
            ui.label(tr_with("eval-pr-curve", &[("area", metric(view.evaluation.test.pr_auc).into())]));
            Plot::new("evaluate_pr")
                .allow_scroll(false)
                .width(half)
                .height(240.0)
                .legend(Legend::default())
                .x_axis_label(tr("plot-axis-recall"))
                .y_axis_label(tr("plot-axis-precision"))
                .include_x(0.0)
                .include_x(1.0)
                .include_y(0.0)
                .include_y(1.0)
                .show(ui, |plot_ui| {
                    if let Some(rate) = view.positive_rate {
                        plot_ui.line(
                            Line::new(
                                tr_with("plot-series-positive-rate", &[("rate", format!("{rate:.3}").into())]),
                                PlotPoints::new(vec![[0.0, rate], [1.0, rate]]),
                            )
                            .color(theme::REFERENCE_LINE)
                            .style(egui_plot::LineStyle::dashed_loose()),
                        );
                    }
                    plot_ui.line(
                        Line::new(tr("plot-series-model"), PlotPoints::Borrowed(&view.pr)).color(theme::SERIES_RISK).width(1.5).allow_band(false),
                    );
                });
        });
    });
}

/// A duration in words, as everywhere in PlantLab ("2 h 15 min", "45 min", "30 s").
pub(crate) fn duration_text(seconds: f64) -> String {
    plantlab_protocol::format_duration(seconds.abs())
}

/// A lead time: ahead of the onset, at it, or only during the episode.
pub(crate) fn lead_text(lead: f64, has_timestamps: bool) -> String {
    let amount = if has_timestamps {
        duration_text(lead)
    } else {
        let n = lead.abs().round() as u64;
        tr_with("eval-samples-count", &[("count", n.into()), ("formatted", thousands(n).into())])
    };
    if lead > 0.0 {
        tr_with("eval-lead-ahead", &[("amount", amount.into())])
    } else if lead == 0.0 {
        tr("eval-lead-at-onset")
    } else {
        tr_with("eval-lead-after-onset", &[("amount", amount.into())])
    }
}

/// The headline of event scoring in one sentence.
pub(crate) fn events_summary(events: &EventScore) -> String {
    let total = events.detected + events.missed;
    let median = events
        .median_lead_time
        .map_or(tr("eval-no-lead-time"), |m| tr_with("eval-median-lead-time", &[("lead", lead_text(m, events.has_timestamps).into())]));
    let rate = match events.false_alarms_per_day {
        Some(per_day) if events.has_timestamps => tr_with("eval-false-alarms-per-day", &[("rate", format!("{per_day:.2}").into())]),
        _ => tr_with("eval-false-alarms-per-1000", &[("rate", format!("{:.2}", events.false_alarms_per_1000_samples).into())]),
    };
    tr_with(
        "eval-events-summary",
        &[
            ("detected", events.detected.into()),
            ("total", total.into()),
            ("missed", events.missed.into()),
            ("median", median.into()),
            ("false-alarms", events.false_alarms.into()),
            ("rate", rate.into()),
        ],
    )
}

/// The thin-evidence warning in words.
pub(crate) fn thin_evidence_text(episodes: usize, data: &str) -> String {
    tr_with(
        "eval-thin-evidence",
        &[("data", data.into()), ("episodes", episodes.into()), ("minimum", plantlab_protocol::THIN_EVIDENCE_EPISODES.into())],
    )
}

/// How the alarm settings read: "clear below 80 % of the threshold, at least 3 sampling
/// intervals, merged within 30".
pub(crate) fn alarm_settings_text(options: &EventOptions) -> String {
    tr_with(
        "eval-alarm-settings-text",
        &[
            ("clear", format!("{:.0}", options.clear_ratio * 100.0).into()),
            ("duration", options.min_duration_samples.into()),
            ("dead-time", options.dead_time_samples.into()),
        ],
    )
}

/// Editors for hysteresis, minimum duration and dead time. True when an edit is finished and
/// the result should be asked for again.
pub(crate) fn alarm_settings_ui(ui: &mut egui::Ui, id: &str, options: &mut EventOptions) -> bool {
    let mut commit = false;
    ui.push_id(id, |ui| {
        ui.label(RichText::new(alarm_settings_text(options)).weak());
        egui::Grid::new("alarm_settings_grid").num_columns(2).spacing([8.0, 3.0]).show(ui, |ui| {
            let finished = |r: &egui::Response| r.drag_stopped() || r.lost_focus() || (r.changed() && !r.dragged() && !r.has_focus());
            let label = ui.label(tr("eval-alarm-clear-label")).id;
            let r = ui
                .add(egui::DragValue::new(&mut options.clear_ratio).range(0.0..=1.0).speed(0.01).max_decimals(2))
                .labelled_by(label)
                .on_hover_text(tr("eval-alarm-clear-hint"));
            commit |= finished(&r);
            ui.end_row();
            let label = ui.label(tr("eval-alarm-duration-label")).id;
            let r = ui
                .add(egui::DragValue::new(&mut options.min_duration_samples).range(0..=100_000))
                .labelled_by(label)
                .on_hover_text(tr("eval-alarm-duration-hint"));
            commit |= finished(&r);
            ui.end_row();
            let label = ui.label(tr("eval-alarm-dead-time-label")).id;
            let r = ui
                .add(egui::DragValue::new(&mut options.dead_time_samples).range(0..=100_000))
                .labelled_by(label)
                .on_hover_text(tr("eval-alarm-dead-time-hint"));
            commit |= finished(&r);
            ui.end_row();
        });
        if ui.small_button(tr("eval-alarm-defaults-button")).clicked() {
            let defaults = EventOptions::default();
            options.clear_ratio = defaults.clear_ratio;
            options.min_duration_samples = defaults.min_duration_samples;
            options.dead_time_samples = defaults.dead_time_samples;
            commit = true;
        }
    });
    commit
}

fn place(millis: Option<i64>, row: u64) -> String {
    millis.map_or_else(|| tr_with("eval-place-row", &[("row", thousands(row).into())]), format_epoch_millis)
}

/// The event summary, an editable look-back, and the episode table. True when the look-back
/// was changed and the evaluation should be asked for again.
fn events_ui(ui: &mut egui::Ui, events: &EventScore, options: &mut EventOptions) -> bool {
    ui.label(events_summary(events));
    let mut commit = false;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(tr("eval-look-back"));
        let response = if events.has_timestamps {
            let mut hours = options.lookback_s / 3600.0;
            let response = ui.add(egui::DragValue::new(&mut hours).range(0.0..=720.0).speed(0.25).suffix(tr("eval-unit-hours")));
            options.lookback_s = hours * 3600.0;
            response
        } else {
            ui.add(egui::DragValue::new(&mut options.lookback_samples).range(0..=100_000).suffix(tr("eval-unit-samples")))
        }
        .labelled_by(label.id)
        .on_hover_text(tr("eval-look-back-hint"));
        // Ask again when the edit is finished, not on every step of a drag.
        commit = response.drag_stopped() || response.lost_focus() || (response.changed() && !response.dragged() && !response.has_focus());
        ui.label(RichText::new(tr("eval-look-back-explainer")).weak());
    });
    if events.episodes.is_empty() {
        return commit;
    }
    egui::ScrollArea::vertical().id_salt("evaluate_episodes").max_height(200.0).show(ui, |ui| {
        egui::Grid::new("evaluate_episode_table").striped(true).num_columns(5).spacing([16.0, 3.0]).show(ui, |ui| {
            for title in
                [tr("eval-episode-column"), tr("eval-start-column"), tr("eval-end-column"), tr("eval-detected-column"), tr("eval-lead-time-column")]
            {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for episode in &events.episodes {
                ui.label(format!("#{}", episode.index));
                ui.label(place(episode.start_ms, episode.start_row));
                ui.label(place(episode.end_ms, episode.end_row));
                if episode.detected {
                    ui.label(RichText::new(tr("eval-detected")).color(theme::GOOD_TEXT));
                } else {
                    ui.label(RichText::new(tr("eval-missed")).color(theme::BAD_TEXT));
                }
                ui.label(episode.lead_time.map_or("-".to_owned(), |lead| lead_text(lead, events.has_timestamps)));
                ui.end_row();
            }
        });
    });
    commit
}

pub(crate) fn contributions_ui(ui: &mut egui::Ui, contributions: &[TagContribution]) {
    if contributions.is_empty() {
        ui.label(tr("eval-no-contributions"));
        return;
    }
    let shown = &contributions[..contributions.len().min(TOP_TAGS)];
    ui.label(RichText::new(tr("eval-contributions-explainer")).weak());
    // The largest at the top: bar i sits at y = shown.len() - 1 - i.
    let top = shown.len() as f64 - 1.0;
    let bars: Vec<Bar> = shown
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let color = if c.mean_signed >= 0.0 { theme::PUSHES_TO_FAULT } else { theme::PUSHES_TO_NORMAL };
            Bar::new(top - i as f64, c.mean_abs).name(&c.tag).fill(color).width(0.7)
        })
        .collect();
    let names: Vec<String> = shown.iter().map(|c| c.tag.clone()).collect();
    let plot = Plot::new("evaluate_contributions").height(24.0 * shown.len() as f32 + 60.0).x_axis_label(tr("plot-axis-mean-risk-change"));
    crate::widgets::named_bar_chart(ui, plot, names, &tr("plot-series-contribution"), bars);
}

impl EvaluatePane {
    /// The run, threshold, costs and event options chosen, for `PlantLabApp::settings_fingerprint`.
    pub fn settings_fingerprint(&self) -> String {
        format!("{:?} {} {} {} {:?}", self.run_id, self.threshold, self.cost_miss, self.cost_false_alarm, self.event_options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_lead_times_read_naturally() {
        assert_eq!(duration_text(30.0), "30 s");
        assert_eq!(duration_text(45.0 * 60.0), "45 min");
        assert_eq!(duration_text(2.0 * 3600.0 + 15.0 * 60.0), "2 h 15 min");
        assert_eq!(duration_text(6.0 * 3600.0), "6 h");
        assert_eq!(lead_text(5400.0, true), "1 h 30 min ahead");
        assert_eq!(lead_text(-600.0, true), "10 min after the onset");
        assert_eq!(lead_text(12.0, false), "12 samples ahead");
        assert_eq!(lead_text(0.0, false), tr("eval-lead-at-onset"));
    }

    #[test]
    fn the_newest_completed_run_is_the_default() {
        let run = |id: &str, created: &str, status| RunEntry {
            run_id: id.into(),
            run_dir: String::new(),
            created: created.into(),
            status,
            model: plantlab_protocol::ModelKind::Seed,
            target: "fault".into(),
            data: String::new(),
            epochs_run: 1,
            best_epoch: 1,
            best_val_loss: None,
            test_roc_auc: None,
            test_pr_auc: None,
            message: String::new(),
            message_code: String::new(),
            message_args: Default::default(),
            failure: None,
            mode: plantlab_protocol::SequenceMode::Row,
            sampling_interval_s: None,
            normal: None,
        };
        let runs = vec![
            run("old", "2026-01-01 00:00:00", RunStatus::Completed),
            run("newest-but-failed", "2026-03-01 00:00:00", RunStatus::Failed),
            run("new", "2026-02-01 00:00:00", RunStatus::Completed),
        ];
        assert_eq!(newest_completed(&runs).as_deref(), Some("new"));
        assert_eq!(newest_completed(&runs[1..2]), None);
    }
}
