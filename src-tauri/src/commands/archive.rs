//! The office's archive: every expedientes on this device, filtered (state, procedure,
//! sección, técnico, unidad, área, days opened or closed, overdue), sorted and paged, so
//! years of work stay as quick to go through as one week's.

use brigada_core::report::day_bounds;
use brigada_core::store::index::{Filter, Row, Sort};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::Result;
use crate::state::AppState;

/// What the office asks of the archive. Days are typed as people write them
/// (`30/11/2026` or `2026-11-30`), both ends included; empty text means no filter.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ArchiveQuery {
    pub query: Option<String>,
    pub state: Option<String>,
    pub procedure: Option<String>,
    pub seccion: Option<String>,
    pub tecnico: Option<String>,
    pub unidad: Option<String>,
    pub area: Option<String>,
    pub opened_from: Option<String>,
    pub opened_to: Option<String>,
    pub closed_from: Option<String>,
    pub closed_to: Option<String>,
    pub overdue: bool,
    pub sort: Sort,
    /// From 0.
    pub page: u32,
    pub per_page: u32,
}

/// One page of the archive and how many there are in all.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ArchivePage {
    pub rows: Vec<Row>,
    #[ts(type = "number")]
    pub total: u64,
}

fn given(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[tauri::command(async)]
pub fn archive(state: State<'_, AppState>, q: ArchiveQuery) -> Result<ArchivePage> {
    let (created_from, created_before) = day_bounds(
        q.opened_from.as_deref(),
        q.opened_to.as_deref(),
        ("opened_from", "opened_to"),
    )?;
    let (closed_from, closed_before) = day_bounds(
        q.closed_from.as_deref(),
        q.closed_to.as_deref(),
        ("closed_from", "closed_to"),
    )?;
    let per_page = q.per_page.clamp(1, 500);
    let filter = Filter {
        query: given(q.query),
        state: given(q.state),
        procedure: given(q.procedure),
        seccion: given(q.seccion),
        assignee: given(q.tecnico),
        unidad: given(q.unidad),
        area: given(q.area),
        deadline_before: q.overdue.then(brigada_core::time::now_ms),
        created_from,
        created_before,
        closed_from,
        closed_before,
        sort: q.sort,
        offset: Some(q.page.saturating_mul(per_page)),
        limit: Some(per_page),
        ..Default::default()
    };
    state.with(|s| {
        Ok(ArchivePage {
            rows: s.list(&filter)?,
            total: s.count(&filter)?,
        })
    })
}
