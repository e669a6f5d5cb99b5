//! Printing official documents: one document (original and copy), a draft, or the day's
//! or week's batch, saved as a PDF in the print folder and opened with the system viewer.

use brigada_core::error::io_words;
use brigada_core::msg;
use std::path::{Path, PathBuf};

use brigada_core::forms::batch::PrintRequest;
use brigada_core::pdf::{self, Paper};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, Result};
use crate::state::AppState;

/// Progress of a print job: expedientes examined, then documents drawn.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintProgress {
    pub stage: String,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Printed {
    /// The PDF written (in the print folder).
    pub path: String,
    pub documents: usize,
    /// Folios whose expediente changed after the document was signed (the paper says so).
    pub changed_after_signing: Vec<String>,
}

/// Where PDFs go: `$BRIGADA_PRINT_DIR`, else Documents/Brigada, else the data folder.
pub(crate) fn print_dir(app: &AppHandle) -> PathBuf {
    std::env::var_os("BRIGADA_PRINT_DIR")
        .map(PathBuf::from)
        .or_else(|| app.path().document_dir().ok().map(|d| d.join("Brigada")))
        .unwrap_or_else(|| app.state::<AppState>().home.join("impresos"))
}

fn file_name(req: &PrintRequest) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let [one] = req.references.as_slice() {
        parts.push(one.clone());
    } else if !req.references.is_empty() {
        parts.push(format!("{}-expedientes", req.references.len()));
    }
    parts.extend(req.day.iter().map(|d| format!("dia-{d}")));
    parts.extend(req.week.iter().map(|w| format!("semana-{w}")));
    parts.extend(req.seccion.iter().filter(|s| !s.is_empty()).cloned());
    parts.extend(req.document.clone());
    if req.draft {
        parts.push("borrador".into());
    }
    let name = plain_name(&parts.join("-"));
    format!("{}.pdf", if name.is_empty() { "documentos".into() } else { name })
}

/// Save a file (a PDF, a spreadsheet) in the print folder under `name`, whole or not at all.
pub(crate) fn save_file(app: &AppHandle, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let dir = print_dir(app);
    let path = dir.join(name);
    std::fs::create_dir_all(&dir)
        .and_then(|()| brigada_core::files::write_whole(&path, bytes))
        .map_err(|e| {
            AppError::new(
                ErrorCode::BadFile,
                msg!(
                    "print.cannot_save",
                    path = path.display().to_string(),
                    why = io_words(&e)
                ),
            )
        })?;
    Ok(path)
}

/// A file name made only of letters, digits and dashes (whatever a reference held).
pub(crate) fn plain_name(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect()
}

/// Make the PDF for `request` on `paper` (letter, oficio, a4), with progress.
#[tauri::command]
pub async fn print_forms(
    app: AppHandle,
    request: PrintRequest,
    paper: String,
    on_progress: Channel<PrintProgress>,
) -> Result<Printed> {
    tauri::async_runtime::spawn_blocking(move || {
        let paper = Paper::parse(&paper)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, msg!("print.paper", paper = &paper)))?;
        let report = |stage: &str| {
            let on_progress = on_progress.clone();
            let stage = stage.to_owned();
            move |done, total| {
                let _ = on_progress.send(PrintProgress {
                    stage: stage.clone(),
                    done,
                    total,
                });
            }
        };
        let forms = app
            .state::<AppState>()
            .with(|s| Ok(s.forms_to_print(&request, &mut report("expedientes"))?))?;
        let bytes = pdf::forms(&forms, paper, &mut report("documentos"))?;
        let path = save_file(&app, &file_name(&request), &bytes)?;
        Ok(Printed {
            path: path.display().to_string(),
            documents: forms.len(),
            changed_after_signing: forms
                .iter()
                .filter(|f| f.changed_after_signing.is_some())
                .map(|f| f.body.folio.clone())
                .collect(),
        })
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, msg!("internal", detail = e.to_string())))?
}

/// Open a PDF this app printed with the system's viewer (to print it on paper).
#[tauri::command(async)]
pub fn open_printed(app: AppHandle, path: String) -> Result<()> {
    let dir = print_dir(&app).canonicalize().ok();
    let file = Path::new(&path).canonicalize().ok();
    match (dir, file) {
        (Some(d), Some(f)) if f.starts_with(&d) => app
            .opener()
            .open_path(f.display().to_string(), None::<&str>)
            .map_err(|e| AppError::new(ErrorCode::Internal, msg!("print.no_viewer", detail = e.to_string()))),
        _ => Err(AppError::new(ErrorCode::BadFile, msg!("print.only_ours"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_files_are_named_after_what_they_hold() {
        let one = PrintRequest {
            references: vec!["RT-2026-T07-0001".into()],
            document: Some("justificacion-tecnica".into()),
            ..Default::default()
        };
        assert_eq!(file_name(&one), "RT-2026-T07-0001-justificacion-tecnica.pdf");
        let draft = PrintRequest { draft: true, ..one };
        assert_eq!(file_name(&draft), "RT-2026-T07-0001-justificacion-tecnica-borrador.pdf");
        let week = PrintRequest {
            week: Some("2026-11-23".into()),
            seccion: Some("RT".into()),
            ..Default::default()
        };
        assert_eq!(file_name(&week), "semana-2026-11-23-RT.pdf");
        // Whatever was typed, the name stays a plain file name.
        let odd = PrintRequest {
            references: vec!["../../etc/passwd".into()],
            ..Default::default()
        };
        assert_eq!(file_name(&odd), "______etc_passwd.pdf");
    }
}
