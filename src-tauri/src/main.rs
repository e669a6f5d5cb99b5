// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if std::env::args().nth(1).as_deref() == Some(brigada_app::state::QR_WORKER_ARG) {
        // The QR reader's worker process (see brigada_core::qr::worker).
        let served = brigada_core::qr::worker::serve(std::io::stdin().lock(), std::io::stdout().lock());
        std::process::exit(i32::from(served.is_err()));
    }
    brigada_app::run();
}
