//! Enrolment and sync, with progress streamed to the UI over a channel.

use brigada_core::sync::{Progress, Summary};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::autosync::{self, SyncState};
use crate::commands::session::{Session, session_of};
use crate::error::{AppError, ErrorCode, Result};
use crate::state::AppState;

/// Network calls use the core's blocking HTTP client: run them on a blocking thread, off
/// the async runtime and off the UI.
async fn blocking<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&mut brigada_core::Store) -> Result<T> + Send + 'static,
) -> Result<T> {
    tauri::async_runtime::spawn_blocking(move || app.state::<AppState>().with(f))
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("the sync worker stopped: {e}")))?
}

#[tauri::command]
pub async fn enroll(app: AppHandle, target: String, code: Option<String>) -> Result<Session> {
    let nudge = app.clone();
    blocking(app, move |s| {
        s.enroll(&target, code.as_deref().filter(|c| !c.trim().is_empty()), None)?;
        session_of(s)
    })
    .await
    // Enrolled: the first sync starts now, not at the next turn.
    .inspect(|_| nudge.state::<AppState>().nudge_sync())
}

/// Sync now (the Sincronizar button). Waits for an automatic sync that is running, then
/// syncs; the store is lent step by step, so the window keeps working meanwhile.
#[tauri::command]
pub async fn sync_now(app: AppHandle, on_progress: Channel<Progress>) -> Result<Summary> {
    tauri::async_runtime::spawn_blocking(move || {
        autosync::sync(&app, &mut |p| {
            // A closed window just stops receiving progress; the sync goes on.
            let _ = on_progress.send(p.clone());
        })
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, format!("the sync worker stopped: {e}")))?
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncStatus {
    pub server_url: Option<String>,
    /// When the last sync finished (ms UTC).
    #[ts(type = "number | null")]
    pub last_sync: Option<i64>,
    /// Photos and signatures referenced here that have not arrived yet.
    pub pending_blobs: usize,
    /// Reachability, a running sync, what waits to go, the last error.
    pub state: SyncState,
}

#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus> {
    state.with(|s| {
        Ok(SyncStatus {
            server_url: s.sync_setting("server_url")?,
            last_sync: s.sync_setting("last_sync")?.and_then(|t| t.parse().ok()),
            pending_blobs: s.pending_blobs()?.len(),
            state: state.sync_state().clone(),
        })
    })
}
