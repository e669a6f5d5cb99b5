//! First run, unlock and lock.

use brigada_core::Store;
use brigada_core::store::kdf::KdfParams;
use brigada_core::store::{InitOptions, Rebuilding};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;
use ts_rs::TS;

use crate::error::Result;
use crate::state::AppState;

/// Who is using this device, as the UI shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Session {
    pub device_name: String,
    pub device_code: String,
    pub person: String,
    pub seccion: String,
    /// The role given by the server at enrolment (tecnico, oficina, admin).
    pub role: Option<String>,
    pub server_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppStatus {
    /// A store exists on this device (else: first run).
    pub initialised: bool,
    pub unlocked: bool,
    pub session: Option<Session>,
}

pub fn session_of(store: &Store) -> Result<Session> {
    let d = store.device();
    Ok(Session {
        device_name: d.name.clone(),
        device_code: d.code.clone(),
        person: d.person.clone(),
        seccion: d.seccion.clone(),
        role: store.sync_setting("role")?,
        server_url: store.sync_setting("server_url")?,
    })
}

#[tauri::command(async)]
pub fn app_status(state: State<'_, AppState>) -> Result<AppStatus> {
    let session = state.with(|s| session_of(s)).ok();
    Ok(AppStatus {
        initialised: Store::exists(&state.home),
        unlocked: session.is_some(),
        session,
    })
}

#[tauri::command(async)]
pub fn init_device(
    state: State<'_, AppState>,
    device_name: String,
    person: String,
    seccion: Option<String>,
    passphrase: String,
) -> Result<Session> {
    let store = Store::init(
        &state.home,
        &passphrase,
        InitOptions {
            device_name,
            code: None,
            person: Some(person),
            seccion,
            kdf: KdfParams::new_random(),
        },
    )?;
    let session = session_of(&store)?;
    state.set(Some(store));
    Ok(session)
}

/// Open the store. The first opening after an update may rebuild the index (minutes for
/// years of jobs): `on_progress` hears how far it is.
#[tauri::command(async)]
pub fn unlock(state: State<'_, AppState>, passphrase: String, on_progress: Channel<Rebuilding>) -> Result<Session> {
    let store = Store::open_with(&state.home, &passphrase, &mut |r| {
        // The screen only shows it; a closed window does not stop the rebuild.
        let _ = on_progress.send(r);
    })?;
    let session = session_of(&store)?;
    state.set(Some(store));
    Ok(session)
}

#[tauri::command(async)]
pub fn lock(state: State<'_, AppState>) -> Result<()> {
    state.set(None);
    Ok(())
}

/// The language the person chose in the app (es-MX or en): every message the app sends
/// from now on is in it.
#[tauri::command]
pub fn set_locale(locale: brigada_core::messages::Locale) {
    brigada_core::messages::set_locale(locale);
}
