//! The office's figures for a period (the Panel): one core computation, the same numbers
//! as `brigada report`; the expedientes behind each figure; and the report taken away as
//! a spreadsheet, CSV files or the Informe mensual (PDF), saved in the print folder.

use brigada_core::messages::locale;
use brigada_core::pdf::informe::informe;
use brigada_core::report::devices::Devices;
use brigada_core::report::{self, Figure, Period, Report};
use brigada_core::{msg, time};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::commands::archive::ArchivePage;
use crate::commands::papers::{plain_name, print_dir, save_file};
use crate::error::{AppError, ErrorCode, Result};
use crate::state::AppState;

/// `from` and `to` as `YYYY-MM-DD` (both included; default this month so far), and
/// optionally one sección.
#[tauri::command(async)]
pub fn report(
    state: State<'_, AppState>,
    from: Option<String>,
    to: Option<String>,
    seccion: Option<String>,
) -> Result<Report> {
    let period = Period::typed(from.as_deref(), to.as_deref(), seccion)?;
    state.with(|s| Ok(s.report(&period)?))
}

/// One page (from 0) of the expedientes one figure of the period counts (a figure of the
/// Panel, tapped), as of `as_of` (ms: the report's own moment, so the list matches the
/// figure shown), and how many there are.
#[allow(clippy::too_many_arguments)]
#[tauri::command(async)]
pub fn report_jobs(
    state: State<'_, AppState>,
    from: Option<String>,
    to: Option<String>,
    seccion: Option<String>,
    figure: Figure,
    as_of: i64,
    page: u32,
    per_page: u32,
) -> Result<ArchivePage> {
    let period = Period::typed(from.as_deref(), to.as_deref(), seccion)?;
    state.with(|s| {
        let (total, rows) = s.report_jobs(&period, &figure, as_of, page_of(page, per_page))?;
        Ok(ArchivePage { rows, total })
    })
}

/// Page `page` (from 0) of `per_page` rows (1 to 500).
fn page_of(page: u32, per_page: u32) -> report::Page {
    let per_page = per_page.clamp(1, 500) as usize;
    report::Page {
        offset: (page as usize).saturating_mul(per_page),
        limit: per_page,
    }
}

/// The devices as the office knows them since its last sync: each tablet's last sync,
/// those not synced for more than 24 h, photos and signatures yet to arrive.
#[tauri::command(async)]
pub fn devices_status(state: State<'_, AppState>) -> Result<Devices> {
    state.with(|s| Ok(s.devices_status(time::now_ms())?))
}

/// One page (from 0) of the expedientes whose photos or signatures have not arrived here
/// yet, and how many there are.
#[tauri::command(async)]
pub fn waiting_jobs(state: State<'_, AppState>, page: u32, per_page: u32) -> Result<ArchivePage> {
    state.with(|s| {
        let (total, rows) = s.waiting_jobs(page_of(page, per_page))?;
        Ok(ArchivePage { rows, total })
    })
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Exported {
    /// The file written (for CSV, the folder of files).
    pub path: String,
    /// Expedientes in the report's list.
    pub expedientes: usize,
}

/// Save the period's report as `format`: `xlsx`, `pdf` (the Informe mensual) or `csv`.
#[tauri::command]
pub async fn export_report(
    app: AppHandle,
    from: Option<String>,
    to: Option<String>,
    seccion: Option<String>,
    format: String,
) -> Result<Exported> {
    tauri::async_runtime::spawn_blocking(move || {
        let period = Period::typed(from.as_deref(), to.as_deref(), seccion)?;
        let lang = locale();
        let (r, tables) = app.state::<AppState>().with(|s| Ok(s.report_tables(&period, lang)?))?;
        let expedientes = tables.last().map_or(0, |t| t.rows.len());
        let mut name = format!("informe-{}-{}", r.from, r.to);
        if let Some(s) = &r.seccion {
            name = format!("{name}-{}", plain_name(s));
        }
        let path = match format.as_str() {
            "xlsx" => save_file(&app, &format!("{name}.xlsx"), &report::xlsx::workbook(&tables)?)?,
            "pdf" => save_file(
                &app,
                &format!("{name}.pdf"),
                &informe(&r, &tables, lang, time::now_ms())?,
            )?,
            "csv" => {
                let dir = print_dir(&app).join(format!("{name}-csv"));
                report::csv::write_all(&tables, &dir)?;
                dir
            }
            other => {
                return Err(AppError::new(
                    ErrorCode::InvalidInput,
                    msg!("report.format", format = other),
                ));
            }
        };
        Ok(Exported {
            path: path.display().to_string(),
            expedientes,
        })
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, msg!("internal", detail = e.to_string())))?
}
