//! Crash safety: a writer killed with SIGKILL at random moments loses no acknowledged
//! edit, and the store always opens.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brigada_core::Store;
use brigada_scenarios::*;
use rand::Rng;

pub fn kill_rounds(rounds: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut store = init_store(&home, "Tablet 40");
    let job = new_job(&mut store, "P7");
    drop(store);
    let mut rng = rand::thread_rng();
    // Each round numbers its edits from its own range, so acknowledged ones are exact.
    let mut acked: Vec<String> = Vec::new();
    for round in 0..rounds {
        let first = round as u64 * 1_000_000;
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
            .args([home.to_str().unwrap(), &job, &first.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let deadline = Instant::now() + Duration::from_millis(rng.gen_range(30..250));
        let reader = std::thread::spawn(move || {
            let mut last = None;
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => last = l.strip_prefix("ack ").and_then(|n| n.parse::<u64>().ok()).or(last),
                    Err(_) => break,
                }
            }
            last
        });
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if let Some(last) = reader.join().unwrap() {
            acked.extend((first..=last).map(|n| format!("edit-{n}")));
        }
        let store = Store::open(&home, PASS).unwrap_or_else(|e| panic!("round {round}: store does not open: {e}"));
        let exp = store.view(&job).unwrap().expediente;
        let have: std::collections::HashSet<&str> = exp.comments.iter().map(|c| c.text.as_str()).collect();
        for a in &acked {
            assert!(have.contains(a.as_str()), "round {round}: acknowledged {a} lost");
        }
    }
    assert!(acked.len() > rounds, "the writer acknowledged too few edits to prove anything");
    rounds
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_edit() {
    assert_eq!(kill_rounds(30), 30);
}
