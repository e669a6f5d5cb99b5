//! The office's figures for a period (the Panel): one core computation, the same numbers
//! as `brigada report`.

use brigada_core::report::{Period, Report, first_of_month, parse_day, today};
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
    let to = match to.filter(|t| !t.trim().is_empty()) {
        Some(t) => parse_day("to", &t)?,
        None => today(),
    };
    let from = match from.filter(|f| !f.trim().is_empty()) {
        Some(f) => parse_day("from", &f)?,
        None => first_of_month(to),
    };
    let period = Period::new(from, to, seccion)?;
    state.with(|s| Ok(s.report(&period)?))
}
