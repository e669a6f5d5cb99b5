//! The technician's work: the list, one expediente, and each thing done on it. Each
//! command is one core call.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use brigada_core::doc::HistoryEntry;
use brigada_core::expedientes::{Created, NewExpediente, View};
use brigada_core::forms::FormInfo;
use brigada_core::msg;
use brigada_core::procedure::{self, Procedure};
use brigada_core::store::index::{Filter, Row};
use brigada_core::{catalog, model::Signature};
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, Result};
use crate::state::AppState;

#[tauri::command(async)]
pub fn procedures() -> Result<Vec<Procedure>> {
    let mut latest: Vec<Procedure> = Vec::new();
    for ((id, _), p) in procedure::catalog() {
        latest.retain(|x| &x.id != id);
        latest.push(p.clone());
    }
    Ok(latest)
}

#[tauri::command(async)]
pub fn catalog() -> Result<catalog::Catalog> {
    Ok(catalog::demo().clone())
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ListQuery {
    pub query: Option<String>,
    pub state: Option<String>,
    pub mine: bool,
    pub limit: Option<u32>,
}

#[tauri::command(async)]
pub fn list_expedientes(state: State<'_, AppState>, q: ListQuery) -> Result<Vec<Row>> {
    state.with(|s| {
        let assignee = q.mine.then(|| s.device().person.clone());
        Ok(s.list(&Filter {
            query: q.query.filter(|x| !x.trim().is_empty()),
            state: q.state.filter(|x| !x.is_empty()),
            assignee,
            limit: q.limit.or(Some(500)),
            ..Default::default()
        })?)
    })
}

#[tauri::command(async)]
pub fn get_expediente(state: State<'_, AppState>, reference: String) -> Result<View> {
    state.with(|s| Ok(s.view(&reference)?))
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewJob {
    pub procedure: String,
    pub area: String,
    pub unidad: Option<String>,
    pub request: Option<String>,
    pub asset: Option<String>,
}

#[tauri::command(async)]
pub fn create_expediente(state: State<'_, AppState>, job: NewJob) -> Result<Created> {
    state.with(|s| {
        let me = s.device().person.clone();
        Ok(s.create_expediente(NewExpediente {
            procedure: job.procedure,
            area: job.area,
            unidad: job.unidad.filter(|u| !u.trim().is_empty()),
            request: job.request.filter(|r| !r.trim().is_empty()),
            asset: job.asset.filter(|a| !a.trim().is_empty()),
            assignees: vec![me],
        })?)
    })
}

#[tauri::command(async)]
pub fn record_step(
    state: State<'_, AppState>,
    reference: String,
    step: String,
    answer: Option<String>,
    note: Option<String>,
) -> Result<View> {
    state.with(|s| {
        s.record_step(&reference, &step, answer.as_deref(), note.as_deref())?;
        Ok(s.view(&reference)?)
    })
}

#[tauri::command(async)]
pub fn set_fields(state: State<'_, AppState>, reference: String, fields: Vec<(String, String)>) -> Result<View> {
    state.with(|s| {
        s.set_fields(&reference, &fields)?;
        Ok(s.view(&reference)?)
    })
}

#[tauri::command(async)]
pub fn add_material(
    state: State<'_, AppState>,
    reference: String,
    item: String,
    quantity: f64,
    unit: String,
    component: Option<String>,
) -> Result<View> {
    state.with(|s| {
        s.add_material(&reference, &item, quantity, &unit, component.as_deref())?;
        Ok(s.view(&reference)?)
    })
}

/// Open the expediente that continues a finished one in another procedure (P5 → P3).
#[tauri::command(async)]
pub fn continue_in(state: State<'_, AppState>, reference: String) -> Result<Created> {
    state.with(|s| Ok(s.continue_in(&reference)?))
}

/// A reusable part extracted from the equipment being decommissioned (P4 step 3).
#[tauri::command(async)]
pub fn add_part(
    state: State<'_, AppState>,
    reference: String,
    description: String,
    serial: Option<String>,
) -> Result<View> {
    state.with(|s| {
        s.add_part(&reference, &description, serial.as_deref())?;
        Ok(s.view(&reference)?)
    })
}

#[tauri::command(async)]
pub fn attach_photo(
    state: State<'_, AppState>,
    reference: String,
    bytes: Vec<u8>,
    caption: String,
    step: Option<String>,
    keep_location: bool,
) -> Result<View> {
    state.with(|s| {
        s.attach_photo(&reference, &bytes, &caption, step.as_deref(), keep_location)?;
        Ok(s.view(&reference)?)
    })
}

/// Take a photo with the running camera (the picture it shows now) and attach it.
#[tauri::command(async)]
pub fn camera_photo(
    state: State<'_, AppState>,
    reference: String,
    caption: String,
    step: Option<String>,
    keep_location: bool,
) -> Result<View> {
    let jpeg = state
        .camera_frame
        .snapshot()
        .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, msg!("camera.no_picture_yet")))?;
    attach_photo(state, reference, jpeg, caption, step, keep_location)
}

/// A photo's caption and step, edited from the full view.
#[tauri::command(async)]
pub fn edit_photo(
    state: State<'_, AppState>,
    reference: String,
    photo_id: String,
    caption: String,
    step: Option<String>,
) -> Result<View> {
    state.with(|s| {
        s.edit_photo(&reference, &photo_id, &caption, step.as_deref())?;
        Ok(s.view(&reference)?)
    })
}

#[tauri::command(async)]
pub fn sign(
    state: State<'_, AppState>,
    reference: String,
    role: String,
    name: String,
    strokes: String,
    step: Option<String>,
) -> Result<Signature> {
    state.with(|s| Ok(s.sign(&reference, &role, &name, strokes.as_bytes(), step.as_deref())?))
}

/// Settle contradictory answers from different devices with one answer.
#[tauri::command(async)]
pub fn resolve_conflict(
    state: State<'_, AppState>,
    reference: String,
    step: String,
    answer: String,
    note: Option<String>,
) -> Result<View> {
    state.with(|s| {
        s.resolve(&reference, &step, &answer, note.as_deref())?;
        Ok(s.view(&reference)?)
    })
}

/// The office assigns a job to a técnico.
#[tauri::command(async)]
pub fn assign(state: State<'_, AppState>, reference: String, person: String) -> Result<View> {
    state.with(|s| {
        s.assign(&reference, &person)?;
        Ok(s.view(&reference)?)
    })
}

/// Keep the photo of the paper request (the Oficio or Tarjeta).
#[tauri::command(async)]
pub fn attach_request_photo(state: State<'_, AppState>, reference: String, bytes: Vec<u8>) -> Result<View> {
    state.with(|s| {
        s.attach_request_photo(&reference, &bytes)?;
        Ok(s.view(&reference)?)
    })
}

#[tauri::command(async)]
pub fn add_equipment(state: State<'_, AppState>, reference: String, tag: String) -> Result<View> {
    state.with(|s| {
        s.add_equipment(&reference, &tag)?;
        Ok(s.view(&reference)?)
    })
}

#[tauri::command(async)]
pub fn history(state: State<'_, AppState>, reference: String) -> Result<Vec<HistoryEntry>> {
    state.with(|s| Ok(s.history(&reference)?))
}

#[tauri::command(async)]
pub fn forms(state: State<'_, AppState>, reference: String) -> Result<Vec<FormInfo>> {
    state.with(|s| Ok(s.forms(&reference)?))
}

/// A stored photo or signature image as a `data:` URL for an `<img>`.
#[tauri::command(async)]
pub fn blob_data_url(state: State<'_, AppState>, hash: String) -> Result<String> {
    state.with(|s| {
        let bytes = s.blob(&hash)?;
        let mime = if bytes.starts_with(b"\x89PNG") {
            "image/png"
        } else if bytes.starts_with(&[0xff, 0xd8]) {
            "image/jpeg"
        } else {
            return Err(AppError::new(ErrorCode::BadFile, msg!("image.not_image")));
        };
        Ok(format!("data:{mime};base64,{}", STANDARD.encode(&bytes)))
    })
}
