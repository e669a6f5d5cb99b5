//! The one state object: where the data lives and the open (unlocked) store.
//!
//! Commands run on Tauri's worker threads (`async` commands); the store is behind a
//! mutex, so edits are serialised exactly as the core's one-writer rule wants.

use brigada_core::msg;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use brigada_core::Store;
use brigada_core::qr::worker::Isolated;
use brigada_core::sync::lend::Lend;

use crate::autosync::SyncState;
use crate::error::{AppError, ErrorCode, Result};

pub struct AppState {
    pub home: PathBuf,
    store: Mutex<Option<Store>>,
    /// The running camera worker's stop flag.
    camera: Mutex<Option<Arc<AtomicBool>>>,
    /// The QR reader's worker process (this program run with [`QR_WORKER_ARG`]).
    pub decoder: Arc<Mutex<Isolated>>,
    /// The running camera's newest picture (for taking a photo with it).
    pub camera_frame: crate::camera::LatestFrame,
    syncing: Mutex<()>,
    sync_state: Mutex<SyncState>,
    /// Wakes the background sync early (after unlocking, after enrolling).
    nudge: (Mutex<bool>, Condvar),
}

/// The argument that makes this program the QR reader's worker process.
pub const QR_WORKER_ARG: &str = "--qr-worker";

impl AppState {
    pub fn new(home: PathBuf) -> AppState {
        AppState {
            home,
            store: Mutex::new(None),
            camera: Mutex::new(None),
            decoder: Arc::new(Mutex::new(Isolated::new(
                std::env::current_exe().unwrap_or_else(|_| PathBuf::from("brigada-app")),
                &[QR_WORKER_ARG],
            ))),
            camera_frame: crate::camera::LatestFrame::default(),
            syncing: Mutex::new(()),
            sync_state: Mutex::new(SyncState::default()),
            nudge: (Mutex::new(false), Condvar::new()),
        }
    }

    pub fn replace_camera(&self, stop: Arc<AtomicBool>) -> Option<Arc<AtomicBool>> {
        self.camera.lock().unwrap_or_else(|p| p.into_inner()).replace(stop)
    }

    pub fn take_camera(&self) -> Option<Arc<AtomicBool>> {
        self.camera.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn guard(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic while holding the lock leaves the store as the last commit left it.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, store: Option<Store>) {
        let unlocked = store.is_some();
        *self.guard() = store;
        if unlocked {
            self.nudge_sync();
        }
    }

    pub fn is_open(&self) -> bool {
        self.guard().is_some()
    }

    /// Held while a sync runs, so a manual and an automatic sync never interleave.
    pub fn sync_turn(&self) -> MutexGuard<'_, ()> {
        self.syncing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ask the background sync to look now rather than at its next turn.
    pub fn nudge_sync(&self) {
        *self.nudge.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.nudge.1.notify_all();
    }

    /// Wait up to `timeout` or until nudged.
    pub fn wait_for_nudge(&self, timeout: std::time::Duration) {
        let guard = self.nudge.0.lock().unwrap_or_else(|p| p.into_inner());
        let (mut nudged, _) = self
            .nudge
            .1
            .wait_timeout_while(guard, timeout, |nudged| !*nudged)
            .unwrap_or_else(|p| p.into_inner());
        *nudged = false;
    }

    /// What the window is shown about sync.
    pub fn sync_state(&self) -> MutexGuard<'_, SyncState> {
        self.sync_state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` with the unlocked store.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut g = self.guard();
        let store = g
            .as_mut()
            .ok_or_else(|| AppError::new(ErrorCode::Locked, msg!("locked")))?;
        f(store)
    }
}

/// A sync borrows the store one step at a time (brigada_core::sync::lend), so commands
/// go on while it waits on the network.
impl Lend for AppState {
    fn lend<T>(&self, f: impl FnOnce(&mut Store) -> brigada_core::Result<T>) -> brigada_core::Result<T> {
        f(self.guard().as_mut().ok_or(brigada_core::Error::Locked)?)
    }
}

/// Where the data lives: `$BRIGADA_HOME`, else the platform's data folder.
pub fn default_home(app_data: Option<PathBuf>) -> PathBuf {
    std::env::var_os("BRIGADA_HOME")
        .map(PathBuf::from)
        .or(app_data)
        .unwrap_or_else(|| PathBuf::from("brigada-data"))
}
