//! The first databases a process opens, opened at once from several threads.
//!
//! SQLCipher finishes setting itself up just after SQLite marks itself initialised; a
//! thread that keyed a database in that window was told "PRAGMA key requires a key" (CI
//! failed so when two tests created their first stores together). Only the first opening
//! in a process can meet that window, so the test runs the race in fresh processes: this
//! same binary, started again with `BRIGADA_FIRST_OPEN_CHILD` set.

use std::process::Command;
use std::sync::{Arc, Barrier};

use brigada_core::store::kdf::KdfParams;
use brigada_core::store::{InitOptions, Store};
use brigada_scenarios::PASS;

const CHILD: &str = "BRIGADA_FIRST_OPEN_CHILD";
const PROCESSES: usize = 80;
const THREADS: usize = 4;

/// In a fresh process: stores created at once. Returns the errors of those that did not open.
fn race() -> Vec<String> {
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let start = start.clone();
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().expect("temp dir");
                start.wait();
                Store::init(
                    &dir.path().join("home"),
                    PASS,
                    InitOptions {
                        device_name: format!("Tablet {i}"),
                        code: None,
                        person: None,
                        seccion: None,
                        kdf: KdfParams::new_for_tests(),
                    },
                )
                .map(|_| ())
                .map_err(|e| e.to_string())
            })
        })
        .collect();
    workers
        .into_iter()
        .filter_map(|w| w.join().expect("no thread panics").err())
        .collect()
}

#[test]
fn stores_created_together_by_the_first_threads_of_a_process_all_open() {
    if std::env::var_os(CHILD).is_some() {
        let failed = race();
        assert!(failed.is_empty(), "stores that did not open: {failed:?}");
        return;
    }
    let me = std::env::current_exe().expect("this test's binary");
    let mut failures = Vec::new();
    for _ in 0..PROCESSES {
        let out = Command::new(&me)
            .args([
                "--exact",
                "stores_created_together_by_the_first_threads_of_a_process_all_open",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .output()
            .expect("start the test binary again");
        if !out.status.success() {
            failures.push(String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {PROCESSES} fresh processes could not open every store; the first:\n{}",
        failures.len(),
        failures[0]
    );
}
