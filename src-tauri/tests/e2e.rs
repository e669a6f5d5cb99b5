//! The real app in a real window, driven as a user drives it: WebDriver through
//! tauri-driver and WebKitWebDriver, under its own Xvfb display. A sync server runs in
//! this process. Screenshots of the screens go to `target/screenshots/` for review.
//!
//! Needs (installed by `make test`): Xvfb, WebKitWebDriver (webkit2gtk-driver) and
//! tauri-driver on PATH, and the UI built into `ui/dist` before the app was compiled.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use brigada_core::Store;
use brigada_core::store::InitOptions;
use brigada_core::store::kdf::KdfParams;
use brigada_sync::devices::Role;
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

const PASS: &str = "prueba-1234";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A process killed when dropped.
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An Xvfb display of our own; its number is read back from `-displayfd`.
fn xvfb() -> (Proc, String) {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is needed (apt install xvfb)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("display number");
    (Proc(child), format!(":{}", line.trim()))
}

/// One app instance: its data folder, its display, its tauri-driver and WebDriver session.
struct App {
    driver: WebDriver,
    _tauri_driver: Proc,
    _xvfb: Proc,
}

fn screenshots_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&d).expect("screenshots folder");
    d
}

impl App {
    async fn launch(home: &Path) -> App {
        App::launch_with(home, &[]).await
    }

    /// Launch with extra environment for the app (e.g. a synthetic camera).
    async fn launch_with(home: &Path, env: &[(&str, &Path)]) -> App {
        let (xvfb, display) = xvfb();
        let (port, native) = (free_port(), free_port());
        let td = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DISPLAY", &display)
            .env("BRIGADA_HOME", home)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver is needed (cargo install tauri-driver --locked)");
        let td = Proc(td);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = Capabilities::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({"application": env!("CARGO_BIN_EXE_brigada-app")}),
        );
        let driver = WebDriver::new(&url, caps)
            .await
            .expect("a WebDriver session with the app");
        App {
            driver,
            _tauri_driver: td,
            _xvfb: xvfb,
        }
    }

    async fn el(&self, css: &str) -> WebElement {
        let e = self
            .driver
            .query(By::Css(css))
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .first()
            .await;
        match e {
            Ok(e) => e,
            Err(err) => {
                self.shot("failure").await;
                panic!("{css} did not appear: {err}")
            }
        }
    }

    async fn click(&self, css: &str) {
        let e = self.el(css).await;
        e.wait_until()
            .clickable()
            .await
            .unwrap_or_else(|e| panic!("{css} not clickable: {e}"));
        e.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn type_in(&self, css: &str, text: &str) {
        let e = self.el(css).await;
        e.clear().await.ok();
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Wait until the text of `css` contains `needle`.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.el(css).await.text().await.unwrap_or_default();
            if t.contains(needle) {
                return t;
            }
            if Instant::now() > deadline {
                self.shot("failure").await;
                panic!("{css} never contained {needle:?}; it says {t:?}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn shot(&self, name: &str) {
        let _ = self
            .driver
            .screenshot(&screenshots_dir().join(format!("{name}.png")))
            .await;
    }

    async fn unlock(&self) {
        self.type_in("#passphrase", PASS).await;
        self.click("#unlock").await;
        self.el("#nav-hoy").await;
    }

    /// Draw a zigzag on the signature pad with the pointer, as a finger would.
    async fn draw_signature(&self) {
        let pad = self.el("#firma-pad").await;
        self.driver
            .action_chain()
            .move_to_element_center(&pad)
            .move_by_offset(-120, 0)
            .click_and_hold()
            .move_by_offset(40, -40)
            .move_by_offset(40, 60)
            .move_by_offset(40, -60)
            .move_by_offset(40, 40)
            .release()
            .perform()
            .await
            .expect("drawing on the pad");
    }

    async fn quit(self) {
        let _ = self.driver.quit().await;
    }
}

/// A store set up and enrolled before the app starts (as first run would), with cheap
/// key derivation so the test unlocks fast.
fn prepared_home(dir: &Path, server: &brigada_sync::Running, device: &str, person: &str, role: Role) -> PathBuf {
    let home = dir.join(device.replace(' ', "-"));
    let mut store = Store::init(
        &home,
        PASS,
        InitOptions {
            device_name: device.into(),
            code: None,
            person: Some(person.into()),
            seccion: Some("RT".into()),
            kdf: KdfParams::new_for_tests(),
        },
    )
    .expect("store");
    let (_, code) = brigada_sync::add_device(server.storage.as_ref(), person, role, "RT").expect("device");
    store.enroll(&server.url(), Some(&code), None).expect("enrolment");
    home
}

fn photo_file(dir: &Path) -> PathBuf {
    let p = dir.join("nodo.png");
    std::fs::write(
        &p,
        brigada_core::qr::encode_png("foto del nodo instalado", 4).expect("png"),
    )
    .expect("photo");
    p
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A temporary folder, a sync server in this process, and Ana's tablet enrolled with it.
fn setup() -> (tempfile::TempDir, brigada_sync::Running, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let server = brigada_sync::spawn("127.0.0.1:0", &dir.path().join("server")).unwrap();
    let home = prepared_home(
        dir.path(),
        &server,
        "Tablet 07",
        "Ana Karen Hernández López",
        Role::Tecnico,
    );
    (dir, server, home)
}

#[test]
fn a_technician_follows_p1_signs_and_the_office_sees_it_after_sync() {
    // Stores are prepared with the core's blocking client, outside the async WebDriver part.
    let (dir, server, home) = setup();
    let office_home = prepared_home(dir.path(), &server, "Oficina 01", "Lic. Rosa Aguilar", Role::Oficina);
    let photo = photo_file(dir.path());
    runtime().block_on(technician_then_office(&home, &office_home, &photo));
}

async fn technician_then_office(home: &Path, office_home: &Path, photo: &Path) {
    let app = App::launch(home).await;

    app.shot("01-desbloquear").await;
    app.unlock().await;
    app.shot("02-hoy").await;

    // No camera here: the scanner says so; a keyboard-wedge scanner types an unknown tag.
    app.click("#nav-scan").await;
    app.el("[data-testid=no-camera]").await;
    app.type_in("#scan-text", "999").await;
    app.el("#scan-text")
        .await
        .send_keys(Key::Enter)
        .await
        .expect("Enter, as a wedge scanner sends");
    app.wait_text("[data-testid=unknown-tag]", "SESVER:DTI:ACT:000999")
        .await;
    app.shot("02b-escanear-sin-camara").await;

    // Nuevo expediente.
    app.click("#nav-nuevo").await;
    app.type_in("#unidad", "Hospital Regional de Xalapa").await;
    app.type_in("#area", "Urgencias").await;
    app.type_in("#request", "oficio 4512/2026").await;
    app.shot("03-nuevo").await;
    app.click("#create").await;
    let folio = app.wait_text("[data-testid=folio]", "RT-").await;

    // Steps 1 and 2, then the viability decision.
    app.type_in("[data-field='solicitud.fecha']", "2026-11-20").await;
    app.click("#record").await;
    app.wait_text("[data-testid=current-step]", ": 2").await;
    app.click("#record").await;
    app.wait_text("[data-testid=current-step]", ": 3").await;
    app.type_in("[data-field=ubicacion]", "Sala de espera de Urgencias")
        .await;
    app.type_in("[data-field=trayectoria]", "Por plafón desde el site")
        .await;
    app.shot("04-decision").await;
    app.click("[data-answer=si]").await;
    app.wait_text("[data-testid=current-step]", ": 4").await;

    // Material, then "falta material" → the Justificación técnica at 4A.
    app.type_in("#material-item", "Cable UTP categoría 6").await;
    app.type_in("#material-qty", "120").await;
    app.type_in("#material-unit", "m").await;
    app.click("#material-add").await;
    app.wait_text("[data-testid=materials]", "Cable UTP").await;
    app.click("[data-answer=no]").await;
    app.wait_text("[data-testid=current-step]", "4A").await;

    // A photo from a file.
    app.type_in("#photo-caption", "Trayectoria del cableado").await;
    app.el("#photo-file")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .expect("file chosen");
    app.wait_text("[data-testid=photos]", "Trayectoria del cableado").await;

    // The acuse signs on the pad with the pointer.
    app.click("#sign").await;
    app.wait_text("[data-testid=firma-summary]", folio.trim()).await;
    app.type_in("#firma-name", "Dra. Laura Méndez Ruiz").await;
    app.draw_signature().await;
    app.shot("05-firma").await;
    app.click("#firma-submit").await;
    app.wait_text("[data-testid=signatures]", "Dra. Laura Méndez Ruiz")
        .await;
    app.click("#record").await;
    app.wait_text("[data-testid=state]", "En espera").await;
    let docs = app.wait_text("[data-testid=documents]", "Justificación técnica").await;
    assert!(
        app.el("[data-kind=justificacion-tecnica].issued")
            .await
            .is_displayed()
            .await
            .unwrap(),
        "{docs}"
    );
    app.shot("06-expediente").await;

    // Sync with the server.
    app.click("#nav-sync").await;
    app.click("#sync").await;
    app.wait_text("[data-testid=sync-done]", "1 enviados").await;
    app.shot("07-sincronizar").await;
    app.quit().await;

    // The office, on another device with its own data, receives the job and its signature.
    let office = App::launch(office_home).await;
    office.unlock().await;
    office.click("#nav-sync").await;
    office.click("#sync").await;
    office.wait_text("[data-testid=sync-done]", "1 recibidos").await;
    office.click("#nav-hoy").await;
    office.click(&format!("[data-folio='{}']", folio.trim())).await;
    office
        .wait_text("[data-testid=signatures]", "Dra. Laura Méndez Ruiz")
        .await;
    office
        .wait_text("[data-testid=photos]", "Trayectoria del cableado")
        .await;
    // The head of department countersigns the document the job produced.
    office.click("[data-countersign=justificacion-tecnica]").await;
    office.type_in("#firma-name", "Ing. Roberto Salas Pérez").await;
    office.draw_signature().await;
    office.click("#firma-submit").await;
    office
        .wait_text("[data-testid=signatures]", "Jefe(a) de Departamento")
        .await;
    office.shot("08-oficina-contrafirma").await;
    // And reassigns the job from the office's list.
    office.click("#nav-oficina").await;
    let row = format!("[data-row='{}']", folio.trim());
    let select = office.el(&format!("{row} select")).await;
    SelectElement::new(&select)
        .await
        .expect("a select")
        .select_by_value("José Luis Martínez Cruz")
        .await
        .expect("the técnico is in the catalog");
    office.click(&format!("{row} button:not(.link)")).await;
    office.wait_text(&row, "José Luis Martínez Cruz").await;
    office.shot("08b-oficina").await;
    office.quit().await;
}

/// A P1 job created on `store`, taken to the viability decision (step 3).
fn job_at_decision(store: &mut Store) -> String {
    let c = store
        .create_expediente(brigada_core::expedientes::NewExpediente {
            procedure: "P1".into(),
            area: "Urgencias".into(),
            unidad: Some("Hospital Regional de Veracruz".into()),
            request: Some("oficio 77/2026".into()),
            ..Default::default()
        })
        .expect("job");
    store
        .set_fields(
            &c.id,
            &[
                ("solicitud.fecha".into(), "2026-11-20".into()),
                ("ubicacion".into(), "Admisión".into()),
                ("trayectoria".into(), "Por muro".into()),
            ],
        )
        .expect("fields");
    store.record_step(&c.id, "1", None, None).expect("step 1");
    store.record_step(&c.id, "2", None, None).expect("step 2");
    c.folio
}

/// Answer step 3 in the app, offline, then sync; returns whether the app shows a conflict.
async fn answer_and_sync(home: &Path, folio: &str, answer: &str, shot: &str) -> App {
    let app = App::launch(home).await;
    app.unlock().await;
    app.click(&format!("[data-folio='{folio}']")).await;
    app.wait_text("[data-testid=current-step]", ": 3").await;
    app.click(&format!("[data-answer={answer}]")).await;
    app.wait_text("[data-testid=checklist]", "viable").await;
    app.click("#nav-sync").await;
    app.click("#sync").await;
    app.el("[data-testid=sync-done]").await;
    app.shot(shot).await;
    app
}

#[test]
fn two_devices_answer_one_decision_differently_and_the_conflict_is_shown_and_resolved() {
    let (dir, server, a_home) = setup();
    let b_home = prepared_home(dir.path(), &server, "Tablet 09", "Carlos Domínguez", Role::Tecnico);
    // Ana opens the job and both tablets get it; then each goes offline.
    let folio = {
        let mut a = Store::open(&a_home, PASS).unwrap();
        let folio = job_at_decision(&mut a);
        a.sync_now(&mut |_| {}).unwrap();
        let mut b = Store::open(&b_home, PASS).unwrap();
        b.sync_now(&mut |_| {}).unwrap();
        folio
    };
    runtime().block_on(async {
        // Ana says it is viable and syncs first; Carlos says it is not, then syncs.
        answer_and_sync(&a_home, &folio, "si", "10-conflicto-a")
            .await
            .quit()
            .await;
        let b = answer_and_sync(&b_home, &folio, "no", "11-conflicto-b").await;
        b.click("#nav-hoy").await;
        b.click(&format!("[data-folio='{folio}']")).await;
        let shown = b.wait_text("[data-testid=conflicts]", "Sí, es viable").await;
        assert!(shown.contains("No es viable") && shown.contains("Ana Karen"), "{shown}");
        b.wait_text("[data-testid=state]", "Conflicto").await;
        b.shot("12-conflicto").await;
        // Carlos settles it; the checklist moves on.
        b.click("[data-resolve=si]").await;
        b.wait_text("[data-testid=current-step]", ": 4").await;
        assert!(
            b.driver.find(By::Css("[data-testid=conflicts]")).await.is_err(),
            "the conflict is settled"
        );
        b.quit().await;
    });
}

#[test]
fn the_synthetic_camera_shows_a_tag_and_the_asset_opens() {
    let (dir, _server, home) = setup();
    {
        let mut s = Store::open(&home, PASS).unwrap();
        s.add_asset(brigada_core::assets::NewAsset {
            tag: "SESVER:DTI:ACT:000123".into(),
            kind: "switch".into(),
            brand: "Cisco".into(),
            model: "Catalyst 2960".into(),
            serial: "FOC1234X0AB".into(),
            ..Default::default()
        })
        .unwrap();
    }
    // The camera sees a printed tag.
    let frames = dir.path().join("camara");
    std::fs::create_dir_all(&frames).unwrap();
    std::fs::write(
        frames.join("etiqueta.png"),
        brigada_core::qr::encode_png("SESVER:DTI:ACT:000123", 8).unwrap(),
    )
    .unwrap();
    runtime().block_on(async {
        let app = App::launch_with(&home, &[("BRIGADA_CAMERA_FRAMES", &frames)]).await;
        app.unlock().await;
        app.click("#nav-scan").await;
        let shown = app.wait_text("[data-testid=asset]", "SESVER:DTI:ACT:000123").await;
        assert!(shown.contains("Cisco") && shown.contains("Catalyst 2960"), "{shown}");
        app.shot("09-activo").await;
        app.quit().await;
    });
}
