//! Commands for models of normal operation: each forwards to one engine call, after checking
//! that a path the webview names is one the user chose in a dialog.

use std::path::PathBuf;

use plantlab_protocol::{
    ApiError, FilePurpose, NormalBundleInfo, NormalEvaluateRequest, NormalPredictRequest, NormalRunSummary, NormalTrainRequest, TaskEvent, TaskId,
};
use tauri::ipc::Channel;
use tauri::State;

use crate::{to_channel, AppState};

/// Where a normal-model bundle may be read from: one the user opened or saved.
const BUNDLE_PURPOSES: [FilePurpose; 2] = [FilePurpose::OpenBundle, FilePurpose::SaveBundle];

/// Trains a model of normal operation on the open data; the language model's epochs and the
/// result stream through `on_event`.
#[tauri::command]
pub(crate) fn normal_train_start(state: State<'_, AppState>, request: NormalTrainRequest, on_event: Channel<TaskEvent>) -> Result<TaskId, ApiError> {
    state.workbench.start_train_normal(request, to_channel(on_event)).map_err(ApiError::from)
}

/// Scores a normal run (and PCA beside it) against a fault label column, of the open data or
/// of a file the user picked.
#[tauri::command]
pub(crate) fn normal_evaluate_start(
    state: State<'_, AppState>,
    request: NormalEvaluateRequest,
    on_event: Channel<TaskEvent>,
) -> Result<TaskId, ApiError> {
    if let Some(path) = &request.path {
        state.grants.check(&[FilePurpose::OpenPredictData], path)?;
    }
    state.workbench.start_evaluate_normal(request, to_channel(on_event)).map_err(ApiError::from)
}

/// The end of a normal run as it was stored.
#[tauri::command]
pub(crate) async fn normal_run_summary(state: State<'_, AppState>, run_id: String) -> Result<NormalRunSummary, ApiError> {
    state.workbench.normal_run_summary(&run_id).map_err(ApiError::from)
}

#[tauri::command]
pub(crate) async fn normal_bundle_export(state: State<'_, AppState>, run_id: String, path: String) -> Result<NormalBundleInfo, ApiError> {
    let path: PathBuf = state.grants.check(&[FilePurpose::SaveBundle], &path)?;
    state.workbench.export_normal_bundle(&run_id, &path).map_err(ApiError::from)
}

#[tauri::command]
pub(crate) async fn normal_bundle_open(state: State<'_, AppState>, path: String) -> Result<NormalBundleInfo, ApiError> {
    let path: PathBuf = state.grants.check(&BUNDLE_PURPOSES, &path)?;
    state.workbench.open_normal_bundle(&path).map_err(ApiError::from)
}

/// Scores a new export with a normal-model bundle on a worker thread; progress and the result
/// stream through `on_event`.
#[tauri::command]
pub(crate) fn normal_predict_start(
    state: State<'_, AppState>,
    request: NormalPredictRequest,
    on_event: Channel<TaskEvent>,
) -> Result<TaskId, ApiError> {
    state.grants.check(&[FilePurpose::OpenPredictData], &request.path)?;
    state.grants.check(&BUNDLE_PURPOSES, &request.bundle)?;
    state.workbench.start_predict_normal(request, to_channel(on_event)).map_err(ApiError::from)
}
