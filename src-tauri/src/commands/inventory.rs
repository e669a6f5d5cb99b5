//! The department's registers as lists: the equipment (assets) and the Inventario de
//! componentes informáticos. Filtering and search happen in the screen: a department's
//! register is thousands of rows, read once per visit from the local index.

use brigada_core::store::index::{AssetRow, ComponentRow};
use tauri::State;

use crate::error::Result;
use crate::state::AppState;

#[tauri::command(async)]
pub fn list_assets(state: State<'_, AppState>) -> Result<Vec<AssetRow>> {
    state.with(|s| Ok(s.list_assets()?))
}

/// The components inventory; `all` includes parts already taken by a repair.
#[tauri::command(async)]
pub fn components(state: State<'_, AppState>, all: bool) -> Result<Vec<ComponentRow>> {
    state.with(|s| Ok(s.components(!all)?))
}
