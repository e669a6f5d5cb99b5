//! Helpers shared by the scenario tests, the crash writer and the benchmarks.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;

pub mod fixture;
pub mod memory;
pub mod pg;
pub mod s3;
pub mod untrusted;
pub use fixture::{Spread, archive_of_years, realistic_expedientes, realistic_expedientes_in, uuid_v7};

use brigada_core::expedientes::NewExpediente;
use brigada_core::procedure::{self, FieldKind, StepKind};
use brigada_core::store::kdf::KdfParams;
use brigada_core::store::{InitOptions, Store};
use brigada_core::{Result, qr, tag};

pub const PASS: &str = "prueba-1234";

/// A store in its own temporary folder, with cheap key derivation (tests open thousands).
pub fn temp_store(name: &str) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = init_store(&dir.path().join("home"), name);
    (dir, store)
}

pub fn init_store(home: &Path, name: &str) -> Store {
    Store::init(
        home,
        PASS,
        InitOptions {
            device_name: name.into(),
            code: None,
            person: Some(format!("Técnico {name}")),
            seccion: Some("RT".into()),
            kdf: KdfParams::new_for_tests(),
        },
    )
    .expect("init store")
}

pub fn new_job(store: &mut Store, procedure: &str) -> String {
    store
        .create_expediente(NewExpediente {
            procedure: procedure.into(),
            area: "Urgencias".into(),
            unidad: Some("Hospital Regional de Xalapa".into()),
            request: Some("oficio 100/2026".into()),
            ..Default::default()
        })
        .expect("create")
        .id
}

/// The texts of an expediente's comments, sorted.
pub fn comment_texts(store: &Store, id: &str) -> Vec<String> {
    let mut c: Vec<String> = store
        .view(id)
        .expect("the expediente")
        .expediente
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect();
    c.sort();
    c
}

pub fn strokes() -> &'static [u8] {
    br#"{"strokes": [[[0,0],[40,30],[80,0]], [[10,40],[90,45]]]}"#
}

/// A PNG of noise (does not compress): `side`² pixels, about 3·side² bytes.
pub fn big_photo(side: u32) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    let img = image::RgbImage::from_fn(side, side, |_, _| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        image::Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn small_png() -> Vec<u8> {
    qr::encode_png("foto de prueba", 2).expect("png")
}

/// A new asset of `kind` placed at `unidad` / `area`; brand, model and serial are set with
/// struct update syntax where a test needs them.
pub fn asset_in(tag: &str, kind: &str, unidad: &str, area: &str) -> brigada_core::assets::NewAsset {
    brigada_core::assets::NewAsset {
        tag: tag.into(),
        kind: kind.into(),
        location: brigada_core::model::Location {
            unidad: unidad.into(),
            area: area.into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Fill whatever the current step still needs, with plausible values.
pub fn satisfy(store: &mut Store, id: &str, step_id: &str) -> Result<()> {
    let v = store.view(id)?;
    let proc = procedure::get(&v.expediente.procedure_id, v.expediente.procedure_version)?;
    let step = proc.step(step_id).expect("step exists");
    let r = &step.requires;
    let mut pairs = Vec::new();
    for f in &r.fields {
        if v.expediente.field(f).is_some() {
            continue;
        }
        let value = match proc.field(f).map(|d| (d.kind, d.choices.clone())) {
            Some((FieldKind::Choice, choices)) => choices[0].label.clone(),
            Some((FieldKind::Yesno, _)) => "Sí".into(),
            Some((FieldKind::Datetime, _)) => "2026-11-20 09:30".into(),
            Some((FieldKind::Number, _)) => "4".into(),
            Some((FieldKind::Date, _)) => "2026-11-20".into(),
            _ if f == "solicitud.fecha" => "2026-11-20".into(),
            _ => format!("valor de {f}"),
        };
        pairs.push((f.clone(), value));
    }
    if !pairs.is_empty() {
        store.set_fields(id, &pairs)?;
    }
    let have = v
        .expediente
        .photos
        .iter()
        .filter(|p| p.step.as_deref() == Some(step_id))
        .count() as u32;
    for _ in have..r.photos {
        store.attach(id, &small_png(), "evidencia", Some(step_id))?;
    }
    if r.materials && v.expediente.materials.is_empty() {
        store.add_material(id, "Cable UTP cat 6", 50.0, "m", None)?;
    }
    if r.equipment && v.expediente.equipment.is_empty() {
        store.add_equipment(id, &tag::format(1))?;
    }
    if r.parts && v.expediente.parts.is_empty() {
        store.add_part(id, "Memoria RAM DDR4 8 GB", Some("RAM-001"))?;
    }
    // Signatures last: the signer signs what is complete.
    for role in &r.signatures {
        if !v
            .expediente
            .signatures
            .iter()
            .any(|s| &s.role == role && s.step.as_deref() == Some(step_id))
        {
            store.sign(id, role, "Dra. Laura Méndez Ruiz", strokes(), Some(step_id))?;
        }
    }
    Ok(())
}

/// Walk `path` — (step, answer) pairs — filling evidence first; returns the final state.
/// P1 up to the Justificación técnica of missing material (signed by the acuse at 4A),
/// where the job waits for the purchase.
pub const P1_TO_JUSTIFICACION: &[(&str, Option<&str>)] = &[
    ("1", None),
    ("2", None),
    ("3", Some("si")),
    ("4", Some("no")),
    ("4A", None),
];

pub fn drive(store: &mut Store, id: &str, path: &[(&str, Option<&str>)]) -> Result<String> {
    for (step, answer) in path {
        satisfy(store, id, step)?;
        store.record_step(id, step, *answer, None)?;
    }
    Ok(store.view(id)?.status.state.to_owned())
}

/// Every decision's answers, to enumerate all branches.
pub fn decisions(proc_id: &str) -> Vec<(String, Vec<String>)> {
    let p = procedure::latest(proc_id).expect("procedure");
    p.steps
        .iter()
        .filter(|s| s.kind == StepKind::Decision)
        .map(|s| (s.id.clone(), s.answers.iter().map(|a| a.value.clone()).collect()))
        .collect()
}

/// The test data kept in the repository (`tests/testdata`), so a clone alone passes.
pub fn testdata_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Kill a writer child (`crash_writer`) with SIGKILL `rounds` times at random moments;
/// after each kill the store must open and hold every acknowledged edit. Returns how many
/// edits were acknowledged in all.
pub fn kill_rounds(writer: &Path, rounds: usize) -> usize {
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
        let mut child = Command::new(writer)
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
        let status = child.wait().unwrap();
        // The writer never stops by itself: any other end is a failure of the writer.
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "round {round}: the writer ended on its own ({status})"
        );
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
    acked.len()
}

/// (image, expected payload) for every name of `testdata/qr-photos` with a single
/// expected payload (`NAME.result.txt` files are metadata, not payloads).
pub fn qr_cases() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for set in ["qrcode-1", "qrcode-2"] {
        let dir = testdata_dir().join("qr-photos").join(set);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        names.sort();
        for path in names {
            let p = path.to_string_lossy().into_owned();
            if !p.ends_with(".txt") || p.ends_with(".result.txt") {
                continue;
            }
            // Names may hold dots ("gs1-figure-4.15.1-2"): swap the suffix as text.
            let stem = p.trim_end_matches(".txt");
            if let Some(img) = ["png", "jpg", "webp"]
                .iter()
                .map(|x| PathBuf::from(format!("{stem}.{x}")))
                .find(|x| x.exists())
            {
                let expected = std::fs::read_to_string(&p).unwrap_or_default().replace("\r\n", "\n");
                out.push((img, expected));
            }
        }
    }
    out
}

/// The `p` quantile (0–1) of a sample, nearest rank.
pub fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// All paths from start to an end, visiting any step at most twice (loops run once).
pub fn all_paths(proc_id: &str) -> Vec<Vec<(String, Option<String>)>> {
    let p = procedure::latest(proc_id).unwrap();
    let mut out = Vec::new();
    fn walk(
        p: &procedure::Procedure,
        at: &str,
        visits: &mut std::collections::HashMap<String, u32>,
        path: &mut Vec<(String, Option<String>)>,
        out: &mut Vec<Vec<(String, Option<String>)>>,
    ) {
        let s = p.step(at).unwrap();
        if s.kind == StepKind::End {
            out.push(path.clone());
            return;
        }
        let n = visits.entry(at.to_owned()).or_insert(0);
        if *n >= 2 {
            return;
        }
        *n += 1;
        if s.kind == StepKind::Decision {
            for a in &s.answers {
                path.push((s.id.clone(), Some(a.value.clone())));
                walk(p, &a.next, visits, path, out);
                path.pop();
            }
        } else {
            path.push((s.id.clone(), None));
            walk(p, s.next.as_deref().unwrap(), visits, path, out);
            path.pop();
        }
        *visits.get_mut(at).unwrap() -= 1;
    }
    walk(
        p,
        &p.start,
        &mut std::collections::HashMap::new(),
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// A sync server in this process on port 0, with a temporary database: the embedded one,
/// or a PostgreSQL one with `BRIGADA_TEST_STORAGE=postgres` ([`pg`]).
pub struct Server {
    _dir: tempfile::TempDir,
    pub running: brigada_sync::Running,
}

pub fn server() -> Server {
    server_with(Default::default())
}

/// A [`server`] with limits of its own (short timeouts, small caps) for the attack tests.
pub fn server_with(limits: brigada_sync::listen::Limits) -> Server {
    server_on(pg::selected().then(pg::database), limits)
}

/// Where a test server keeps photos: the data folder, or with `BRIGADA_TEST_STORAGE=postgres`
/// a bucket of its own on the tests' S3 server ([`s3`]).
fn test_blobs() -> (Option<String>, Vec<(String, String)>) {
    match pg::selected() {
        true => (Some(s3::bucket()), s3::settings()),
        false => (None, Vec::new()),
    }
}

/// A server over `database` (PostgreSQL; the embedded one when `None`): several may share
/// one database, as instances behind a load balancer do.
pub fn server_on(database: Option<String>, limits: brigada_sync::listen::Limits) -> Server {
    let (blobs, blob_settings) = test_blobs();
    server_over(database, blobs, blob_settings, limits)
}

/// A server over `database` and the bucket `blobs` (with its settings): instances that
/// share both are one deployment.
pub fn server_over(
    database: Option<String>,
    blobs: Option<String>,
    blob_settings: Vec<(String, String)>,
    limits: brigada_sync::listen::Limits,
) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let options = brigada_sync::Options {
        tls: None,
        limits,
        database,
        blobs,
        blob_settings,
    };
    let running = brigada_sync::spawn_with("127.0.0.1:0", dir.path(), options).unwrap();
    Server { _dir: dir, running }
}

/// A device store enrolled with a [`Server`].
pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub id: String,
}

impl Server {
    /// The server's data folder.
    pub fn data(&self) -> &Path {
        self._dir.path()
    }

    /// Stop the server and keep its data folder.
    pub fn stop(self) -> tempfile::TempDir {
        drop(self.running);
        self._dir
    }

    /// A new device store enrolled as `person` with `role` and `seccion`.
    pub fn device(&self, name: &str, person: &str, role: brigada_sync::devices::Role, seccion: &str) -> Device {
        let (dir, mut store) = temp_store(name);
        let (d, code) = brigada_sync::add_device(self.running.storage.as_ref(), person, role, seccion).unwrap();
        let url = self.running.url();
        brigada_core::sync::lend::enroll(&std::cell::RefCell::new(&mut store), &url, Some(&code), None).unwrap();
        assert_eq!(store.device().person, person);
        Device { dir, store, id: d.id }
    }
}

impl Device {
    pub fn sync(&mut self) -> brigada_core::Result<brigada_core::sync::Summary> {
        self.store.sync_now(&mut |_| {})
    }

    /// Sync through another server than the one it enrolled with (another instance
    /// sharing the same database).
    pub fn sync_via(&mut self, other: &Server) -> brigada_core::Result<brigada_core::sync::Summary> {
        let token = self.store.sync_setting("token")?.unwrap_or_default();
        let mut t = brigada_core::sync::http::HttpTransport::new(&other.running.url(), &token, None)?;
        self.store.sync_with(&mut t, &mut |_| {})
    }

    pub fn transport(&self) -> brigada_core::sync::http::HttpTransport {
        let url = self.store.sync_setting("server_url").unwrap().unwrap();
        let token = self.store.sync_setting("token").unwrap().unwrap();
        brigada_core::sync::http::HttpTransport::new(&url, &token, None).unwrap()
    }

    pub fn folios(&self) -> Vec<String> {
        let mut f: Vec<String> = self
            .store
            .list(&Default::default())
            .unwrap()
            .into_iter()
            .map(|r| r.folio)
            .collect();
        f.sort();
        f
    }
}

/// Replace the `## {heading}` section of a Markdown file (up to the next `## `), or
/// append it: each benchmark owns one section of docs/BENCHMARKS.md.
pub fn write_section(path: &Path, heading: &str, body: &str) -> std::io::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let marker = format!("\n## {heading}");
    let section = format!("{marker}\n\n{}\n", body.trim());
    let new = match old.find(&marker) {
        Some(start) => {
            let rest = &old[start + marker.len()..];
            let end = rest.find("\n## ").map_or(old.len(), |i| start + marker.len() + i);
            format!("{}{section}{}", &old[..start], &old[end..])
        }
        None => format!("{}\n{section}", old.trim_end()),
    };
    std::fs::write(path, new)
}

/// Rasterise a PDF with poppler's `pdftoppm` at `dpi`, in gray; one image per page.
pub fn rasterise(pdf_bytes: &[u8], dpi: u32) -> Vec<image::GrayImage> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf_bytes).expect("pdf written");
    let ok = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(&file)
        .arg(dir.path().join("p"))
        .status()
        .expect("pdftoppm is needed (apt install poppler-utils)")
        .success();
    assert!(ok, "pdftoppm failed");
    // pdftoppm zero-pads page numbers, so the names sort in page order.
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("pages")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| image::open(p).expect("a page image").to_luma8())
        .collect()
}

/// A camera's picture of a printed tag: the QR on a white label, turned a few degrees, on a
/// grey desk, slightly out of focus, with sensor noise, as a 1280×720 JPEG — what a tablet
/// camera sees, not a clean rendering. Deterministic for a given `text` and `seed`.
pub fn camera_photo_of_tag(text: &str, seed: u64) -> Vec<u8> {
    use image::{GrayImage, Luma, Rgb, RgbImage};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let qr = brigada_core::qr::encode_luma(text, 9).expect("a QR");
    // The label: the code with a white margin.
    let side = qr.width() + 80;
    let mut label = GrayImage::from_pixel(side, side, Luma([245]));
    image::imageops::overlay(&mut label, &qr, 40, 40);
    let (w, h) = (1280u32, 720u32);
    let angle = 7f64.to_radians();
    let (sin, cos) = angle.sin_cos();
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    let half = f64::from(side) / 2.0;
    let mut frame = RgbImage::new(w, h);
    for (x, y, px) in frame.enumerate_pixels_mut() {
        // Back-map each frame pixel onto the label (rotation about the centre).
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        let (lx, ly) = (cos * dx + sin * dy + half, -sin * dx + cos * dy + half);
        let desk = 110.0 + 25.0 * (f64::from(x) / f64::from(w)) + 10.0 * (f64::from(y) / f64::from(h));
        let v = if lx >= 0.0 && ly >= 0.0 && lx < f64::from(side) && ly < f64::from(side) {
            // Uneven light across the label.
            f64::from(label.get_pixel(lx as u32, ly as u32)[0]) * (0.8 + 0.15 * lx / f64::from(side))
        } else {
            desk
        };
        let g = v.clamp(0.0, 255.0) as u8;
        *px = Rgb([g, g, g.saturating_sub(6)]);
    }
    let mut frame = image::imageops::blur(&frame, 1.3);
    for px in frame.pixels_mut() {
        let n: i16 = rng.gen_range(-14..=14);
        for c in px.0.iter_mut() {
            *c = (i16::from(*c) + n).clamp(0, 255) as u8;
        }
    }
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&frame)
        .expect("jpeg");
    jpeg.into_inner()
}

/// A crafted input kept in `tests/fixtures/untrusted/` (each found by a fuzzer).
pub fn untrusted_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/untrusted")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A `scenario_server` process (beside the running binary) on a free port over `data`:
/// the child and its URL. Benchmarks measure its memory alone this way.
pub fn server_process(data: &Path) -> anyhow::Result<(std::process::Child, String)> {
    use anyhow::Context;
    use std::io::BufRead;
    let server_bin = std::env::current_exe()?.with_file_name("scenario_server");
    let mut server = std::process::Command::new(&server_bin)
        .args(["127.0.0.1:0", data.to_str().unwrap_or_default()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", server_bin.display()))?;
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().context("no stdout")?).read_line(&mut line)?;
    // The server prints "ready"; find its port from /proc.
    let port = listening_port(server.id()).context("cannot find the server's port")?;
    Ok((server, format!("http://127.0.0.1:{port}")))
}

/// A process's resident memory now (`VmRSS`) or at its peak (`VmHWM`), in KiB.
pub fn rss_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The TCP port a process listens on, from /proc/net/tcp and its socket inodes.
pub fn listening_port(pid: u32) -> Option<u16> {
    socket_lines(pid).into_iter().find_map(|f| {
        (f.get(3).map(String::as_str) == Some("0A"))
            .then(|| u16::from_str_radix(f[1].split(':').nth(1)?, 16).ok())
            .flatten()
    })
}

/// TCP connections a process holds open (established, not listening).
pub fn open_connections(pid: u32) -> usize {
    socket_lines(pid)
        .iter()
        .filter(|f| f.get(3).map(String::as_str) == Some("01"))
        .count()
}

/// The /proc/net/tcp lines (split in fields) of the process's own sockets.
fn socket_lines(pid: u32) -> Vec<Vec<String>> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|l| {
            l.to_str()
                .and_then(|s| s.strip_prefix("socket:["))
                .map(|s| s.trim_end_matches(']').to_owned())
        })
        .collect();
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    tcp.lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|f| f.get(9).is_some_and(|i| inodes.contains(i)))
        .collect()
}

/// Words people search the fixture's archive for (accent-folded, a unidad, a folio).
pub const SEARCH_WORDS: [&str; 8] = [
    "camara",
    "urgencias",
    "plafon",
    "rio blanco",
    "laboratorio",
    "tuxpan",
    "mendez",
    "RT-2026-T90-0042",
];

/// A spreadsheet as a real reader sees it (Python's openpyxl from Debian's
/// python3-openpyxl, installed by `make test`, so Debian's own interpreter): per
/// sheet its frozen cell, its filter range and every cell as `{"t": type, "v": value}`
/// (`int`, `float`, `str`, `datetime`, `None`), in sheet order.
pub fn read_xlsx(path: &Path) -> serde_json::Value {
    const SCRIPT: &str = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = []
for ws in wb.worksheets:
    rows = [[{"t": type(c.value).__name__, "v": c.value if not hasattr(c.value, "isoformat") else c.value.isoformat(), "bold": bool(c.font and c.font.b)} for c in r] for r in ws.iter_rows()]
    out.append({"name": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "rows": rows})
print(json.dumps(out))
"#;
    let out = std::process::Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT])
        .arg(path)
        .output()
        .expect("python3 with openpyxl (python3-openpyxl)");
    assert!(
        out.status.success(),
        "openpyxl could not read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the reader's JSON")
}

/// The text of a PDF file (poppler's pdftotext, layout kept).
pub fn pdf_text(path: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Edit an expediente as a dishonest device would: a direct Automerge change under
/// `actor`, merged into the store like an imported copy.
pub fn raw_edit(
    store: &mut Store,
    job: &str,
    actor: automerge::ActorId,
    f: impl FnOnce(&mut brigada_core::model::Expediente),
) {
    let (id, bytes) = store.document_bytes(job).unwrap();
    let mut d = automerge::Automerge::load(&bytes).unwrap();
    let mut exp: brigada_core::model::Expediente = brigada_core::doc::read(&id, &d).unwrap();
    f(&mut exp);
    let author = brigada_core::doc::Author {
        person: store.device().person.clone(),
        device_code: store.device().code.clone(),
        actor,
    };
    brigada_core::doc::write(&mut d, &exp, &author, "editar", brigada_core::time::now_ms()).unwrap();
    store.merge_document(&d.save()).unwrap();
}
