//! Crash safety: a writer killed with SIGKILL at random moments loses no acknowledged
//! edit, and the store always opens.

use brigada_scenarios::kill_rounds;

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_edit() {
    let acked = kill_rounds(std::path::Path::new(env!("CARGO_BIN_EXE_crash_writer")), 30);
    assert!(
        acked > 30,
        "the writer acknowledged too few edits ({acked}) to prove anything"
    );
}
