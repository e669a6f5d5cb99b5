//! The app's QR reader runs in a worker process (this very binary with `--qr-worker`): on
//! the real camera photos it reads exactly what the in-process decoder reads, one process
//! serving every frame.

use brigada_app::state::QR_WORKER_ARG;
use brigada_core::qr::{self, worker::Isolated};
use brigada_scenarios::qr_cases;

#[test]
fn the_worker_process_reads_the_real_photos_like_the_decoder_itself() {
    let mut worker = Isolated::new(env!("CARGO_BIN_EXE_brigada-app"), &[QR_WORKER_ARG]);
    let cases = qr_cases();
    let (mut same, mut read) = (0, 0);
    for (img, expected) in &cases {
        let frame = qr::frame_of(&std::fs::read(img).unwrap()).unwrap();
        let isolated = worker.decode(&frame).map(|d| d.payload);
        let direct = qr::decode_image(&frame).map(|d| d.payload);
        if isolated.as_ref().ok() == direct.as_ref().ok() {
            same += 1;
        }
        if isolated.is_ok_and(|p| p.replace("\r\n", "\n") == *expected) {
            read += 1;
        }
    }
    assert_eq!(same, cases.len(), "the worker and the decoder disagree on some photos");
    assert!(read >= 36, "the worker read {read} of {}", cases.len());
    assert_eq!(worker.restarts, 0, "one worker process served every frame");
    assert!(worker.isolated(), "the frames went to the worker process, not this one");
}

#[test]
fn a_garbage_frame_stream_ends_the_worker_with_an_error_not_a_crash() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_brigada-app"))
        .arg(QR_WORKER_ARG)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&[0xff; 64]).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "a malformed frame is refused with exit code 1: {status}"
    );
}
