//! The PlantLab desktop shell: Tauri commands that adapt the engine's `Workbench` to IPC.
//! No logic lives here; each command forwards to one engine call.

use std::path::PathBuf;

use plantlab_engine::Workbench;
use plantlab_protocol::{
    ApiError, BundleInfo, CleanAction, CleanState, DatasetSummary, EvaluateRequest, Evaluation, EventOptions, FilePurpose, FrameStats,
    GateThresholds, Histogram, HistogramRequest, ImportOverrides, PageRequest, PaintReport, PredictRequest, PreviewRequest, QualityReport,
    RunComparison, RunDetail, RunEntry, Series, SeriesRequest, StepPreview, TablePage, TaskEvent, TaskId, TrainConfig, WidgetReport,
};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};

mod events;
mod grants;
mod normal_commands;

pub use grants::PathGrants;

/// What the shell keeps for the lifetime of the window.
pub struct AppState {
    pub workbench: Workbench,
    /// The file named on the command line, opened when the UI is ready.
    pub initial_path: Option<PathBuf>,
    /// The paths the user chose in a dialog, per purpose (see `grants`).
    pub grants: PathGrants,
}

impl AppState {
    pub fn new(initial_path: Option<PathBuf>) -> Self {
        Self { workbench: Workbench::new(), initial_path, grants: PathGrants::default() }
    }
}

/// Forwards a background task's events to the webview's channel, thinned (see `events`). The
/// webview may have gone (window closed mid-task); then there is nobody left to tell.
fn to_channel(channel: Channel<TaskEvent>) -> impl FnMut(TaskEvent) + Send + 'static {
    let mut thinner = events::EventThinner::new(events::WEBVIEW_EVENT_GAP);
    move |event| {
        for event in thinner.admit(event, std::time::Instant::now()) {
            let _ = channel.send(event);
        }
    }
}

#[tauri::command]
fn initial_path(state: State<'_, AppState>) -> Option<String> {
    state.initial_path.as_ref().map(|p| p.display().to_string())
}

/// Shows the native open dialog, worded in the UI's language (`lang`, a tag; English when
/// absent or unknown). rfd runs it on its own GTK thread, so the event loop stays free.
#[tauri::command]
async fn pick_file(lang: Option<String>) -> Result<Option<String>, ApiError> {
    // Worded before the dialog opens: the catalogue stays on this thread.
    let (title, plant_data, all_files) = {
        let catalog = dialog_catalog(lang.as_deref());
        let tr = |key: &str| catalog.text(key);
        (tr("dialog-open-plant-data"), tr("dialog-filter-plant-data"), tr("dialog-filter-all-files"))
    };
    let picked =
        rfd::AsyncFileDialog::new().set_title(title).add_filter(plant_data, PLANT_DATA_EXTENSIONS).add_filter(all_files, &["*"]).pick_file().await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

/// What the engine opens: delimited text, Parquet and Excel workbooks.
const PLANT_DATA_EXTENSIONS: &[&str] = &["csv", "tsv", "txt", "parquet", "xlsx"];

/// The catalogue the file dialogs are worded from.
fn dialog_catalog(lang: Option<&str>) -> plantlab_i18n::Catalog {
    plantlab_i18n::Catalog::new(lang.and_then(plantlab_i18n::Lang::from_tag).unwrap_or_default())
}

/// Shows the open or save dialog for `purpose`, worded in the UI's language (`lang`); `None`
/// when the user cancels.
#[tauri::command]
async fn pick_path(state: State<'_, AppState>, purpose: FilePurpose, lang: Option<String>) -> Result<Option<String>, ApiError> {
    // Worded before the dialog opens: the catalogue stays on this thread.
    let (title, filter_name, extensions, default_name): (String, String, &[&str], &str) = {
        let catalog = dialog_catalog(lang.as_deref());
        let tr = |key: &str| catalog.text(key);
        match purpose {
            FilePurpose::OpenRecipe => (tr("dialog-open-recipe"), tr("dialog-filter-recipe"), &["json"], ""),
            FilePurpose::SaveRecipe => (tr("dialog-save-recipe"), tr("dialog-filter-recipe"), &["json"], "recipe.json"),
            FilePurpose::ExportCleaned => (tr("dialog-export-cleaned"), tr("dialog-filter-cleaned"), &["parquet", "csv"], "cleaned.parquet"),
            FilePurpose::OpenBundle => (tr("dialog-open-bundle"), tr("dialog-filter-bundle"), &["plmodel"], ""),
            FilePurpose::SaveBundle => (tr("dialog-export-bundle"), tr("dialog-filter-bundle"), &["plmodel"], "model.plmodel"),
            FilePurpose::OpenPredictData => (tr("dialog-open-predict-data"), tr("dialog-filter-plant-data"), PLANT_DATA_EXTENSIONS, ""),
            FilePurpose::SavePredictions => (tr("dialog-export-predictions"), tr("dialog-filter-predictions"), &["csv"], "predictions.csv"),
            FilePurpose::SaveReport => (tr("dialog-export-report"), tr("dialog-filter-report"), &["html"], "plantlab-report.html"),
        }
    };
    let dialog = rfd::AsyncFileDialog::new().set_title(title).add_filter(filter_name, extensions);
    let picked = if purpose.is_save() { dialog.set_file_name(default_name).save_file().await } else { dialog.pick_file().await };
    Ok(picked.map(|f| {
        state.grants.grant(purpose, f.path());
        f.path().display().to_string()
    }))
}

/// Starts a background load; its progress and result stream through `on_event`.
/// `overrides` are the user's import settings (absent: sniff everything).
#[tauri::command]
fn start_load(
    state: State<'_, AppState>,
    path: String,
    overrides: Option<ImportOverrides>,
    on_event: Channel<TaskEvent>,
) -> Result<TaskId, ApiError> {
    state.workbench.start_load(PathBuf::from(path), overrides.unwrap_or_default(), to_channel(on_event)).map_err(ApiError::from)
}

/// Starts a training run on the open data; batches, epochs and the result stream through
/// `on_event`.
#[tauri::command]
fn start_train(state: State<'_, AppState>, config: TrainConfig, on_event: Channel<TaskEvent>) -> Result<TaskId, ApiError> {
    state.workbench.start_train(config, to_channel(on_event)).map_err(ApiError::from)
}

#[tauri::command]
async fn runs_list(state: State<'_, AppState>) -> Result<Vec<RunEntry>, ApiError> {
    state.workbench.list_runs().map_err(ApiError::from)
}

#[tauri::command]
async fn run_open(state: State<'_, AppState>, run_id: String) -> Result<RunDetail, ApiError> {
    state.workbench.open_run(&run_id).map_err(ApiError::from)
}

/// Deletes a run and answers with the remaining list.
#[tauri::command]
async fn run_delete(state: State<'_, AppState>, run_id: String) -> Result<Vec<RunEntry>, ApiError> {
    state.workbench.delete_run(&run_id).map_err(ApiError::from)?;
    state.workbench.list_runs().map_err(ApiError::from)
}

#[tauri::command]
async fn runs_compare(state: State<'_, AppState>, run_ids: Vec<String>) -> Result<RunComparison, ApiError> {
    state.workbench.compare_runs(&run_ids).map_err(ApiError::from)
}

/// A run's test split scored at a threshold (metrics, curves, events, contributing tags).
#[tauri::command]
async fn evaluate_run(state: State<'_, AppState>, request: EvaluateRequest) -> Result<Evaluation, ApiError> {
    state.workbench.evaluate_run(&request).map_err(ApiError::from)
}

#[tauri::command]
async fn bundle_export(
    state: State<'_, AppState>,
    run_id: String,
    path: String,
    threshold: Option<f64>,
    events: Option<EventOptions>,
) -> Result<BundleInfo, ApiError> {
    let path = state.grants.check(&[FilePurpose::SaveBundle], &path)?;
    state.workbench.export_bundle_with_events(&run_id, &path, threshold, events).map_err(ApiError::from)
}

#[tauri::command]
async fn bundle_open(state: State<'_, AppState>, path: String) -> Result<BundleInfo, ApiError> {
    let path = state.grants.check(&[FilePurpose::OpenBundle, FilePurpose::SaveBundle], &path)?;
    state.workbench.open_bundle(&path).map_err(ApiError::from)
}

/// Applies a bundle to a new export on a worker thread; progress and the result stream
/// through `on_event`.
#[tauri::command]
fn predict_start(state: State<'_, AppState>, request: PredictRequest, on_event: Channel<TaskEvent>) -> Result<TaskId, ApiError> {
    state.grants.check(&[FilePurpose::OpenPredictData], &request.path)?;
    state.grants.check(&[FilePurpose::OpenBundle, FilePurpose::SaveBundle], &request.bundle)?;
    state.workbench.start_predict(request, to_channel(on_event)).map_err(ApiError::from)
}

#[tauri::command]
async fn predict_export(state: State<'_, AppState>, path: String) -> Result<(), ApiError> {
    let path = state.grants.check(&[FilePurpose::SavePredictions], &path)?;
    state.workbench.export_predictions(&path).map_err(ApiError::from)
}

#[tauri::command]
async fn report_export(state: State<'_, AppState>, run_id: String, path: String, lang: Option<String>) -> Result<(), ApiError> {
    let path = state.grants.check(&[FilePurpose::SaveReport], &path)?;
    // In the language the UI shows; English when it names none it knows.
    let lang = lang.as_deref().and_then(plantlab_i18n::Lang::from_tag).unwrap_or_default();
    state.workbench.export_report_in(&run_id, &path, lang).map_err(ApiError::from)
}

#[tauri::command]
async fn dataset_summary(state: State<'_, AppState>) -> Result<DatasetSummary, ApiError> {
    state.workbench.summary().map_err(ApiError::from)
}

#[tauri::command]
async fn clean_state(state: State<'_, AppState>) -> Result<CleanState, ApiError> {
    state.workbench.clean_state().map_err(ApiError::from)
}

#[tauri::command]
async fn clean_preview(state: State<'_, AppState>, request: PreviewRequest) -> Result<StepPreview, ApiError> {
    state.workbench.clean_preview(&request).map_err(ApiError::from)
}

/// Applies a change to the cleaning history (add, undo, redo, edit, remove, load a recipe)
/// on a worker thread; the new state is read with `clean_state` once it finishes.
#[tauri::command]
fn clean_start(state: State<'_, AppState>, action: CleanAction, on_event: Channel<TaskEvent>) -> Result<TaskId, ApiError> {
    if let CleanAction::LoadRecipe { path } = &action {
        state.grants.check(&[FilePurpose::OpenRecipe], path)?;
    }
    state.workbench.start_clean(action, to_channel(on_event)).map_err(ApiError::from)
}

#[tauri::command]
async fn clean_set_gate(state: State<'_, AppState>, thresholds: GateThresholds) -> Result<CleanState, ApiError> {
    state.workbench.set_gate_thresholds(thresholds).map_err(ApiError::from)?;
    state.workbench.clean_state().map_err(ApiError::from)
}

#[tauri::command]
async fn recipe_save(state: State<'_, AppState>, path: String) -> Result<String, ApiError> {
    let chosen = state.grants.check(&[FilePurpose::SaveRecipe], &path)?;
    state.workbench.save_recipe(&chosen).map_err(ApiError::from)?;
    Ok(path)
}

#[tauri::command]
async fn clean_export(state: State<'_, AppState>, path: String) -> Result<String, ApiError> {
    let chosen = state.grants.check(&[FilePurpose::ExportCleaned], &path)?;
    state.workbench.export_cleaned(&chosen).map_err(ApiError::from)?;
    Ok(path)
}

#[tauri::command]
fn cancel_task(state: State<'_, AppState>, task: TaskId) -> bool {
    state.workbench.cancel(task)
}

#[tauri::command]
async fn dataset_page(state: State<'_, AppState>, request: PageRequest) -> Result<TablePage, ApiError> {
    state.workbench.page(&request).map_err(ApiError::from)
}

#[tauri::command]
async fn dataset_histogram(state: State<'_, AppState>, request: HistogramRequest) -> Result<Histogram, ApiError> {
    state.workbench.histogram(&request).map_err(ApiError::from)
}

#[tauri::command]
async fn dataset_report(state: State<'_, AppState>) -> Result<QualityReport, ApiError> {
    state.workbench.report().map_err(ApiError::from)
}

#[tauri::command]
async fn dataset_series(state: State<'_, AppState>, request: SeriesRequest) -> Result<Series, ApiError> {
    state.workbench.series(&request).map_err(ApiError::from)
}

/// The UI says it has drawn a data set; log it (end-to-end tests wait for this line).
#[tauri::command]
fn report_painted(report: PaintReport) {
    let [x, y, w, h] = report.plot_rect;
    eprintln!(
        "plantlab: data pane painted in {}: {} rows x {} columns, plot of \"{}\" at {x:.0},{y:.0} {w:.0}x{h:.0}",
        report.lang, report.rows, report.columns, report.plot_column
    );
}

/// Where the UI's journey controls are now; logged as one line, the controls separated by tabs
/// (ids may hold spaces), for end-to-end tests that click them.
#[tauri::command]
fn report_widgets(report: WidgetReport) {
    let marks: Vec<String> =
        report.widgets.iter().map(|w| format!("{}@{:.0},{:.0},{:.0},{:.0}", w.id, w.rect[0], w.rect[1], w.rect[2], w.rect[3])).collect();
    eprintln!("plantlab: widgets\t{}", marks.join("\t"));
}

/// The UI's frame times during a training run, for the log (budget: 16 ms per frame).
#[tauri::command]
fn report_frame_stats(stats: FrameStats) {
    eprintln!("plantlab: ui frames during training: {} frames, p95 {:.1} ms, max {:.1} ms", stats.frames, stats.p95_ms, stats.max_ms);
}

#[tauri::command]
fn quit<R: Runtime>(app: AppHandle<R>) {
    app.exit(0);
}

/// Registers the shell's state and commands on a builder; shared by `main` and the tests,
/// which use Tauri's mock runtime.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder.manage(state).plugin(system_locale_plugin()).invoke_handler(tauri::generate_handler![
        initial_path,
        pick_file,
        pick_path,
        start_load,
        cancel_task,
        dataset_summary,
        clean_state,
        clean_preview,
        clean_start,
        clean_set_gate,
        recipe_save,
        clean_export,
        start_train,
        runs_list,
        run_open,
        run_delete,
        runs_compare,
        evaluate_run,
        bundle_export,
        bundle_open,
        predict_start,
        predict_export,
        report_export,
        dataset_page,
        dataset_report,
        dataset_histogram,
        dataset_series,
        report_painted,
        report_widgets,
        report_frame_stats,
        normal_commands::normal_train_start,
        normal_commands::normal_evaluate_start,
        normal_commands::normal_run_summary,
        normal_commands::normal_bundle_export,
        normal_commands::normal_bundle_open,
        normal_commands::normal_predict_start,
        quit
    ])
}

/// The locale the app was started in (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX
/// orders them), if any is set.
fn system_locale() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
}

/// Gives the webview the process's locale as `window.__PLANTLAB_SYSTEM_LOCALE__` before the UI
/// starts: WebKitGTK's `navigator.language` does not follow `LANG`, so a Chinese desktop would
/// otherwise open in English. (WebView2 on Windows follows the system's language, and there
/// these variables are usually unset.)
fn system_locale_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    let locale = system_locale().map_or_else(|| "null".to_owned(), |l| serde_json::Value::String(l).to_string());
    tauri::plugin::Builder::new("system-locale").js_init_script(format!("window.__PLANTLAB_SYSTEM_LOCALE__ = {locale};")).build()
}

/// The app's configuration, window and security settings and embedded frontend, compiled in
/// from tauri.conf.json and dist/.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Runs the desktop app. `initial_path` comes from the command line.
pub fn run(initial_path: Option<PathBuf>) -> anyhow::Result<()> {
    configure(tauri::Builder::default(), AppState::new(initial_path))
        .setup(|app| {
            // Runs live in the user's data folder so the runs list survives restarts: the local
            // one (%LOCALAPPDATA% on Windows, not the roaming %APPDATA%, which a domain copies to
            // a server at every sign-out; the same ~/.local/share folder on Linux).
            let runs = app.path().app_local_data_dir().map(|dir| dir.join("runs"));
            match runs {
                Ok(runs) => app.state::<AppState>().workbench.set_runs_root(runs),
                Err(e) => eprintln!("plantlab: no app data folder ({e}); runs are kept under ./runs"),
            }
            Ok(())
        })
        .run(context())
        .map_err(|e| anyhow::anyhow!("the desktop window could not start: {e}"))
}
