//! The app's commands are named in four places that must agree: the handlers registered
//! in `lib.rs`, the list `build.rs` makes permissions from, the capability that grants
//! them to the window, and the UI's `backend.ts` that calls them. A name that drifts in one
//! of them is a button that fails only when a person presses it; this test finds it first.

use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The quoted words of `text` between `start` and the next `end`.
fn quoted_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap_or_else(|| panic!("{start:?} not found")) + start.len();
    let body = &text[from..from + text[from..].find(end).expect("end")];
    body.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

fn registered() -> BTreeSet<String> {
    let lib = read("src/lib.rs");
    let from = lib.find("generate_handler![").expect("generate_handler!") + "generate_handler![".len();
    let body = &lib[from..from + lib[from..].find(']').expect("]")];
    body.split(',')
        .filter_map(|p| {
            p.trim()
                .rsplit("::")
                .next()
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        })
        .collect()
}

fn declared() -> BTreeSet<String> {
    quoted_between(&read("build.rs"), "pub const COMMANDS: &[&str] = &[", "];")
}

fn granted() -> BTreeSet<String> {
    let cap: serde_json::Value = serde_json::from_str(&read("capabilities/main.json")).expect("capability JSON");
    cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|n| n.replace('-', "_")))
        .collect()
}

fn called_by_ui() -> BTreeSet<String> {
    let ts = read("../ui/src/lib/backend.ts");
    ts.split("call<")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split_once(">(\"")?.1.split('"').next()?;
            Some(name.to_owned())
        })
        .chain(
            ts.split("invoke(\"")
                .skip(1)
                .filter_map(|r| r.split('"').next().map(str::to_owned)),
        )
        .collect()
}

#[test]
fn every_command_is_registered_declared_granted_and_called_by_one_name() {
    let registered = registered();
    assert!(registered.len() > 30, "parsed only {registered:?}");
    assert_eq!(declared(), registered, "build.rs COMMANDS vs lib.rs generate_handler!");
    assert_eq!(granted(), registered, "capabilities/main.json vs lib.rs");
    let ui = called_by_ui();
    let unknown: Vec<_> = ui.difference(&registered).collect();
    assert!(
        unknown.is_empty(),
        "backend.ts calls commands the app does not have: {unknown:?}"
    );
    let unused: Vec<_> = registered.difference(&ui).collect();
    assert!(
        unused.is_empty(),
        "commands no screen can call (not in backend.ts): {unused:?}"
    );
}
