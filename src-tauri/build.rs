//! Declares every app command so Tauri generates an `allow-…` permission for each; the
//! capability file grants exactly these to the main window.

/// The commands of `src/commands/`, as registered in `lib.rs`.
pub const COMMANDS: &[&str] = &[
    "app_status",
    "init_device",
    "unlock",
    "lock",
    "set_locale",
    "procedures",
    "catalog",
    "list_expedientes",
    "get_expediente",
    "create_expediente",
    "record_step",
    "set_fields",
    "add_material",
    "add_part",
    "continue_in",
    "attach_photo",
    "edit_photo",
    "camera_photo",
    "sign",
    "resolve_conflict",
    "assign",
    "attach_request_photo",
    "add_equipment",
    "history",
    "forms",
    "blob_data_url",
    "camera_start",
    "camera_stop",
    "interpret_scan",
    "scan_image",
    "get_asset",
    "register_asset",
    "edit_asset",
    "asset_choices",
    "list_assets",
    "components",
    "enroll",
    "sync_now",
    "sync_status",
    "print_forms",
    "open_printed",
    "print_labels",
    "print_medium_label",
    "tags_remaining",
    "report",
    "archive",
    "report_jobs",
    "export_report",
    "devices_status",
    "waiting_jobs",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
