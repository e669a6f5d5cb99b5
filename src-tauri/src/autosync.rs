//! Sync by itself: when the server becomes reachable, and while it is, whenever something
//! waits to be sent or the last sync is a few minutes old.
//!
//! Hospitals often have no network; the technician should not have to remember to sync
//! when the tablet is back on the office Wi-Fi. A background thread asks the server's
//! health check every few seconds (a tiny request with a short timeout); the moment it
//! answers after being unreachable, a sync starts. The store is lent to the sync step by
//! step, so the window never waits for the network. Every change of state is sent to the
//! window as the `sync-state` event (the header's indicator) and kept for `sync_status`.

use std::time::Duration;

use brigada_core::sync::{Progress, Summary, lend};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use ts_rs::TS;

use crate::error::{AppError, Result};
use crate::state::AppState;

/// How often the server is asked whether it is there (`BRIGADA_SYNC_PROBE_MS` changes it:
/// the end-to-end tests ask twice a second).
fn probe_every() -> Duration {
    std::env::var("BRIGADA_SYNC_PROBE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(10), Duration::from_millis)
}
/// Automatic syncs while reachable: soon after something waits to be sent; every few
/// minutes otherwise (to receive others' work); after a failure, not more than once a
/// minute (a revoked device must not hammer the server).
const SEND_AFTER_MS: i64 = 20 * 1000;
const REFRESH_EVERY_MS: i64 = 5 * 60 * 1000;
const RETRY_AFTER_MS: i64 = 60 * 1000;

/// What the window shows about sync, kept current by the background thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct SyncState {
    /// The server answered the last health check.
    pub online: bool,
    /// The server has been asked at least once since start (until then `online` means
    /// nothing: the window shows no verdict).
    pub probed: bool,
    /// A sync is running now.
    pub running: bool,
    /// When the last sync finished (ms UTC).
    #[ts(type = "number | null")]
    pub last_sync: Option<i64>,
    /// Documents changed here and not yet sent.
    #[ts(type = "number")]
    pub outgoing_docs: i64,
    /// Photos and signatures not yet uploaded.
    pub outgoing_blobs: usize,
    /// How far the running sync is (documents, bytes, photos), also when it started by
    /// itself; `None` when no sync runs.
    pub progress: Option<Progress>,
    /// Why the last sync failed, if it did.
    pub error: Option<AppError>,
    /// When the last sync started (ms UTC), successful or not.
    #[serde(skip)]
    #[ts(skip)]
    last_attempt: i64,
}

fn publish(app: &AppHandle, change: impl FnOnce(&mut SyncState)) {
    let state = app.state::<AppState>();
    let changed = {
        let mut s = state.sync_state();
        let before = s.clone();
        change(&mut s);
        (*s != before).then(|| s.clone())
    };
    // Only changes are told (the probe every 10 s usually changes nothing); no window
    // (closing): nothing to tell.
    if let Some(now) = changed {
        let _ = app.emit("sync-state", now);
    }
}

/// Refresh what waits to be sent and when the last sync was.
fn count(app: &AppHandle) {
    use brigada_core::sync::lend::Lend;
    let state = app.state::<AppState>();
    let counted = state.lend(|s| {
        let last = s.sync_setting("last_sync")?.and_then(|t| t.parse().ok());
        Ok((s.outgoing()?, last))
    });
    if let Ok(((docs, blobs), last)) = counted {
        publish(app, |s| {
            s.outgoing_docs = docs;
            s.outgoing_blobs = blobs;
            s.last_sync = last;
        });
    }
}

/// One sync, the store lent step by step, the window told of progress. Used by the
/// background thread and by the Sincronizar screen's button.
pub fn sync(app: &AppHandle, progress: &mut dyn FnMut(&Progress)) -> Result<Summary> {
    let state = app.state::<AppState>();
    let _turn = state.sync_turn();
    publish(app, |s| {
        s.running = true;
        s.progress = None;
        s.last_attempt = brigada_core::time::now_ms();
    });
    // Progress goes to the caller and, a few times a second, to every open screen.
    let mut told = std::time::Instant::now();
    let mut report = |p: &Progress| {
        progress(p);
        if told.elapsed() >= Duration::from_millis(250) {
            told = std::time::Instant::now();
            publish(app, |s| s.progress = Some(p.clone()));
        }
    };
    let result = lend::run(&*state, &mut report).map_err(AppError::from);
    publish(app, |s| {
        s.running = false;
        s.progress = None;
        s.online = !matches!(&result, Err(e) if e.code == crate::error::ErrorCode::Network);
        s.error = result.as_ref().err().cloned();
    });
    count(app);
    result
}

/// Start the background thread (once, at start-up).
pub fn start(app: AppHandle) {
    std::thread::spawn(move || {
        loop {
            tick(&app);
            app.state::<AppState>().wait_for_nudge(probe_every());
        }
    });
}

fn tick(app: &AppHandle) {
    use brigada_core::sync::lend::Lend;
    let state = app.state::<AppState>();
    // Locked or not enrolled: nothing to do (and nothing to say).
    let Ok(transport) = state.lend(|s| s.http_transport()) else {
        return;
    };
    count(app);
    let was_online = state.sync_state().online;
    let online = transport.reachable();
    publish(app, |s| {
        s.online = online;
        s.probed = true;
    });
    if !online {
        return;
    }
    let s = state.sync_state().clone();
    let since = brigada_core::time::now_ms() - s.last_attempt;
    let due = if !was_online {
        true // the server just came back
    } else if s.error.is_some() {
        since > RETRY_AFTER_MS
    } else if s.outgoing_docs > 0 || s.outgoing_blobs > 0 {
        since > SEND_AFTER_MS
    } else {
        since > REFRESH_EVERY_MS
    };
    if due {
        let _ = sync(app, &mut |_| {});
    }
}
