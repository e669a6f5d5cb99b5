//! Brigada's app: a Tauri 2 shell over `brigada-core`. The UI (Svelte, in `ui/`) calls
//! the commands in [`commands`]; TypeScript types for everything it receives are generated
//! from these Rust types (`bindings` test → `ui/src/lib/bindings/`).

pub mod autosync;
pub mod camera;
pub mod commands;
pub mod error;
pub mod state;

use tauri::Manager;

use crate::commands::{archive, expedientes, inventory, labels, papers, report, scan, session, sync};

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let home = state::default_home(app.path().app_data_dir().ok());
            app.manage(state::AppState::new(home));
            autosync::start(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            session::app_status,
            session::init_device,
            session::unlock,
            session::lock,
            session::set_locale,
            expedientes::procedures,
            expedientes::catalog,
            expedientes::list_expedientes,
            expedientes::get_expediente,
            expedientes::create_expediente,
            expedientes::record_step,
            expedientes::set_fields,
            expedientes::add_material,
            expedientes::add_part,
            expedientes::continue_in,
            expedientes::attach_photo,
            expedientes::edit_photo,
            expedientes::camera_photo,
            expedientes::sign,
            expedientes::resolve_conflict,
            expedientes::assign,
            expedientes::attach_request_photo,
            expedientes::add_equipment,
            expedientes::history,
            expedientes::forms,
            expedientes::blob_data_url,
            scan::camera_start,
            scan::camera_stop,
            scan::interpret_scan,
            scan::scan_image,
            scan::get_asset,
            scan::register_asset,
            scan::edit_asset,
            scan::asset_choices,
            inventory::list_assets,
            inventory::components,
            sync::enroll,
            sync::sync_now,
            sync::sync_status,
            papers::print_forms,
            papers::open_printed,
            labels::print_labels,
            labels::print_medium_label,
            labels::tags_remaining,
            report::report,
            archive::archive,
            report::report_jobs,
            report::export_report,
            report::devices_status,
            report::waiting_jobs,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("error: Brigada could not start its window: {e}");
            std::process::exit(1);
        });
}
