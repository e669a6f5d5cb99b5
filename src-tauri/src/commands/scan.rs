//! Scanning: the camera worker, and what a scanned or typed code means.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use brigada_core::assets::{AssetView, NewAsset};
use brigada_core::model::{ASSET_KINDS, ASSET_STATUSES, Location};
use brigada_core::qr;
use brigada_core::scan::Scanned;
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;
use ts_rs::TS;

use crate::camera::{self, CameraEvent};
use crate::error::Result;
use crate::state::AppState;

/// Start camera `index` (0 when not given; stopping any running one); events stream
/// over `on_event`.
#[tauri::command]
pub fn camera_start(state: State<'_, AppState>, index: Option<u32>, on_event: Channel<CameraEvent>) {
    let stop = Arc::new(AtomicBool::new(false));
    if let Some(old) = state.replace_camera(stop.clone()) {
        old.store(true, Ordering::Relaxed);
    }
    let (decoder, latest) = (state.decoder.clone(), state.camera_frame.clone());
    std::thread::spawn(move || {
        camera::run(index.unwrap_or(0), stop, decoder, latest, move |e| {
            on_event.send(e).is_ok()
        })
    });
}

#[tauri::command]
pub fn camera_stop(state: State<'_, AppState>) {
    if let Some(old) = state.take_camera() {
        old.store(true, Ordering::Relaxed);
    }
}

/// A code read by the camera, typed, or sent by a keyboard-wedge scanner.
#[tauri::command(async)]
pub fn interpret_scan(state: State<'_, AppState>, text: String) -> Result<Scanned> {
    state.with(|s| Ok(s.interpret_scan(&text)?))
}

/// A photo of a code, picked from the files.
#[tauri::command(async)]
pub fn scan_image(state: State<'_, AppState>, bytes: Vec<u8>) -> Result<Scanned> {
    let frame = qr::frame_of(&bytes)?;
    let d = state.decoder.lock().unwrap_or_else(|p| p.into_inner()).decode(&frame)?;
    state.with(|s| Ok(s.interpret_scan(&d.payload)?))
}

#[tauri::command(async)]
pub fn get_asset(state: State<'_, AppState>, tag: String) -> Result<AssetView> {
    state.with(|s| Ok(s.asset_view(&tag)?))
}

/// Correct an asset's details: `changes` are (field, value) pairs — kind, status, brand,
/// model, serial, inventory_number, notes, unidad, area, edificio, piso, sala.
#[tauri::command(async)]
pub fn edit_asset(state: State<'_, AppState>, tag: String, changes: Vec<(String, String)>) -> Result<AssetView> {
    state.with(|s| {
        s.edit_asset(&tag, &changes)?;
        Ok(s.asset_view(&tag)?)
    })
}

/// The kinds and statuses an asset may have (for the register and edit forms).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AssetChoices {
    pub kinds: Vec<String>,
    pub statuses: Vec<String>,
}

#[tauri::command]
pub fn asset_choices() -> AssetChoices {
    AssetChoices {
        kinds: ASSET_KINDS.iter().map(|k| k.to_string()).collect(),
        statuses: ASSET_STATUSES.iter().map(|k| k.to_string()).collect(),
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewAssetForm {
    pub tag: String,
    pub kind: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub unidad: String,
    pub area: String,
}

#[tauri::command(async)]
pub fn register_asset(state: State<'_, AppState>, asset: NewAssetForm) -> Result<AssetView> {
    state.with(|s| {
        s.add_asset(NewAsset {
            tag: asset.tag.clone(),
            kind: asset.kind,
            brand: asset.brand,
            model: asset.model,
            serial: asset.serial,
            inventory_number: String::new(),
            location: Location {
                unidad: asset.unidad,
                area: asset.area,
                ..Default::default()
            },
        })?;
        Ok(s.asset_view(&asset.tag)?)
    })
}
