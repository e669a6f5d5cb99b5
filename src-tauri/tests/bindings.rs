//! The UI's TypeScript types are generated from the Rust types it receives, never written
//! by hand: this test regenerates them and fails when `ui/src/lib/bindings/` is stale.
//! Refresh with `BRIGADA_UPDATE_BINDINGS=1 cargo test -p brigada-app --test bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use brigada_app::camera::CameraEvent;
use brigada_app::commands::archive::{ArchivePage, ArchiveQuery};
use brigada_app::commands::expedientes::{ListQuery, NewJob};
use brigada_app::commands::labels::LabelsPrinted;
use brigada_app::commands::papers::{PrintProgress, Printed};
use brigada_app::commands::report::Exported;
use brigada_app::commands::scan::{AssetChoices, NewAssetForm};
use brigada_app::commands::session::{AppStatus, Session};
use brigada_app::commands::sync::SyncStatus;
use brigada_app::error::{AppError, ErrorCode};
use brigada_core::catalog::Catalog;
use brigada_core::doc::HistoryEntry;
use brigada_core::expedientes::{Created, View};
use brigada_core::forms::FormInfo;
use brigada_core::forms::batch::PrintRequest;
use brigada_core::model::Signature;
use brigada_core::procedure::Procedure;
use brigada_core::report::devices::Devices;
use brigada_core::report::{Figure, Report};
use brigada_core::scan::Scanned;
use brigada_core::store::Rebuilding;
use brigada_core::store::index::Sort;
use brigada_core::store::index::{AssetRow, ComponentRow, Row};
use brigada_core::sync::{Progress, Summary};
use ts_rs::TS;

fn export(dir: &Path) {
    macro_rules! all {
        ($($t:ty),* $(,)?) => { $( <$t>::export_all_to(dir).unwrap(); )* };
    }
    all!(
        AppError,
        ErrorCode,
        AppStatus,
        Session,
        SyncStatus,
        ListQuery,
        NewJob,
        View,
        Created,
        Row,
        AssetRow,
        ComponentRow,
        Procedure,
        Catalog,
        Signature,
        HistoryEntry,
        FormInfo,
        Progress,
        Rebuilding,
        Summary,
        Scanned,
        CameraEvent,
        NewAssetForm,
        AssetChoices,
        PrintRequest,
        PrintProgress,
        Printed,
        LabelsPrinted,
        Report,
        Figure,
        Devices,
        Exported,
        ArchiveQuery,
        ArchivePage,
        Sort,
    );
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().extension().is_some_and(|x| x == "ts") {
            out.insert(
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            );
        }
    }
    out
}

#[test]
fn typescript_bindings_match_the_rust_types() {
    let committed: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
    if std::env::var_os("BRIGADA_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        export(&committed);
    }
    let fresh = tempfile::tempdir().unwrap();
    export(fresh.path());
    let (want, have) = (read_dir(fresh.path()), read_dir(&committed));
    assert!(want.len() > 20, "expected the whole type graph, got {}", want.len());
    for (name, text) in &want {
        assert_eq!(
            have.get(name),
            Some(text),
            "ui/src/lib/bindings/{name} is missing or stale: run BRIGADA_UPDATE_BINDINGS=1 cargo test -p brigada-app --test bindings"
        );
    }
    let extra: Vec<&String> = have.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(extra.is_empty(), "bindings for types that no longer exist: {extra:?}");
}

#[test]
fn every_command_is_declared_and_granted() {
    let build = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs")).unwrap();
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let cap: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json")).unwrap(),
    )
    .unwrap();
    let granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|c| c.replace('-', "_")))
        .collect();
    let declared: Vec<String> = build
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\",").map(str::to_owned))
        .collect();
    let handled: Vec<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_suffix(',')?.split("::").nth(1).map(str::to_owned))
        .collect();
    let (mut d, mut g, mut h) = (declared.clone(), granted.clone(), handled.clone());
    d.sort();
    g.sort();
    h.sort();
    assert!(!d.is_empty());
    assert_eq!(d, g, "build.rs commands vs capabilities/main.json grants");
    assert_eq!(d, h, "build.rs commands vs the invoke handler in lib.rs");
}
