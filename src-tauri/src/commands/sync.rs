//! Enrolment and sync, with progress streamed to the UI over a channel.

use brigada_core::msg;
use brigada_core::sync::lend;
use brigada_core::sync::{Progress, Summary};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::autosync::{self, SyncState};
use crate::commands::session::{Session, session_of};
use crate::error::{AppError, ErrorCode, Result};
use crate::state::AppState;

#[tauri::command]
pub async fn enroll(app: AppHandle, target: String, code: Option<String>) -> Result<Session> {
    let nudge = app.clone();
    // The store is lent around the call to the server, never held across it.
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        lend::enroll(&*state, &target, code.as_deref().filter(|c| !c.trim().is_empty()), None)?;
        state.with(|s| session_of(s))
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, msg!("internal", detail = e.to_string())))?
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
    .map_err(|e| AppError::new(ErrorCode::Internal, msg!("internal", detail = e.to_string())))?
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
    /// Documents held aside (a folio clash, a refusal by the server), with why.
    pub held: Vec<brigada_core::store::held::Held>,
}

#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus> {
    state.with(|s| {
        Ok(SyncStatus {
            server_url: s.sync_setting("server_url")?,
            last_sync: s.sync_setting("last_sync")?.and_then(|t| t.parse().ok()),
            pending_blobs: s.pending_blobs()?.len(),
            state: state.sync_state().clone(),
            held: s.held()?,
        })
    })
}
