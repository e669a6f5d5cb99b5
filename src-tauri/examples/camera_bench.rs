//! Benchmark: the scanner's camera pipeline (bar: preview ≥ 10 fps without blocking).
//!
//! `cargo run --release -p brigada-app --example camera_bench -- --app PATH --out docs/BENCHMARKS.md`
//! (`make bench`). Measures, on a real tag photo framed as a 1280×720 and a 1920×1080
//! camera picture: the capture thread's work per frame (preview JPEG + grey frame for the
//! reader), the reader's latency through its worker process, and a live run of the
//! synthetic camera counting the preview frames that reach the receiver per second.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use brigada_app::camera::{self, CameraEvent};
use brigada_app::state::QR_WORKER_ARG;
use brigada_core::qr::worker::Isolated;
use brigada_scenarios::{pct, qr_cases, write_section};
use image::RgbImage;

fn framed(photo: &RgbImage, w: u32, h: u32) -> RgbImage {
    let mut frame = RgbImage::from_pixel(w, h, image::Rgb([90, 90, 90]));
    let fitted = image::imageops::resize(photo, h * 3 / 4, h * 3 / 4, image::imageops::FilterType::Triangle);
    image::imageops::overlay(
        &mut frame,
        &fitted,
        i64::from((w - fitted.width()) / 2),
        i64::from(h / 8),
    );
    frame
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let app = PathBuf::from(arg("--app").unwrap_or_else(|| "target/release/brigada-app".into()));
    let out = arg("--out").map(PathBuf::from);
    // A real tag photo the reader decodes, put in a camera-sized frame.
    let tag = brigada_core::tag::format(4217);
    let png = brigada_core::qr::encode_png(&tag, 10)?;
    let photo = image::load_from_memory(&png)?.to_rgb8();
    // The largest real photo of the test set.
    let real = qr_cases()
        .into_iter()
        .map(|(p, _)| p)
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
    let mut report = String::from(
        "Capture-thread work per camera frame (preview JPEG + grey frame for the reader), the \
         QR reader's latency through its worker process, and a live synthetic camera:\n\n\
         | frame | capture work p50 / p95 | capacity | reader p50 / p95 |\n|---|---|---|---|\n",
    );
    let mut worker = Isolated::new(&app, &[QR_WORKER_ARG]);
    for (w, h) in [(1280, 720), (1920, 1080)] {
        let frame = framed(&photo, w, h);
        let (mut capture, mut read) = (Vec::new(), Vec::new());
        for _ in 0..60 {
            let t = Instant::now();
            let grey = camera::for_decoding(&frame);
            camera::preview(&frame).expect("preview");
            capture.push(ms(t.elapsed()));
            let t = Instant::now();
            let d = worker.decode(&grey)?;
            read.push(ms(t.elapsed()));
            assert_eq!(d.payload, tag);
        }
        let p95 = pct(capture.clone(), 0.95);
        report += &format!(
            "| {w}×{h} | {:.1} / {p95:.1} ms | {:.0} fps | {:.1} / {:.1} ms |\n",
            pct(capture, 0.5),
            1000.0 / p95,
            pct(read.clone(), 0.5),
            pct(read, 0.95)
        );
    }
    if let Some(real) = real {
        let frame = brigada_core::qr::frame_of(&std::fs::read(&real)?)?;
        let t = Instant::now();
        let _ = worker.decode(&frame);
        report += &format!(
            "\nThe largest real photo from testdata ({}×{}) through the worker: {:.1} ms.\n",
            frame.width(),
            frame.height(),
            ms(t.elapsed())
        );
    }

    // Live: the synthetic camera at its 15 fps pace; count what reaches the receiver.
    let dir = tempfile::tempdir()?;
    framed(&photo, 1280, 720).save(dir.path().join("frame.png"))?;
    // SAFETY: set before any thread of this program reads the environment.
    unsafe { std::env::set_var("BRIGADA_CAMERA_FRAMES", dir.path()) };
    let stop = Arc::new(AtomicBool::new(false));
    let frames = Arc::new(AtomicU32::new(0));
    let first_code = Arc::new(Mutex::new(None::<Duration>));
    let start = Instant::now();
    let runner = {
        let (stop, frames, first_code) = (stop.clone(), frames.clone(), first_code.clone());
        let decoder = Arc::new(Mutex::new(Isolated::new(&app, &[QR_WORKER_ARG])));
        std::thread::spawn(move || {
            camera::run(0, stop, decoder, Default::default(), move |e| {
                match e {
                    CameraEvent::Frame { .. } => {
                        frames.fetch_add(1, Ordering::Relaxed);
                    }
                    CameraEvent::Decoded { .. } => {
                        first_code.lock().unwrap().get_or_insert(start.elapsed());
                    }
                    _ => {}
                }
                true
            })
        })
    };
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    runner.join().expect("camera thread");
    let fps = f64::from(frames.load(Ordering::Relaxed)) / 5.0;
    let first = first_code
        .lock()
        .unwrap()
        .map_or("never".into(), |d| format!("{:.0} ms", ms(d)));
    report += &format!(
        "\nLive synthetic camera (1280×720 at its 15 fps pace, 5 s): {fps:.1} preview frames/s \
         delivered; first code read after {first} (includes starting the worker process).\n"
    );
    println!("{report}");
    if let Some(out) = out {
        write_section(&out, "Camera", &report)?;
    }
    Ok(())
}
