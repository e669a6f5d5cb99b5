//! Labels from the app: a sheet (or roll) of QR asset tags for the office, from this
//! device's reserved numbers (more are asked of the server when they run short, the store
//! lent around that call), and the label of a P7 backup medium. Saved in the print folder
//! like the official papers.

use brigada_core::msg;
use brigada_core::pdf::{self, Layout};
use brigada_core::sync::lend;
use brigada_core::tag;
use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::commands::papers::{plain_name, save_file};
use crate::error::{AppError, ErrorCode, Result};
use crate::state::AppState;

/// The most labels one request prints (a box of letter sheets).
const MAX_LABELS: u32 = 3000;

#[derive(Debug, Clone, Serialize, TS)]
pub struct LabelsPrinted {
    /// The PDF written (in the print folder).
    pub path: String,
    /// The tags printed (empty for a medium label).
    pub tags: Vec<String>,
    /// Tag numbers this device still has reserved.
    #[ts(type = "number")]
    pub remaining: u64,
}

/// Print `count` new asset-tag labels, or reprint the tags in `reprint` (a damaged label),
/// on `layout` (letter-3x10 or roll-50x25).
#[tauri::command]
pub async fn print_labels(app: AppHandle, count: u32, layout: String, reprint: Vec<String>) -> Result<LabelsPrinted> {
    tauri::async_runtime::spawn_blocking(move || {
        let layout = Layout::parse(&layout)?;
        let state = app.state::<AppState>();
        let tags: Vec<String> = if reprint.iter().all(|t| t.trim().is_empty()) {
            if count == 0 || count > MAX_LABELS {
                return Err(AppError::new(
                    ErrorCode::InvalidInput,
                    msg!("labels.count", n = count, max = MAX_LABELS),
                ));
            }
            lend::take_tags(&*state, count)?
        } else {
            reprint
                .iter()
                .filter(|t| !t.trim().is_empty())
                .map(|t| {
                    tag::parse(t)
                        .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, msg!("tag.not_a_tag", text = t.trim())))
                })
                .collect::<Result<_>>()?
        };
        let bytes = pdf::labels(&tags, layout)?;
        let name = format!(
            "etiquetas-{}-{}.pdf",
            plain_name(tags.first().map(String::as_str).unwrap_or("")),
            tags.len()
        );
        let path = save_file(&app, &name, &bytes)?;
        let remaining = state.with(|s| Ok(s.tags_remaining()?))?;
        Ok(LabelsPrinted {
            path: path.display().to_string(),
            tags,
            remaining,
        })
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, msg!("internal", detail = e.to_string())))?
}

/// Print the label of the backup medium of `reference` (P7); the first print records the
/// label's words in the expediente.
#[tauri::command]
pub async fn print_medium_label(app: AppHandle, reference: String, layout: String) -> Result<LabelsPrinted> {
    tauri::async_runtime::spawn_blocking(move || {
        let layout = Layout::parse(&layout)?;
        let state = app.state::<AppState>();
        let label = state.with(|s| Ok(s.medium_label(&reference)?))?;
        let bytes = pdf::medium_label(&label, layout)?;
        let path = save_file(
            &app,
            &format!("etiqueta-medio-{}.pdf", plain_name(&label.folio)),
            &bytes,
        )?;
        let remaining = state.with(|s| Ok(s.tags_remaining()?))?;
        Ok(LabelsPrinted {
            path: path.display().to_string(),
            tags: Vec::new(),
            remaining,
        })
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, msg!("internal", detail = e.to_string())))?
}

/// How many tag numbers this device has reserved (to say so before printing).
#[tauri::command(async)]
pub fn tags_remaining(state: State<'_, AppState>) -> Result<u64> {
    state.with(|s| Ok(s.tags_remaining()?))
}
