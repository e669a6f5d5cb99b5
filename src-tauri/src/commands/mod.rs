//! Tauri commands: thin wrappers over `brigada-core`, one state object, errors as
//! `{code, message}`. Every command here is listed in `build.rs` and granted in
//! `capabilities/main.json`.

pub mod archive;
pub mod expedientes;
pub mod inventory;
pub mod labels;
pub mod papers;
pub mod report;
pub mod scan;
pub mod session;
pub mod sync;
