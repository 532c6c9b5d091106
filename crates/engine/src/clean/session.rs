//! A cleaning session: the imported data, the ordered history of steps (each can be disabled,
//! edited or removed), undo/redo, and the cleaned data set with its quality report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use plantlab_protocol::{
    CleanAction, CleanState, CleanStep, CleanSummary, ColumnChange, FindingDelta, GateResult, GateThresholds, ImportSettings, MessageArg,
    PreviewRequest, PreviewSeries, Recipe, RecipeStep, SeriesRequest, StepOutcome, StepPreview, Suggestion, DEFAULT_TRAIN_FRACTION,
    RECIPE_SCHEMA_VERSION,
};
use polars::prelude::*;

use super::table::{floats, internal, is_numeric, Table};
use super::{gate, recipe, steps, suggest};
use crate::dataset::Dataset;
use crate::error::{Detail, EngineError, Result};
use crate::import::Imported;
use crate::quality::{assess, QualityInput, QualityThresholds};
use crate::tasks::JobContext;

/// Most steps "apply all suggestions" adds before it stops (each suggestion clears a finding,
/// so a data set needs far fewer; this only guards against a suggestion that keeps coming back).
const MAX_SUGGESTED_STEPS: usize = 100;
/// Undo depth.
const MAX_UNDO: usize = 200;

/// The data as it was before one step of the history, kept while that step is being edited:
/// each change to its parameters asks for a preview on it again. Columns a step does not touch
/// are shared with the imported data, so it costs the columns and rows the earlier steps
/// changed; one is kept at a time.
struct BeforeStep {
    index: usize,
    /// What it was computed from; it is recomputed when any of this changes.
    steps: Vec<RecipeStep>,
    train_fraction: f64,
    label: Option<String>,
    table: Table,
    dataset: Arc<Dataset>,
}

/// The history as undo/redo remember it.
#[derive(Clone)]
struct Snapshot {
    steps: Vec<RecipeStep>,
    train_fraction: f64,
}

pub struct CleanSession {
    path: String,
    settings: ImportSettings,
    /// The data set as imported; the session belongs to it.
    raw: Arc<Dataset>,
    raw_table: Table,
    steps: Vec<RecipeStep>,
    outcomes: Vec<StepOutcome>,
    train_fraction: f64,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    current: Table,
    cleaned: Arc<Dataset>,
    thresholds: QualityThresholds,
    gate: GateThresholds,
    label_column: Option<String>,
    before_step: Mutex<Option<Arc<BeforeStep>>>,
}

impl CleanSession {
    /// A session on an imported data set, with an empty history.
    pub fn start(raw: Arc<Dataset>) -> Self {
        let raw_table = Table::from_dataset(&raw);
        Self {
            path: raw.summary().path.clone(),
            settings: raw.summary().import.clone(),
            cleaned: raw.clone(),
            current: raw_table.clone(),
            raw,
            raw_table,
            steps: Vec::new(),
            outcomes: Vec::new(),
            train_fraction: DEFAULT_TRAIN_FRACTION,
            undo: Vec::new(),
            redo: Vec::new(),
            thresholds: QualityThresholds::default(),
            gate: GateThresholds::default(),
            label_column: None,
            before_step: Mutex::new(None),
        }
    }

    pub fn raw(&self) -> &Arc<Dataset> {
        &self.raw
    }

    pub fn cleaned(&self) -> &Arc<Dataset> {
        &self.cleaned
    }

    pub fn steps(&self) -> &[RecipeStep] {
        &self.steps
    }

    pub fn suggestions(&self) -> Vec<Suggestion> {
        suggest::suggest(self.cleaned.report(), &self.current, &self.thresholds, self.label())
    }

    pub fn gate(&self) -> GateResult {
        gate::evaluate(self.cleaned.report(), &self.gate)
    }

    pub fn set_gate_thresholds(&mut self, thresholds: GateThresholds) {
        self.gate = thresholds;
    }

    pub fn state(&self) -> CleanState {
        CleanState {
            rows_raw: self.raw_table.height() as u64,
            rows: self.current.height() as u64,
            train_fraction: self.train_fraction,
            steps: self.steps.clone(),
            outcomes: self.outcomes.clone(),
            can_undo: !self.undo.is_empty(),
            can_redo: !self.redo.is_empty(),
            report: self.cleaned.report().clone(),
            suggestions: self.suggestions(),
            gate: self.gate(),
            gate_thresholds: self.gate.clone(),
            label_column: self.label().map(str::to_owned),
        }
    }

    /// The label checked for imbalance: the one named, else the column the last enabled
    /// label-deriving step made (when it is in the data).
    pub fn label(&self) -> Option<&str> {
        let derived = || {
            self.steps.iter().rev().filter(|s| s.enabled).find_map(|s| match &s.step {
                CleanStep::DeriveLabel { name, .. } => Some(name.as_str()),
                _ => None,
            })
        };
        self.label_column.as_deref().or_else(derived).filter(|l| self.current.has(l))
    }

    /// The column of class weights for the label, from the last enabled weighting step on it.
    fn label_weights(&self) -> Option<&str> {
        self.label_weights_in(&self.current)
    }

    /// [`Self::label_weights`] for another state of the data (the one before an edited step).
    fn label_weights_in(&self, table: &Table) -> Option<&str> {
        let label = self.label()?;
        self.steps
            .iter()
            .rev()
            .filter(|s| s.enabled)
            .find_map(|s| match &s.step {
                CleanStep::WeightClasses { label: l, weight_column } if l == label => Some(weight_column.as_str()),
                _ => None,
            })
            .filter(|w| table.has(w))
    }

    /// Names the label column (checked to exist); the report is recomputed.
    fn set_label(&mut self, column: Option<String>, job: &JobContext) -> Result<()> {
        if let Some(name) = &column {
            if !self.current.has(name) {
                return Err(EngineError::UnknownColumn(name.clone()));
            }
        }
        self.label_column = column;
        self.rebuild(job)
    }

    pub fn summary(&self) -> CleanSummary {
        CleanSummary {
            rows_in: self.raw_table.height() as u64,
            rows_out: self.current.height() as u64,
            columns_out: self.current.frame.width() as u64,
            steps: self.outcomes.clone(),
            findings: self.cleaned.report().findings.clone(),
            gate: self.gate(),
            output: None,
        }
    }

    pub fn recipe(&self) -> Recipe {
        Recipe {
            schema_version: RECIPE_SCHEMA_VERSION,
            // How sure the encoding sniff was describes this file, not a setting to replay.
            import: ImportSettings { encoding_confidence: None, ..self.settings.clone() },
            train_fraction: self.train_fraction,
            label: self.label_column.clone(),
            steps: self.steps.clone(),
        }
    }

    /// The cleaned frame (for export and tests).
    pub fn frame(&self) -> &DataFrame {
        &self.current.frame
    }

    /// Runs one change to the history.
    pub fn perform(&mut self, action: CleanAction, job: &JobContext) -> Result<()> {
        match action {
            CleanAction::Apply { step } => self.apply_step(step, job),
            CleanAction::Undo => self.undo(job),
            CleanAction::Redo => self.redo(job),
            CleanAction::SetEnabled { index, enabled } => {
                self.check_index(index)?;
                self.change(job, |steps| steps[index].enabled = enabled)
            }
            CleanAction::Edit { index, step } => {
                self.check_index(index)?;
                self.change(job, |steps| steps[index] = RecipeStep { step, enabled: steps[index].enabled, fitted: None })
            }
            CleanAction::Remove { index } => {
                self.check_index(index)?;
                self.change(job, |steps| {
                    steps.remove(index);
                })
            }
            CleanAction::ApplySuggestions => self.apply_suggestions(job).map(|_| ()),
            CleanAction::LoadRecipe { path } => self.load_recipe(Path::new(&path), job),
            CleanAction::SetTrainFraction { fraction } => {
                if !(fraction > 0.0 && fraction <= 1.0) {
                    return Err(EngineError::BadStep(Detail::coded("train_fraction", [("value", steps::value_arg(fraction))])));
                }
                self.remember();
                self.train_fraction = fraction;
                // New training part, new statistics.
                for s in &mut self.steps {
                    s.fitted = None;
                }
                self.replay(job)
            }
            CleanAction::Reset => self.change(job, Vec::clear),
            CleanAction::SetLabel { column } => self.set_label(column, job),
        }
    }

    fn check_index(&self, index: usize) -> Result<()> {
        if index < self.steps.len() {
            Ok(())
        } else {
            Err(EngineError::CleanHistory(Detail::coded("no_such_step", [("step", (index + 1).into()), ("steps", self.steps.len().into())])))
        }
    }

    fn remember(&mut self) {
        self.undo.push(Snapshot { steps: self.steps.clone(), train_fraction: self.train_fraction });
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Edits the history and re-applies it from the imported data; on failure nothing changes.
    fn change(&mut self, job: &JobContext, edit: impl FnOnce(&mut Vec<RecipeStep>)) -> Result<()> {
        let before = Snapshot { steps: self.steps.clone(), train_fraction: self.train_fraction };
        edit(&mut self.steps);
        match self.replay(job) {
            Ok(()) => {
                self.undo.push(before);
                if self.undo.len() > MAX_UNDO {
                    self.undo.remove(0);
                }
                self.redo.clear();
                Ok(())
            }
            Err(err) => {
                self.steps = before.steps;
                Err(err)
            }
        }
    }

    /// Adds a step at the end: fitted on the current data, applied to it alone (no replay).
    pub fn apply_step(&mut self, step: CleanStep, job: &JobContext) -> Result<()> {
        let (entry, table, outcome) = self.run_new_step(step, job)?;
        self.remember();
        self.steps.push(entry);
        self.outcomes.push(outcome);
        self.current = table;
        self.rebuild(job)
    }

    fn run_new_step(&self, step: CleanStep, job: &JobContext) -> Result<(RecipeStep, Table, StepOutcome)> {
        job.check_cancelled()?;
        let fitted = steps::fit(&step, &self.current, self.train_fraction)?;
        let entry = RecipeStep { step, enabled: true, fitted };
        let started = Instant::now();
        let table = steps::apply(&entry.step, entry.fitted.as_ref(), &self.current)?;
        let outcome = outcome_of(self.steps.len(), &entry, &self.current, &table, None, started);
        Ok((entry, table, outcome))
    }

    /// Adds suggested steps one after another (as one click each would), re-assessing after
    /// each, until none is left. One undo step for all of them. Returns how many were added.
    pub fn apply_suggestions(&mut self, job: &JobContext) -> Result<usize> {
        let before = Snapshot { steps: self.steps.clone(), train_fraction: self.train_fraction };
        let mut added = 0;
        // Suggestions that could not run (e.g. nothing to fit on) are passed over, not retried.
        let mut skipped: Vec<CleanStep> = Vec::new();
        let mut result = Ok(());
        while added < MAX_SUGGESTED_STEPS {
            if let Err(err) = job.check_cancelled() {
                result = Err(err);
                break;
            }
            let next = self.suggestions().into_iter().find(|s| !self.steps.iter().any(|h| h.step == s.step) && !skipped.contains(&s.step));
            let Some(next) = next else { break };
            job.progress((added as f32 / 20.0).min(0.95), crate::Stage::ApplyingSuggestion(Box::new(next.step.clone())));
            match self.run_new_step(next.step.clone(), job) {
                Ok((entry, table, outcome)) => {
                    self.steps.push(entry);
                    self.outcomes.push(outcome);
                    self.current = table;
                    if let Err(err) = self.rebuild(job) {
                        result = Err(err);
                        break;
                    }
                    added += 1;
                }
                Err(EngineError::Cancelled) => {
                    result = Err(EngineError::Cancelled);
                    break;
                }
                Err(_) => skipped.push(next.step),
            }
        }
        // Whatever was added is one undo step, even when the run was cut short.
        if added > 0 {
            self.undo.push(before);
            self.redo.clear();
        }
        result.map(|()| added)
    }

    pub fn undo(&mut self, job: &JobContext) -> Result<()> {
        self.travel(true, job)
    }

    pub fn redo(&mut self, job: &JobContext) -> Result<()> {
        self.travel(false, job)
    }

    /// Undo (`back`) or redo: the current history goes onto the other stack, the popped one
    /// becomes current, and the data is replayed from the import.
    fn travel(&mut self, back: bool, job: &JobContext) -> Result<()> {
        let (from, to, nothing) =
            if back { (&mut self.undo, &mut self.redo, "nothing_to_undo") } else { (&mut self.redo, &mut self.undo, "nothing_to_redo") };
        let Some(target) = from.pop() else {
            return Err(EngineError::CleanHistory(Detail::coded(nothing, [])));
        };
        to.push(Snapshot { steps: std::mem::take(&mut self.steps), train_fraction: self.train_fraction });
        self.steps = target.steps;
        self.train_fraction = target.train_fraction;
        self.replay(job)
    }

    /// Replaces the history with a recipe's steps and replays them on the imported data.
    pub fn load_recipe(&mut self, path: &Path, job: &JobContext) -> Result<()> {
        let recipe = recipe::read(path)?;
        self.use_recipe(recipe, job)
    }

    pub fn use_recipe(&mut self, recipe: Recipe, job: &JobContext) -> Result<()> {
        let before = Snapshot { steps: self.steps.clone(), train_fraction: self.train_fraction };
        self.steps = recipe.steps;
        self.train_fraction = recipe.train_fraction;
        if recipe.label.is_some() {
            self.label_column = recipe.label;
        }
        match self.replay(job) {
            Ok(()) => {
                self.undo.push(before);
                self.redo.clear();
                Ok(())
            }
            Err(err) => {
                self.steps = before.steps;
                self.train_fraction = before.train_fraction;
                let _ = self.replay(&JobContext::detached());
                Err(err)
            }
        }
    }

    pub fn save_recipe(&self, path: &Path) -> Result<()> {
        recipe::write(path, &self.recipe())
    }

    /// Re-applies every enabled step in order from the imported data. Steps keep their fitted
    /// statistics; a step without them (new, edited, or from a hand-written recipe) is fitted
    /// where it stands. A step that cannot run is skipped and its outcome says why.
    pub fn replay(&mut self, job: &JobContext) -> Result<()> {
        let mut table = self.raw_table.clone();
        let mut outcomes = Vec::with_capacity(self.steps.len());
        let total = self.steps.len().max(1) as f32;
        for (index, entry) in self.steps.iter_mut().enumerate() {
            job.check_cancelled()?;
            job.progress(0.9 * index as f32 / total, crate::Stage::ReplayingStep(Box::new(entry.step.clone())));
            let started = Instant::now();
            if !entry.enabled {
                outcomes.push(outcome_of(index, entry, &table, &table, None, started));
                continue;
            }
            let fits = steps::needs_fit(&entry.step);
            let result = (|| {
                if fits && entry.fitted.is_none() {
                    entry.fitted = steps::fit(&entry.step, &table, self.train_fraction)?;
                }
                steps::apply(&entry.step, entry.fitted.as_ref(), &table)
            })();
            match result {
                Ok(next) => {
                    outcomes.push(outcome_of(index, entry, &table, &next, None, started));
                    table = next;
                }
                Err(EngineError::Cancelled) => return Err(EngineError::Cancelled),
                Err(err) => outcomes.push(outcome_of(index, entry, &table, &table, Some(err), started)),
            }
        }
        self.current = table;
        self.outcomes = outcomes;
        job.progress(0.92, crate::Stage::CheckingQuality);
        self.rebuild(job)
    }

    /// The cleaned data set (with its quality report) from the current table.
    fn rebuild(&mut self, job: &JobContext) -> Result<()> {
        job.check_cancelled()?;
        self.cleaned = Arc::new(self.dataset_of(&self.current));
        Ok(())
    }

    /// A state of the data as a data set, with its quality report.
    fn dataset_of(&self, table: &Table) -> Dataset {
        let mut settings = self.settings.clone();
        settings.timestamp_column = table.timestamp.clone();
        let imported = Imported {
            frame: table.frame.clone(),
            settings,
            units: table.units.clone(),
            status_text: table.status.clone(),
            warnings: self.raw.summary().warnings.clone(),
            warning_codes: self.raw.summary().warning_codes.clone(),
        };
        let label = self.label().filter(|l| table.has(l));
        Dataset::from_import_weighted(self.path.clone(), imported, &self.thresholds_for(table), label, self.label_weights_in(table))
    }

    /// The quality thresholds for a state of the data: the periods it excluded on purpose
    /// raise no gap.
    fn thresholds_for(&self, table: &Table) -> QualityThresholds {
        QualityThresholds { excluded_periods_ms: table.excluded.clone(), ..self.thresholds.clone() }
    }

    /// The data as it was before history step `index` (what that step sees when it is edited),
    /// with its report. The current state when no enabled step follows; else the enabled steps
    /// before it replayed from the import with their stored statistics (kept for the next
    /// preview of the same edit).
    fn before_step(&self, index: usize) -> Result<(Table, Arc<Dataset>)> {
        self.check_index(index)?;
        if self.steps[index..].iter().all(|s| !s.enabled) {
            return Ok((self.current.clone(), self.cleaned.clone()));
        }
        let mut kept = self.before_step.lock().map_err(|_| EngineError::Internal("preview cache lock poisoned".into()))?;
        if let Some(k) = kept.as_ref() {
            let same = k.index == index
                && k.steps[..] == self.steps[..index]
                && k.train_fraction == self.train_fraction
                && k.label.as_deref() == self.label();
            if same {
                return Ok((k.table.clone(), k.dataset.clone()));
            }
        }
        // Let go of the old one before building the new one (at most one extra state in memory).
        *kept = None;
        let mut table = self.raw_table.clone();
        for entry in self.steps[..index].iter().filter(|s| s.enabled) {
            // As in a replay: a step without statistics is fitted where it stands, and a step
            // that cannot run is passed over.
            let refit;
            let fitted = if entry.fitted.is_none() && steps::needs_fit(&entry.step) {
                match steps::fit(&entry.step, &table, self.train_fraction) {
                    Ok(f) => {
                        refit = f;
                        refit.as_ref()
                    }
                    Err(_) => continue,
                }
            } else {
                entry.fitted.as_ref()
            };
            if let Ok(next) = steps::apply(&entry.step, fitted, &table) {
                table = next;
            }
        }
        let dataset = Arc::new(self.dataset_of(&table));
        let entry = BeforeStep {
            index,
            steps: self.steps[..index].to_vec(),
            train_fraction: self.train_fraction,
            label: self.label().map(str::to_owned),
            table: table.clone(),
            dataset: dataset.clone(),
        };
        *kept = Some(Arc::new(entry));
        Ok((table, dataset))
    }

    /// What `step` would do to the current cleaned data (or, when it replaces a step of the
    /// history, to the data as it was before that step), computed on that data alone and
    /// compared only where the step can change something.
    pub fn preview(&self, request: &PreviewRequest) -> Result<StepPreview> {
        let started = Instant::now();
        let step = &request.step;
        let (before, before_set) = match request.edit_index {
            Some(index) => self.before_step(index)?,
            None => (self.current.clone(), self.cleaned.clone()),
        };
        let before = &before;
        let fitted = steps::fit(step, before, self.train_fraction)?;
        let after = steps::apply(step, fitted.as_ref(), before)?;
        let row_step = steps::changes_rows(step) || after.height() != before.height();
        let before_names: BTreeSet<String> = before.names().into_iter().collect();
        let after_names: BTreeSet<String> = after.names().into_iter().collect();

        // Columns: values changed in the touched ones, and those added or removed.
        let touched: Vec<String> = match steps::touched_columns(step) {
            Some(cols) if !row_step => cols.into_iter().filter(|c| after_names.contains(c)).collect(),
            _ => after.names(),
        };
        let mut columns = Vec::new();
        for name in &touched {
            let (b, a) = (before.frame.column(name).ok(), after.frame.column(name).ok());
            let cells_changed = match (b, a) {
                (Some(b), Some(a)) if !row_step => changed_cells(b, a)?,
                _ => 0,
            };
            columns.push(ColumnChange {
                column: name.clone(),
                cells_changed,
                nulls_before: b.map_or(0, |c| c.null_count() as u64),
                nulls_after: a.map_or(0, |c| c.null_count() as u64),
                added: b.is_none(),
                removed: false,
            });
        }
        for gone in before_names.difference(&after_names) {
            let nulls = before.frame.column(gone).map_or(0, |c| c.null_count() as u64);
            columns.push(ColumnChange { column: gone.clone(), cells_changed: 0, nulls_before: nulls, nulls_after: 0, added: false, removed: true });
        }

        // Findings: the whole report for row steps, else only the touched columns'.
        let before_findings = &before_set.report().findings;
        let column_step = !row_step && !matches!(step, CleanStep::Rename { .. });
        let (scope_before, after_findings): (Vec<_>, Vec<_>) = if column_step {
            let in_scope = |c: &Option<String>| c.as_ref().is_some_and(|c| touched.contains(c) || !after_names.contains(c));
            let mut keep: Vec<&str> = Vec::new();
            if let Some(ts) = after.timestamp.as_deref().filter(|ts| after.has(ts)) {
                keep.push(ts);
            }
            keep.extend(touched.iter().map(String::as_str).filter(|c| Some(*c) != after.timestamp.as_deref()));
            let sub = after.frame.select(keep.iter().copied()).map_err(internal)?;
            let found = self.assess(&sub, &after, Some(step));
            (
                before_findings.iter().filter(|f| in_scope(&f.column)).cloned().collect(),
                found.into_iter().filter(|f| f.column.as_ref().is_some_and(|c| touched.contains(c))).collect(),
            )
        } else {
            (before_findings.clone(), self.assess(&after.frame, &after, Some(step)))
        };
        let mut deltas: BTreeMap<(plantlab_protocol::FindingKind, Option<String>), FindingDelta> = BTreeMap::new();
        // Counts per (kind, column) on each side; the message is the after side's when it exists.
        for (f, after) in scope_before.iter().map(|f| (f, false)).chain(after_findings.iter().map(|f| (f, true))) {
            let d = deltas.entry((f.kind, f.column.clone())).or_insert_with(|| FindingDelta {
                kind: f.kind,
                column: f.column.clone(),
                before: 0,
                after: 0,
                message: f.message.clone(),
                variant: f.variant.clone(),
                args: f.args.clone(),
            });
            if after {
                d.after += f.count;
                d.message = f.message.clone();
                d.variant = f.variant.clone();
                d.args = f.args.clone();
            } else {
                d.before += f.count;
            }
        }
        let findings = deltas.into_values().filter(|d| d.before != d.after).collect();

        // Before/after envelopes of the first affected numeric columns.
        let mut series = Vec::new();
        let plotted: Vec<&String> = columns
            .iter()
            .filter(|c| !c.removed)
            .map(|c| &c.column)
            .filter(|c| after.frame.column(c).is_ok_and(|col| is_numeric(col.dtype())) && Some(c.as_str()) != after.timestamp.as_deref())
            .take(request.max_series as usize)
            .collect();
        if !plotted.is_empty() {
            let after_view = Dataset::plot_only(after.frame.clone(), after.timestamp.clone());
            for name in plotted {
                let req = SeriesRequest::whole(name.clone(), request.max_points);
                let after_series = after_view.series(&req)?;
                // Both sides on one axis: a step that keeps the rows draws the old values at the
                // new side's x (a step that parses the time column puts both on the time axis);
                // a step that changes rows draws each side by its own time.
                let old_values = before.frame.column(name).ok().filter(|_| !row_step).and_then(floats);
                let before_series = match old_values {
                    Some(values) => after_view.series_of(&req, &values),
                    None => before_set.series(&req),
                };
                let pair = match before_series {
                    Ok(s) if s.x_axis == after_series.x_axis => (s, after_series),
                    // One side has times and the other has none (the step made or dropped
                    // them): both are drawn by row number.
                    Ok(_) => {
                        let by_row = |table: &Table| Dataset::plot_only(table.frame.clone(), None).series(&req);
                        (by_row(before)?, by_row(&after)?)
                    }
                    // A column the step adds has no before.
                    Err(_) => (after_series.clone(), after_series),
                };
                series.push(PreviewSeries { column: name.clone(), before: pair.0, after: pair.1 });
            }
        }
        Ok(StepPreview {
            step: step.clone(),
            description: step.describe(),
            rows_before: before.height() as u64,
            rows_after: after.height() as u64,
            columns,
            findings,
            series,
            fitted,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// The findings on `frame`, as the report would give them after `previewed` is added.
    fn assess(&self, frame: &DataFrame, table: &Table, previewed: Option<&CleanStep>) -> Vec<plantlab_protocol::Finding> {
        let label = self.label().filter(|l| frame.column(l).is_ok());
        let weights = match previewed {
            Some(CleanStep::WeightClasses { label: l, weight_column }) if Some(l.as_str()) == label => Some(weight_column.as_str()),
            _ => self.label_weights(),
        };
        let input = QualityInput {
            frame,
            timestamp_column: table.timestamp.as_deref().filter(|ts| frame.column(ts).is_ok()),
            status_text: &table.status,
            units: &table.units,
            label_column: label,
            label_weight_column: weights.filter(|w| frame.column(w).is_ok()),
        };
        assess(&input, &self.thresholds_for(table)).findings
    }

    /// Writes the cleaned data as Parquet or CSV, by the file's extension.
    pub fn export(&self, path: &Path) -> Result<()> {
        export_frame(&self.current.frame, path)
    }
}

/// Writes a frame as Parquet (`.parquet`) or CSV; see [`crate::frame_export::export_frame`]
/// (atomic, extension checked first, formula text guarded).
pub fn export_frame(frame: &DataFrame, path: &Path) -> Result<()> {
    crate::frame_export::export_frame(frame, path)
}

/// Cells whose value differs between two columns of the same height (missing ↔ value counts).
fn changed_cells(before: &Column, after: &Column) -> Result<u64> {
    if before.len() != after.len() {
        return Ok(0);
    }
    if let (Some(b), Some(a)) = (floats(before), floats(after)) {
        return Ok(b.iter().zip(&a).filter(|(x, y)| !(x == y || (x.is_nan() && y.is_nan()))).count() as u64);
    }
    let (b, a) = (before.cast(&DataType::String).map_err(internal)?, after.cast(&DataType::String).map_err(internal)?);
    let (b, a) = (b.str().map_err(internal)?, a.str().map_err(internal)?);
    Ok(b.iter().zip(a.iter()).filter(|(x, y)| x != y).count() as u64)
}

/// What a refusal names about a replayed step that could not run: its number, the step (each
/// edge words it) and why, as its own error's detail where it has one.
pub(crate) fn failed_step_args(failed: &StepOutcome) -> [(&'static str, MessageArg); 3] {
    let step = match &failed.step {
        Some(step) => MessageArg::Step(Box::new(step.clone())),
        None => MessageArg::Text(failed.description.clone()),
    };
    let why = match &failed.error {
        Some(error) => match error.args.get("detail") {
            Some(detail) if error.code == "bad_step" => detail.clone(),
            // Any other error (an internal one) is named by its whole sentence.
            _ => {
                let code = if error.variant.is_empty() { error.code.clone() } else { format!("{}_{}", error.code, error.variant) };
                MessageArg::Phrase { code, args: error.args.clone() }
            }
        },
        None => MessageArg::Text(String::new()),
    };
    [("number", (failed.index + 1).into()), ("step", step), ("why", why)]
}

fn outcome_of(index: usize, entry: &RecipeStep, before: &Table, after: &Table, error: Option<EngineError>, started: Instant) -> StepOutcome {
    let columns = steps::touched_columns(&entry.step).unwrap_or_default();
    let cells_changed = if entry.enabled && error.is_none() && before.height() == after.height() && !steps::changes_rows(&entry.step) {
        columns
            .iter()
            .filter_map(|c| {
                let a = after.frame.column(c).ok()?;
                // A renamed column is compared with its old self.
                let b = match &entry.step {
                    CleanStep::Rename { from, .. } => before.frame.column(from).ok(),
                    _ => before.frame.column(c).ok(),
                };
                match b {
                    Some(b) => changed_cells(b, a).ok(),
                    // A new column (a label, class weights): every value it holds is new.
                    None => Some((a.len() - a.null_count()) as u64),
                }
            })
            .sum()
    } else {
        0
    };
    StepOutcome {
        index,
        op: steps::op_name(&entry.step).to_owned(),
        description: entry.step.describe(),
        step: Some(entry.step.clone()),
        enabled: entry.enabled,
        rows_in: before.height() as u64,
        rows_out: after.height() as u64,
        cells_changed,
        columns,
        error: error.map(|e| e.to_api()),
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use plantlab_protocol::{FillMethod, OutlierAction, OutlierMethod, XAxis};

    use super::*;

    fn job() -> JobContext {
        JobContext::detached()
    }

    /// 200 rows of `v`; every tenth row reads 500 (above the valid range).
    fn session() -> CleanSession {
        let v: Vec<f64> = (0..200).map(|i| if i % 10 == 0 { 500.0 } else { f64::from(i % 7) }).collect();
        let frame = df!("v" => v).unwrap();
        CleanSession::start(Arc::new(Dataset::from_frame("mem".into(), frame)))
    }

    fn range_to_missing() -> CleanStep {
        CleanStep::Outliers {
            columns: vec!["v".into()],
            method: OutlierMethod::Range { low: None, high: Some(100.0), values: vec![] },
            action: OutlierAction::Null,
        }
    }

    fn preview(step: CleanStep, edit_index: Option<usize>) -> PreviewRequest {
        PreviewRequest { step, max_points: 500, max_series: 2, edit_index }
    }

    fn changed(p: &StepPreview) -> u64 {
        p.columns.iter().find(|c| c.column == "v").map_or(0, |c| c.cells_changed)
    }

    #[test]
    fn editing_an_earlier_step_previews_it_on_the_data_before_it() {
        let mut s = session();
        s.perform(CleanAction::Apply { step: range_to_missing() }, &job()).unwrap();
        s.perform(CleanAction::Apply { step: CleanStep::Fill { columns: vec!["v".into()], method: FillMethod::Median } }, &job()).unwrap();
        // On the cleaned data the readings above 100 are gone: a new step would change nothing.
        assert_eq!(changed(&s.preview(&preview(range_to_missing(), None)).unwrap()), 0);
        // Step 1 being edited sees the data as imported: 20 readings above 100.
        let edit = s.preview(&preview(range_to_missing(), Some(0))).unwrap();
        assert_eq!(changed(&edit), 20);
        assert_eq!(edit.columns[0].nulls_before, 0);
        assert_eq!(edit.columns[0].nulls_after, 20);
        let before = &edit.series[0].before;
        assert_eq!(before.y_max.iter().copied().fold(f64::MIN, f64::max), 500.0, "the before side draws the imported values");
        // Step 2 being edited sees step 1's output: 20 missing cells to fill.
        let fill = s.preview(&preview(CleanStep::Fill { columns: vec!["v".into()], method: FillMethod::Median }, Some(1))).unwrap();
        assert_eq!(changed(&fill), 20);
        // The kept state follows the history: with step 1 disabled, step 2 sees no gaps.
        s.perform(CleanAction::SetEnabled { index: 0, enabled: false }, &job()).unwrap();
        let fill = s.preview(&preview(CleanStep::Fill { columns: vec!["v".into()], method: FillMethod::Median }, Some(1))).unwrap();
        assert_eq!(changed(&fill), 0);
        assert_eq!(s.preview(&preview(range_to_missing(), Some(0))).map(|p| changed(&p)).unwrap(), 20);
        assert_eq!(s.preview(&preview(range_to_missing(), Some(5))).err().map(|e| e.code()), Some("clean_history"));
    }

    /// Rows 0..6 with times 0, 300, 60, 240, 120, 180 s; `v` is the time in minutes.
    fn unsorted_session() -> CleanSession {
        let ms: Vec<i64> = vec![0, 300_000, 60_000, 240_000, 120_000, 180_000];
        let v: Vec<f64> = ms.iter().map(|m| *m as f64 / 60_000.0).collect();
        let mut frame = df!("ts" => ms, "v" => v).unwrap();
        let ts = frame.column("ts").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
        frame.replace("ts", ts).unwrap();
        CleanSession::start(Arc::new(Dataset::from_frame_with_time("mem".into(), frame, "ts")))
    }

    #[test]
    fn both_sides_of_a_preview_share_the_time_axis() {
        let s = unsorted_session();
        let sort = s.preview(&preview(CleanStep::SortByTime, None)).unwrap();
        let pair = &sort.series[0];
        assert_eq!(pair.before.x_axis, XAxis::Time("ts".into()));
        assert_eq!(pair.after.x_axis, XAxis::Time("ts".into()));
        assert_eq!(pair.before.x, pair.after.x, "sorting moves no value in time");
        assert_eq!(pair.before.x, vec![0.0, 60.0, 120.0, 180.0, 240.0, 300.0]);
        assert_eq!(pair.before.y_min, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        // A step that keeps the rows draws the old values at the same times.
        let clip = CleanStep::Outliers {
            columns: vec!["v".into()],
            method: OutlierMethod::Range { low: None, high: Some(3.5), values: vec![] },
            action: OutlierAction::Null,
        };
        let pair = &s.preview(&preview(clip, None)).unwrap().series[0];
        assert_eq!(pair.before.x, pair.after.x);
        assert_eq!(pair.before.x_axis, XAxis::Time("ts".into()));
        assert_eq!(pair.before.y_min, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!(pair.after.y_min[4].is_nan() && pair.after.y_min[5].is_nan());
    }
}
