//! The office's figures for a period (the Panel): one core computation, the same numbers
//! as `brigada report`.

use brigada_core::report::{Period, Report};
use tauri::State;

use crate::error::Result;
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
