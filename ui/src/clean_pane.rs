//! The Clean pane: the cleaning loop. The quality report of the current state with a suggested
//! step per finding, a step editor with a before/after preview, the history (enable, edit,
//! remove, undo/redo), the quality gate, and the recipe file.

use egui::RichText;
use egui_plot::Legend;
use plantlab_protocol::{
    Aggregate, CleanState, CleanStep, ColumnProfile, CompareOp, Condition, DuplicateKeep, FilePurpose, FillMethod, GateThresholds, LabelSource,
    OutlierAction, OutlierMethod, PreviewRequest, StepPreview, UnitConversion, DEFAULT_WEIGHT_COLUMN,
};
use serde_json::Value;

use crate::backend::{Backend, Request};
use crate::format::thousands;
use crate::i18n::{tr, tr_with};
use crate::parameter_form::{self, FormContext};
use crate::theme;
use crate::widgets::{badge, draw_series, pass_badge, series_plot};

const PREVIEW_POINTS: u32 = 1500;

/// Where the step in the editor came from, which decides what tr("clean-apply-button") does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum DraftOrigin {
    /// A new step (from a suggestion or the step menu): applying appends it.
    New,
    /// A step of the history being edited: applying replaces it and re-runs the rest.
    History(usize),
}

/// The step being edited, as JSON so any step type gets a form.
struct Draft {
    origin: DraftOrigin,
    value: Value,
    /// The text of the last parse error, shown under the form.
    error: Option<String>,
}

#[derive(Default)]
pub struct CleanPane {
    state: Option<CleanState>,
    draft: Option<Draft>,
    preview: Option<StepPreview>,
    /// The draft as it was when the preview was asked for; the preview is stale otherwise.
    previewed: Option<Value>,
    preview_column: usize,
    thresholds: Option<Value>,
    /// A request is out; buttons that would race it are disabled.
    waiting: bool,
    /// A recipe file is being replayed (its end is worth a notice).
    loading_recipe: bool,
    asked: bool,
    template: usize,
}

impl CleanPane {
    pub fn set_state(&mut self, state: CleanState) {
        self.waiting = false;
        if let Some(Draft { origin: DraftOrigin::History(i), .. }) = &self.draft {
            // The history changed under an edit: drop the edit rather than replace the wrong step.
            if *i >= state.steps.len() {
                self.draft = None;
            }
        }
        self.thresholds = serde_json::to_value(&state.gate_thresholds).ok();
        self.state = Some(state);
    }

    pub fn set_preview(&mut self, preview: StepPreview) {
        self.waiting = false;
        if self.preview_column >= preview.series.len() {
            self.preview_column = 0;
        }
        self.preview = Some(preview);
    }

    /// A step was applied (or the history changed): the editor and its preview are done.
    fn clear_draft(&mut self) {
        self.draft = None;
        self.preview = None;
        self.previewed = None;
    }

    pub fn request_failed(&mut self) {
        self.waiting = false;
    }

    /// A new data set was opened: everything here belongs to the old one.
    pub fn reset(&mut self, backend: &mut dyn Backend) {
        *self = Self::default();
        self.asked = true;
        backend.send(Request::CleanState);
    }

    /// A background change finished; fetch the state it left. True when it was a recipe load.
    pub fn change_finished(&mut self, backend: &mut dyn Backend) -> bool {
        self.clear_draft();
        self.waiting = true;
        backend.send(Request::CleanState);
        std::mem::take(&mut self.loading_recipe)
    }

    /// A background change failed or was cancelled; the history is as it was.
    pub fn change_ended(&mut self, backend: &mut dyn Backend) {
        self.loading_recipe = false;
        self.waiting = false;
        backend.send(Request::CleanState);
    }

    /// The columns enabled `weight_classes` steps write (training's class weights).
    pub fn class_weight_columns(&self) -> Vec<String> {
        let steps = self.state.as_ref().map(|s| s.steps.as_slice()).unwrap_or_default();
        steps
            .iter()
            .filter(|s| s.enabled)
            .filter_map(|s| match &s.step {
                CleanStep::WeightClasses { weight_column, .. } => Some(weight_column.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn gate_passed(&self) -> Option<bool> {
        self.state.as_ref().map(|s| s.gate.passed)
    }

    pub fn waiting(&self) -> bool {
        self.waiting
    }

    /// Ctrl+Z / Ctrl+Y (and Ctrl+Shift+Z), unless a text field has the keyboard.
    pub fn handle_shortcuts(&mut self, ui: &egui::Ui, backend: &mut dyn Backend) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let (undo, redo) = ui.input(|i| {
            let z = i.modifiers.command && i.key_pressed(egui::Key::Z);
            let y = i.modifiers.command && i.key_pressed(egui::Key::Y);
            (z && !i.modifiers.shift, y || (z && i.modifiers.shift))
        });
        let Some(state) = &self.state else { return };
        if undo && state.can_undo {
            self.send_change(Request::Undo, backend);
        } else if redo && state.can_redo {
            self.send_change(Request::Redo, backend);
        }
    }

    fn send_change(&mut self, request: Request, backend: &mut dyn Backend) {
        self.waiting = true;
        self.clear_draft();
        backend.send(request);
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, has_data: bool, backend: &mut dyn Backend) {
        if !has_data {
            ui.vertical_centered(|ui| {
                ui.add_space(40.0);
                ui.heading(tr("pane-clean"));
                ui.label(tr("clean-open-data-first"));
            });
            return;
        }
        if !self.asked {
            self.asked = true;
            backend.send(Request::CleanState);
        }
        let Some(state) = self.state.clone() else {
            ui.label(RichText::new(tr("clean-reading-state")).weak());
            return;
        };
        self.toolbar(ui, &state, backend);
        ui.separator();
        // The lists take at most 45% of a narrow window, so the editor and preview stay usable.
        let max_left = (ui.available_width() * 0.45).max(240.0);
        egui::Panel::left("clean_left").resizable(true).default_size(380.0_f32.min(max_left)).max_size(max_left).show(ui, |ui| {
            // What an Apply changes (suggestions, history, findings) comes after what the user
            // clicks, and the scroll offset is kept, so the list stays where it was after Apply.
            egui::ScrollArea::vertical().id_salt("clean_left_scroll").auto_shrink([false, false]).show(ui, |ui| {
                self.gate(ui, &state, backend);
                ui.separator();
                self.suggestions(ui, &state, backend);
                ui.separator();
                self.history(ui, &state, backend);
                ui.separator();
                self.findings(ui, &state);
            });
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("clean_editor_scroll").show(ui, |ui| {
                self.editor(ui, &state, backend);
                ui.separator();
                self.preview_ui(ui);
            });
        });
    }

    fn toolbar(&mut self, ui: &mut egui::Ui, state: &CleanState, backend: &mut dyn Backend) {
        // Wraps on a narrow window instead of running past its edge.
        ui.horizontal_wrapped(|ui| {
            let idle = !self.waiting;
            if ui.add_enabled(idle && state.can_undo, egui::Button::new(tr("clean-undo-button"))).on_hover_text(tr("clean-undo-hint")).clicked() {
                self.send_change(Request::Undo, backend);
            }
            if ui.add_enabled(idle && state.can_redo, egui::Button::new(tr("clean-redo-button"))).on_hover_text(tr("clean-redo-hint")).clicked() {
                self.send_change(Request::Redo, backend);
            }
            ui.separator();
            if ui.button(tr("clean-load-recipe-button")).clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::OpenRecipe });
            }
            if ui.button(tr("clean-save-recipe-button")).clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::SaveRecipe });
            }
            if ui.button(tr("clean-export-button")).clicked() {
                backend.send(Request::PickPath { purpose: FilePurpose::ExportCleaned });
            }
            ui.separator();
            self.label_picker(ui, state, backend);
            ui.separator();
            ui.label(tr_with(
                "clean-rows-summary",
                &[
                    ("raw", thousands(state.rows_raw).into()),
                    ("rows", thousands(state.rows).into()),
                    ("steps", state.steps.len().to_string().into()),
                    ("fraction", format!("{:.0}", state.train_fraction * 100.0).into()),
                ],
            ));
        });
    }

    /// The label (target) column: its class balance is checked and can be weighted.
    fn label_picker(&mut self, ui: &mut egui::Ui, state: &CleanState, backend: &mut dyn Backend) {
        let time = state.report.timestamp_column.as_deref();
        let current = state.label_column.clone();
        let mut chosen = current.clone();
        let picker = egui::ComboBox::new("clean_label", tr("clean-label-column"))
            .selected_text(current.clone().unwrap_or_else(|| tr("clean-none")))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, None, tr("clean-none"));
                for column in state.report.columns.iter().filter(|c| Some(c.name.as_str()) != time) {
                    let option = ui.selectable_value(&mut chosen, Some(column.name.clone()), &column.name);
                    crate::probe::mark(ui, format!("clean:label:{}", column.name), &option);
                }
            })
            .response
            .on_hover_text(tr("clean-label-hint"));
        crate::probe::mark(ui, "clean:label", &picker);
        crate::probe::mark(ui, format!("clean:label={}", current.as_deref().unwrap_or("")), &picker);
        if chosen != current && !self.waiting {
            self.send_change(Request::SetLabel { column: chosen }, backend);
        }
    }

    /// Called with the path the user picked for a recipe or an export.
    pub fn picked_path(&mut self, purpose: FilePurpose, path: String, backend: &mut dyn Backend) {
        match purpose {
            FilePurpose::SaveRecipe => backend.send(Request::SaveRecipe { path }),
            FilePurpose::OpenRecipe => {
                self.clear_draft();
                self.loading_recipe = true;
                self.waiting = true;
                backend.send(Request::LoadRecipe { path });
            }
            FilePurpose::ExportCleaned => backend.send(Request::ExportCleaned { path }),
            // The other dialogs belong to the Evaluate and Predict panes; the app routes them there.
            _ => {}
        }
    }

    fn gate(&mut self, ui: &mut egui::Ui, state: &CleanState, backend: &mut dyn Backend) {
        ui.horizontal(|ui| {
            let heading = ui.heading(tr("clean-gate-heading"));
            crate::probe::mark(ui, if state.gate.passed { "clean:gate:passed" } else { "clean:gate:failed" }, &heading);
            pass_badge(ui, state.gate.passed);
        });
        egui::Grid::new("gate_checks").striped(true).num_columns(3).show(ui, |ui| {
            for check in &state.gate.checks {
                pass_badge(ui, check.passed);
                ui.label(crate::i18n::gate_title_text(&check.name)).on_hover_text(crate::i18n::gate_check_text(check));
                let relation = if check.at_least { ">=" } else { "<=" };
                ui.label(tr_with(
                    "clean-check-needs",
                    &[
                        ("value", short_number(check.value).into()),
                        ("relation", relation.into()),
                        ("threshold", short_number(check.threshold).into()),
                    ],
                ));
                ui.end_row();
            }
        });
        egui::CollapsingHeader::new(tr("clean-gate-thresholds-heading")).id_salt("gate_thresholds").show(ui, |ui| {
            if let Some(value) = self.thresholds.as_mut() {
                parameter_form::edit_object(ui, "thresholds_form", value, FormContext::default());
            }
            if ui.add_enabled(!self.waiting, egui::Button::new(tr("clean-use-thresholds-button"))).clicked() {
                match self.thresholds.clone().map(serde_json::from_value::<GateThresholds>) {
                    Some(Ok(thresholds)) => {
                        self.waiting = true;
                        backend.send(Request::SetGateThresholds(thresholds));
                    }
                    Some(Err(e)) => {
                        ui.label(RichText::new(tr_with("clean-thresholds-invalid", &[("error", e.to_string().into())])).color(theme::BAD_TEXT));
                    }
                    None => {}
                }
            }
        });
    }

    /// The findings of the cleaned data, below the lists the user works in.
    fn findings(&mut self, ui: &mut egui::Ui, state: &CleanState) {
        let findings = state.report.findings.len();
        egui::CollapsingHeader::new(tr_with("clean-findings-left-heading", &[("count", findings.into())]))
            .id_salt("clean_findings")
            .default_open(true)
            .show(ui, |ui| {
                if findings == 0 {
                    ui.label(tr("clean-no-findings"));
                }
                for finding in &state.report.findings {
                    ui.horizontal_wrapped(|ui| {
                        badge(ui, finding.severity, &crate::i18n::finding_kind_text(finding.kind));
                        let column = finding.column.clone().unwrap_or_else(|| tr("clean-all-rows"));
                        ui.label(tr_with("clean-finding-line", &[("column", column.into()), ("message", crate::i18n::finding_text(finding).into())]));
                    });
                }
            });
    }

    fn suggestions(&mut self, ui: &mut egui::Ui, state: &CleanState, backend: &mut dyn Backend) {
        ui.heading(tr_with(
            "clean-suggested-heading",
            &[("count", state.suggestions.len().to_string().into()), ("findings", state.report.findings.len().to_string().into())],
        ));
        if state.suggestions.is_empty() {
            ui.label(RichText::new(tr("clean-no-suggestions")).weak());
        }
        for (i, suggestion) in state.suggestions.iter().enumerate() {
            ui.horizontal_wrapped(|ui| {
                let add = ui.add_enabled(!self.waiting, egui::Button::new(tr("clean-add-button"))).on_hover_text(tr("clean-add-hint"));
                if !self.waiting {
                    crate::probe::mark(ui, format!("clean:add:{i}"), &add);
                }
                ui.push_id(i, |ui| {
                    let column = suggestion.column.clone().unwrap_or_else(|| tr("clean-all-rows"));
                    ui.label(tr_with(
                        "clean-suggestion-line",
                        &[
                            ("kind", crate::i18n::finding_kind_text(suggestion.kind).into()),
                            ("column", column.into()),
                            ("reason", crate::i18n::suggestion_text(suggestion).into()),
                        ],
                    ));
                });
                if add.clicked() {
                    self.open_draft(DraftOrigin::New, &suggestion.step, backend);
                }
            });
        }
        ui.add_space(6.0);
        let columns = &state.report.columns;
        let time = state.report.timestamp_column.as_deref();
        let templates = step_templates(columns, time, state.label_column.as_deref());
        ui.horizontal(|ui| {
            let selected = templates.get(self.template).map_or(String::new(), |(name, _)| name.clone());
            egui::ComboBox::new("step_template", tr("clean-new-step-label")).selected_text(selected).show_ui(ui, |ui| {
                for (i, (name, _)) in templates.iter().enumerate() {
                    ui.selectable_value(&mut self.template, i, name);
                }
            });
            if ui.add_enabled(!self.waiting, egui::Button::new(tr("clean-edit-new-step-button"))).clicked() {
                if let Some((_, step)) = templates.get(self.template) {
                    self.open_draft(DraftOrigin::New, step, backend);
                }
            }
        });
    }

    fn history(&mut self, ui: &mut egui::Ui, state: &CleanState, backend: &mut dyn Backend) {
        ui.heading(tr("clean-history-heading"));
        if state.steps.is_empty() {
            ui.label(tr("clean-no-steps"));
        }
        for (i, step) in state.steps.iter().enumerate() {
            let outcome = state.outcomes.iter().find(|o| o.index == i);
            ui.push_id(("history", i), |ui| {
                ui.horizontal_wrapped(|ui| {
                    let mut enabled = step.enabled;
                    if ui.add_enabled(!self.waiting, egui::Checkbox::new(&mut enabled, "")).on_hover_text(tr("clean-enable-step-hint")).changed() {
                        self.send_change(Request::SetStepEnabled { index: i, enabled }, backend);
                    }
                    let text = crate::i18n::step_text(&step.step);
                    ui.label(tr_with("clean-step-line", &[("number", (i + 1).to_string().into()), ("text", text.into())]));
                    if ui.add_enabled(!self.waiting, egui::Button::new(tr("clean-edit-button")).small()).clicked() {
                        self.open_draft(DraftOrigin::History(i), &step.step, backend);
                    }
                    if ui.add_enabled(!self.waiting, egui::Button::new(tr("clean-remove-button")).small()).clicked() {
                        self.send_change(Request::RemoveStep { index: i }, backend);
                    }
                });
                if let Some(outcome) = outcome {
                    let detail = match &outcome.error {
                        Some(error) => {
                            RichText::new(tr_with("clean-step-skipped", &[("error", crate::i18n::error_text(error).into())])).color(theme::BAD_TEXT)
                        }
                        None => RichText::new(tr_with(
                            "clean-step-outcome",
                            &[
                                ("rows-in", thousands(outcome.rows_in).into()),
                                ("rows-out", thousands(outcome.rows_out).into()),
                                ("cells", thousands(outcome.cells_changed).into()),
                                ("ms", format!("{:.0}", outcome.elapsed_ms).into()),
                            ],
                        ))
                        .weak(),
                    };
                    ui.label(detail);
                }
            });
        }
    }

    fn open_draft(&mut self, origin: DraftOrigin, step: &CleanStep, backend: &mut dyn Backend) {
        match serde_json::to_value(step) {
            Ok(value) => {
                self.draft = Some(Draft { origin, value, error: None });
                self.preview = None;
                self.previewed = None;
                self.request_preview(backend);
            }
            Err(e) => self.draft = Some(Draft { origin, value: Value::Null, error: Some(e.to_string()) }),
        }
    }

    fn request_preview(&mut self, backend: &mut dyn Backend) {
        let Some(draft) = self.draft.as_mut() else { return };
        match serde_json::from_value::<CleanStep>(draft.value.clone()) {
            Ok(step) => {
                draft.error = None;
                self.previewed = Some(draft.value.clone());
                self.waiting = true;
                // An edited step is previewed on the data as it was before it, which is what it
                // will work on once saved.
                let edit_index = match draft.origin {
                    DraftOrigin::History(index) => Some(index),
                    DraftOrigin::New => None,
                };
                backend.send(Request::PreviewStep(PreviewRequest { step, max_points: PREVIEW_POINTS, max_series: 4, edit_index }));
            }
            Err(e) => draft.error = Some(tr_with("clean-step-invalid", &[("error", e.to_string().into())])),
        }
    }

    fn editor(&mut self, ui: &mut egui::Ui, state: &CleanState, backend: &mut dyn Backend) {
        let Some(draft) = self.draft.as_mut() else {
            ui.heading(tr("clean-editor-heading"));
            ui.label(tr("clean-editor-empty"));
            return;
        };
        let title = match draft.origin {
            DraftOrigin::New => tr("clean-new-step-label"),
            DraftOrigin::History(i) => tr_with("clean-editing-step", &[("number", (i + 1).to_string().into())]),
        };
        ui.heading(title);
        let columns: Vec<String> = state.report.columns.iter().map(|c| c.name.clone()).collect();
        parameter_form::edit_object(ui, "step_form", &mut draft.value, FormContext { columns: &columns });
        if let Some(error) = &draft.error {
            ui.label(RichText::new(error).color(theme::BAD_TEXT));
        }
        let stale = self.previewed.as_ref() != Some(&draft.value);
        let origin = draft.origin;
        let value = draft.value.clone();
        ui.horizontal(|ui| {
            let preview = ui.add_enabled(!self.waiting, egui::Button::new(tr("clean-preview-button")));
            if !self.waiting {
                crate::probe::mark(ui, "clean:preview", &preview);
            }
            if preview.clicked() {
                self.request_preview(backend);
            }
            let apply_label = if matches!(origin, DraftOrigin::New) { tr("clean-apply-button") } else { tr("clean-save-changes-button") };
            let can_apply = !self.waiting && !stale && self.preview.is_some();
            let apply = ui.add_enabled(can_apply, egui::Button::new(apply_label)).on_disabled_hover_text(tr("clean-preview-first-hint"));
            if can_apply {
                crate::probe::mark(ui, "clean:apply", &apply);
            }
            if apply.clicked() {
                if let Ok(step) = serde_json::from_value::<CleanStep>(value) {
                    let request = match origin {
                        DraftOrigin::New => Request::ApplyStep(step),
                        DraftOrigin::History(index) => Request::EditStep { index, step },
                    };
                    self.send_change(request, backend);
                }
            }
            if ui.button(tr("clean-discard-button")).clicked() {
                self.clear_draft();
            }
            if stale && self.preview.is_some() {
                ui.label(RichText::new(tr("clean-parameters-changed")).weak());
            }
        });
        let _ = state;
    }

    fn preview_ui(&mut self, ui: &mut egui::Ui) {
        let Some(preview) = &self.preview else {
            if self.waiting && self.draft.is_some() {
                ui.label(RichText::new(tr("clean-computing-preview")).weak());
            }
            return;
        };
        ui.heading(tr("clean-before-after-heading"));
        ui.label(crate::i18n::step_text(&preview.step));
        if let Some(Draft { origin: DraftOrigin::History(index), .. }) = &self.draft {
            ui.label(RichText::new(tr_with("clean-compared-before-step", &[("number", (index + 1).to_string().into())])).weak());
        }
        ui.label(tr_with(
            "clean-preview-rows",
            &[
                ("before", thousands(preview.rows_before).into()),
                ("after", thousands(preview.rows_after).into()),
                ("removed", thousands(preview.rows_before.saturating_sub(preview.rows_after)).into()),
                ("ms", format!("{:.0}", preview.elapsed_ms).into()),
            ],
        ));
        let changed: Vec<String> = preview
            .columns
            .iter()
            .filter(|c| c.cells_changed > 0 || c.added || c.removed)
            .map(|c| {
                let what = if c.added {
                    tr("clean-new-column")
                } else if c.removed {
                    tr("clean-removed-column")
                } else {
                    tr_with(
                        "clean-cells-changed",
                        &[
                            ("cells", thousands(c.cells_changed).into()),
                            ("before", thousands(c.nulls_before).into()),
                            ("after", thousands(c.nulls_after).into()),
                        ],
                    )
                };
                tr_with("clean-column-change", &[("column", (&c.column).into()), ("what", what.into())])
            })
            .collect();
        if changed.is_empty() {
            ui.label(tr("clean-no-cell-changes"));
        }
        for line in changed {
            ui.label(line);
        }
        let resolved: Vec<_> = preview.resolved().collect();
        let introduced: Vec<_> = preview.introduced().collect();
        for f in &resolved {
            ui.label(
                RichText::new(tr_with(
                    "clean-resolves",
                    &[
                        ("kind", crate::i18n::finding_kind_text(f.kind).into()),
                        ("column", f.column.clone().unwrap_or_else(|| tr("clean-all-rows")).into()),
                        ("before", f.before.to_string().into()),
                    ],
                ))
                .color(theme::GOOD_TEXT),
            );
        }
        for f in &introduced {
            ui.label(
                RichText::new(tr_with(
                    "clean-introduces",
                    &[
                        ("kind", crate::i18n::finding_kind_text(f.kind).into()),
                        ("column", f.column.clone().unwrap_or_else(|| tr("clean-all-rows")).into()),
                        ("message", crate::i18n::finding_delta_text(f).into()),
                    ],
                ))
                .color(theme::BAD_TEXT),
            );
        }
        for f in preview.findings.iter().filter(|f| f.before > 0 && f.after > 0 && f.before != f.after) {
            ui.label(tr_with(
                "clean-finding-change",
                &[
                    ("kind", crate::i18n::finding_kind_text(f.kind).into()),
                    ("column", f.column.clone().unwrap_or_else(|| tr("clean-all-rows")).into()),
                    ("before", f.before.to_string().into()),
                    ("after", f.after.to_string().into()),
                ],
            ));
        }
        if preview.series.is_empty() {
            return;
        }
        let names: Vec<String> = preview.series.iter().map(|s| s.column.clone()).collect();
        let mut column = self.preview_column.min(names.len() - 1);
        egui::ComboBox::new("preview_column", tr("clean-preview-column")).selected_text(names[column].clone()).show_ui(ui, |ui| {
            for (i, name) in names.iter().enumerate() {
                ui.selectable_value(&mut column, i, name);
            }
        });
        self.preview_column = column;
        let series = &preview.series[column];
        // The engine draws both sides on one axis (time when the data has times).
        let height = (ui.available_height() - 8.0).clamp(180.0, 320.0);
        series_plot("preview_plot", &series.after.x_axis).height(height).y_axis_label(series.column.clone()).legend(Legend::default()).show(
            ui,
            |plot_ui| {
                draw_series(plot_ui, &series.before, &tr("plot-series-before"), theme::SERIES_RAW);
                draw_series(plot_ui, &series.after, &tr("plot-series-after"), theme::SERIES_CLEANED);
            },
        );
    }
}

fn short_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

/// One editable starting point per step type, filled with the data's own column names.
fn step_templates(columns: &[ColumnProfile], time: Option<&str>, label: Option<&str>) -> Vec<(String, CleanStep)> {
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).filter(|n| Some(n.as_str()) != time).collect();
    let numeric: Vec<String> = columns.iter().filter(|c| c.mean.is_some()).map(|c| c.name.clone()).collect();
    let first = numeric.first().or(names.first()).cloned().unwrap_or_default();
    let time_column = time.map(str::to_owned).unwrap_or_else(|| names.first().cloned().unwrap_or_default());
    vec![
        (
            tr("clean-template-fill-interpolate"),
            CleanStep::Fill { columns: vec![first.clone()], method: FillMethod::Interpolate { limit: Some(30) } },
        ),
        (tr("clean-template-fill-forward"), CleanStep::Fill { columns: vec![first.clone()], method: FillMethod::Forward { limit: Some(10) } }),
        (tr("clean-template-fill-median"), CleanStep::Fill { columns: vec![first.clone()], method: FillMethod::Median }),
        (
            tr("clean-template-outliers-mad"),
            CleanStep::Outliers { columns: vec![first.clone()], method: OutlierMethod::Mad { k: 5.0 }, action: OutlierAction::Null },
        ),
        (
            tr("clean-template-outliers-hampel"),
            CleanStep::Outliers { columns: vec![first.clone()], method: OutlierMethod::Hampel { window: 10, k: 5.0 }, action: OutlierAction::Null },
        ),
        (
            tr("clean-template-outliers-iqr"),
            CleanStep::Outliers { columns: vec![first.clone()], method: OutlierMethod::Iqr { k: 3.0 }, action: OutlierAction::Clip },
        ),
        (
            tr("clean-template-valid-range"),
            CleanStep::Outliers {
                columns: vec![first.clone()],
                method: OutlierMethod::Range { low: None, high: None, values: vec![] },
                action: OutlierAction::Null,
            },
        ),
        (tr("clean-template-flatline"), CleanStep::FlatlineToNull { columns: vec![first.clone()], min_run: 30 }),
        (
            tr("clean-template-unit-conversion"),
            CleanStep::ConvertUnit { column: first.clone(), conversion: UnitConversion::FahrenheitToCelsius, segment: None },
        ),
        (tr("clean-template-sort"), CleanStep::SortByTime),
        (tr("clean-template-drop-duplicates"), CleanStep::DropDuplicateRows),
        (tr("clean-template-duplicate-timestamps"), CleanStep::ResolveDuplicateTimestamps { keep: DuplicateKeep::First }),
        (tr("clean-template-resample"), CleanStep::Resample { interval_s: 60.0, aggregate: Aggregate::Mean, max_columns: Vec::new() }),
        (
            tr("clean-template-exclude-periods"),
            CleanStep::ExcludePeriods { condition: Condition { column: first.clone(), op: CompareOp::Lt, value: 0.0 }, pad_s: 0.0 },
        ),
        (
            tr("clean-template-filter-rows"),
            CleanStep::FilterRows { condition: Condition { column: first.clone(), op: CompareOp::NotNull, value: 0.0 } },
        ),
        (
            tr("clean-template-derive-label"),
            CleanStep::DeriveLabel {
                name: "fault_within_h".into(),
                source: LabelSource::Column { column: first.clone() },
                horizon_h: 4.0,
                during_event: true,
            },
        ),
        (
            tr("clean-template-weight-classes"),
            CleanStep::WeightClasses { label: label.map_or_else(|| first.clone(), str::to_owned), weight_column: DEFAULT_WEIGHT_COLUMN.into() },
        ),
        (tr("clean-template-select"), CleanStep::Select { columns: names.clone() }),
        (tr("clean-template-drop"), CleanStep::Drop { columns: vec![first.clone()] }),
        (tr("clean-template-rename"), CleanStep::Rename { from: first.clone(), to: format!("{first}_renamed") }),
        (tr("clean-template-cast"), CleanStep::Cast { column: first, to: plantlab_protocol::CastType::Float }),
        (tr("clean-template-parse-timestamp"), CleanStep::ParseTimestamp { column: time_column, format: None }),
    ]
}

impl CleanPane {
    /// The recipe, gate thresholds and step being drafted, for `PlantLabApp::settings_fingerprint`.
    pub fn settings_fingerprint(&self) -> String {
        format!("{:?} {:?} {:?} {}", self.state, self.thresholds, self.previewed, self.template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_round_trips_through_the_form_json() {
        let columns = vec![ColumnProfile {
            name: "FI-301".into(),
            dtype: "f64".into(),
            unit: None,
            null_count: 0,
            status_text_count: 0,
            min: Some(0.0),
            max: Some(1.0),
            mean: Some(0.5),
            std: Some(0.1),
        }];
        for (name, step) in step_templates(&columns, Some("Timestamp"), Some("fault")) {
            let value = serde_json::to_value(&step).unwrap_or(Value::Null);
            let back: Result<CleanStep, _> = serde_json::from_value(value);
            assert_eq!(back.ok().as_ref(), Some(&step), "{name}");
        }
    }
}
