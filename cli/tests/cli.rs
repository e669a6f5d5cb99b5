//! The `brigada` binary as scripts and office staff use it: exit codes, JSON shapes,
//! one-line errors on bad input, never a panic trace.

use std::path::Path;
use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let e = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = e.run(&["init", "--device-name", "Tablet 07", "--person", "Ana Karen"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        e
    }

    fn home(&self) -> std::path::PathBuf {
        self.dir.path().join("home")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with("demo-1234", args)
    }

    /// These checks read the English locale; the Spanish default has its own test.
    fn run_with(&self, pass: &str, args: &[&str]) -> Output {
        self.run_in(pass, "en_US.UTF-8", args)
    }

    /// Run with `LANG=lang` (and no LC_ALL or LC_MESSAGES to override it).
    fn run_in(&self, pass: &str, lang: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_brigada"))
            .arg("--home")
            .arg(self.home())
            .args(args)
            .env("BRIGADA_PASSPHRASE", pass)
            .env("LANG", lang)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.run(&a);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Run expecting failure: one line on stderr with the given code and hint.
    fn fails(&self, args: &[&str], code: &str, hint: &str) {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line expected, got {err}");
        assert!(err.starts_with(&format!("error[{code}]")), "{args:?}: {err}");
        assert!(err.contains(hint), "{args:?}: {err:?} lacks {hint:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn create_follow_sign_search_and_export() {
    let e = Env::new();
    let created = e.json(&[
        "new",
        "--procedure",
        "P1",
        "--area",
        "Urgencias",
        "--request",
        "oficio 4512/2026",
    ]);
    let folio = created["folio"].as_str().unwrap().to_owned();
    assert!(folio.starts_with("RT-") && folio.ends_with("-T07-0001"), "{folio}");
    assert_eq!(created["id"].as_str().unwrap().len(), 36);
    assert!(e.run(&["set", &folio, "solicitud.fecha=2026-11-20"]).status.success());
    assert!(e.run(&["step", &folio, "1"]).status.success());
    let show = e.json(&["show", &folio]);
    assert_eq!(show["status"]["current"], "2");
    assert_eq!(show["expediente"]["solicitud"]["numero"], "4512/2026");
    let strokes = e.dir.path().join("firma.json");
    std::fs::write(&strokes, r#"[[[0,0],[50,40],[90,10]]]"#).unwrap();
    let sig = e.json(&[
        "sign",
        &folio,
        "--role",
        "tecnico",
        "--name",
        "Ana Karen",
        "--strokes",
        strokes.to_str().unwrap(),
    ]);
    assert_eq!(sig["stamp"]["device"], "T07");
    assert_eq!(sig["seal"].as_str().unwrap().len(), 128);
    let paper = e.dir.path().join("oficio.png");
    assert!(e.run(&["tag", "9", "--out", paper.to_str().unwrap()]).status.success());
    assert!(
        e.run(&["attach", &folio, paper.to_str().unwrap(), "--solicitud"])
            .status
            .success()
    );
    let show = e.json(&["show", &folio]);
    assert_eq!(show["expediente"]["solicitud"]["foto"].as_str().unwrap().len(), 64);
    assert!(
        show["expediente"]["photos"].as_array().unwrap().is_empty(),
        "the paper is not a step photo"
    );
    let list = e.json(&["list", "--query", "urgencias"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let history = e.json(&["history", &folio]);
    assert_eq!(history.as_array().unwrap().len(), 5);
    // A step photo too: its picture and its thumbnail travel with an export.
    assert!(
        e.run(&["attach", &folio, paper.to_str().unwrap(), "--caption", "nodo"])
            .status
            .success()
    );
    let out = e.dir.path().join("export");
    assert!(
        e.run(&["export", &folio, "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    assert!(out.join("document.automerge").exists());
    let photo = &e.json(&["show", &folio])["expediente"]["photos"][0];
    for blob in [&photo["blob"], &photo["thumb"]] {
        let h = blob.as_str().expect("a photo and its thumbnail");
        assert!(out.join("blobs").join(h).exists(), "{h} missing from the export");
    }
    // Solicitud photo, signature strokes and image, the photo and its thumbnail.
    assert_eq!(std::fs::read_dir(out.join("blobs")).unwrap().count(), 5);
}

#[test]
fn scan_reports_tags_assets_and_foreign_codes() {
    let e = Env::new();
    let png = e.dir.path().join("tag.png");
    assert!(e.run(&["tag", "123", "--out", png.to_str().unwrap()]).status.success());
    let r = e.json(&["scan", png.to_str().unwrap()]);
    assert_eq!(r["payload"], "SESVER:DTI:ACT:000123");
    assert!(r["asset"].is_null());
    assert!(
        e.run(&[
            "asset",
            "add",
            "--tag",
            "SESVER:DTI:ACT:000123",
            "--kind",
            "switch",
            "--brand",
            "Cisco"
        ])
        .status
        .success()
    );
    let r = e.json(&["scan", png.to_str().unwrap()]);
    assert_eq!(r["asset"]["brand"], "Cisco");
    let tag = "SESVER:DTI:ACT:000123";
    assert!(
        e.run(&["asset", "set", tag, "piso=2", "status=en-reparacion", "sala=Site B"])
            .status
            .success()
    );
    let a = e.json(&["asset", "show", tag]);
    assert_eq!(a["asset"]["location"]["piso"], "2");
    assert_eq!(a["asset"]["status"], "en-reparacion");
    e.fails(&["asset", "set", tag, "status=perdido"], "invalid_field", "activo");
    e.fails(
        &["asset", "set", tag, "tag=SESVER:DTI:ACT:000124"],
        "invalid_field",
        "never changes",
    );
    e.fails(
        &["asset", "show", "SESVER:DTI:ACT:999999"],
        "asset_not_found",
        "register it first",
    );
    // A real photo of someone else's QR.
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/testdata/qr-photos/qrcode-1/1.webp");
    let r = e.json(&["scan", photo.to_str().unwrap()]);
    assert!(r["tag"].is_null());
    assert!(!r["payload"].as_str().unwrap().is_empty());
    let out = e.run(&["scan", photo.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Not a Brigada tag; the code says"));
}

#[test]
fn bad_input_gets_one_clear_line_and_a_nonzero_exit() {
    let e = Env::new();
    let created = e.json(&["new", "--procedure", "P1", "--area", "Urgencias"]);
    let f = created["folio"].as_str().unwrap().to_owned();
    let not_image = e.dir.path().join("nota.txt");
    std::fs::write(&not_image, "hola").unwrap();
    let blank = e.dir.path().join("blanco.png");
    std::fs::write(&blank, brigada_core_png()).unwrap();
    e.fails(
        &["new", "--procedure", "P9", "--area", "x"],
        "unknown_procedure",
        "brigada procedures",
    );
    e.fails(
        &["new", "--procedure", "P1", "--area", " "],
        "invalid_field",
        "Requesting area",
    );
    e.fails(&["step", &f, "5"], "illegal_transition", "current step is 1");
    e.fails(&["step", &f, "ZZ"], "unknown_step", "ZZ");
    e.fails(&["show", "RT-1999-X-0001"], "not_found", "brigada list");
    e.fails(&["show", "%"], "not_found", "brigada list");
    assert!(
        e.run(&["asset", "add", "--tag", "SESVER:DTI:ACT:000001", "--kind", "radio"])
            .status
            .success()
    );
    e.fails(&["show", "asset:SESVER:DTI:ACT:000001"], "not_found", "brigada list");
    e.fails(&["set", &f, "trayectoria"], "invalid_input", "FIELD=VALUE");
    e.fails(
        &["attach", &f, not_image.to_str().unwrap()],
        "invalid_input",
        "not an image",
    );
    e.fails(&["attach", &f, "/no/such/file.jpg"], "bad_file", "/no/such/file.jpg");
    e.fails(&["scan", not_image.to_str().unwrap()], "error", "not an image");
    e.fails(&["scan", blank.to_str().unwrap()], "error", "no QR code found");
    e.fails(
        &[
            "sign",
            &f,
            "--role",
            "testigo",
            "--name",
            "X",
            "--strokes",
            not_image.to_str().unwrap(),
        ],
        "invalid_field",
        "conformidad",
    );
    e.fails(
        &[
            "sign",
            &f,
            "--role",
            "acuse",
            "--name",
            "X",
            "--strokes",
            not_image.to_str().unwrap(),
        ],
        "invalid_input",
        "strokes are not valid",
    );
    e.fails(
        &["asset", "add", "--tag", "ABC", "--kind", "radio"],
        "invalid_field",
        "SESVER:DTI:ACT:000123",
    );
    e.fails(
        &["resolve", &f, "3", "--answer", "si"],
        "illegal_transition",
        "no conflict",
    );
    e.fails(
        &["init", "--device-name", "Otra"],
        "already_initialised",
        "another --home",
    );
    // Nothing of the refused attempts was stored.
    assert_eq!(e.json(&["history", &f]).as_array().unwrap().len(), 1);
    // A wrong passphrase: its own exit code, nothing touched.
    let out = e.run_with("equivocada", &["list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Wrong passphrase"));
    // A home that was never initialised.
    let out = Command::new(env!("CARGO_BIN_EXE_brigada"))
        .args(["--home", "/nonexistent/brigada", "list"])
        .env("BRIGADA_PASSPHRASE", "x1234")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("brigada init"));
}

#[test]
fn overdue_lists_p6_jobs_past_their_escalation() {
    let e = Env::new();
    let f = e.json(&["new", "--procedure", "P6", "--area", "Admisión"])["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        e.run(&["set", &f, "proveedor=telmex", "reporte_levantado_en=2026-01-05 09:30"])
            .status
            .success()
    );
    let overdue = e.json(&["list", "--overdue"]);
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    assert_eq!(overdue[0]["folio"], f.as_str());
    let show = e.json(&["show", &f]);
    assert_eq!(show["status"]["escalations"][0]["state"], "overdue");
}

/// A blank white PNG.
#[test]
fn documents_print_verify_and_labels_from_the_command_line() {
    let e = Env::new();
    let p = |name: &str| e.dir.path().join(name).to_str().unwrap().to_owned();
    let folio = e.json(&[
        "new",
        "--procedure",
        "P1",
        "--area",
        "Urgencias",
        "--request",
        "oficio 7/2026",
    ])["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    for args in [
        vec!["set", &folio, "solicitud.fecha=2026-11-20"],
        vec!["step", &folio, "1"],
        vec!["step", &folio, "2"],
        vec!["set", &folio, "ubicacion=Urgencias", "trayectoria=Plafón"],
        vec!["step", &folio, "3", "--answer", "no"],
        vec![
            "set",
            &folio,
            "motivo_inviabilidad=El muro es de carga y no admite canaleta",
        ],
    ] {
        let out = e.run(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::write(p("firma.json"), r#"[[[0,0],[50,40],[90,10]]]"#).unwrap();
    e.json(&[
        "sign",
        &folio,
        "--role",
        "acuse",
        "--name",
        "Dra. Laura Méndez",
        "--strokes",
        &p("firma.json"),
    ]);
    assert!(e.run(&["step", &folio, "3A"]).status.success());

    let list = e.json(&["pdf", &folio, "--list"]);
    assert_eq!(list[0]["kind"], "justificacion-inviabilidad");
    assert_eq!(list[0]["issued"], true);
    let printed = e.json(&["pdf", &folio, "--out", &p("doc.pdf")]);
    assert_eq!(printed["documents"], 1);
    let pdf_bytes = std::fs::read(p("doc.pdf")).unwrap();
    assert!(pdf_bytes.starts_with(b"%PDF-"));
    // This device never enrolled: its seal is not backed by an enrolled key.
    let out = e.run(&["--json", "verify", &p("doc.pdf")]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "invalid");
    assert!(v["reason"].as_str().unwrap().contains("not enrolled"), "{v}");
    // The same verdict from a picture of the printed page (its QR), and from the REF.
    let page = e.dir.path().join("page");
    let ok = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile", &p("doc.pdf")])
        .arg(&page)
        .status()
        .expect("pdftoppm (poppler-utils)")
        .success();
    assert!(ok);
    let out = e.run(&["--json", "verify", &p("page.png")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["document"], "Justificación técnica de inviabilidad", "{v}");
    // The scanner recognises a printed document and checks it.
    let scanned = e.json(&["scan", &p("page.png")]);
    assert_eq!(scanned["document"]["folio"], folio.as_str(), "{scanned}");
    assert_eq!(scanned["document"]["status"], "invalid");
    let out = e.run(&["--json", "verify", &folio]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signatures"][0]["name"], "Dra. Laura Méndez");

    let draft = e.json(&[
        "pdf",
        &folio,
        "--document",
        "justificacion-inviabilidad",
        "--draft",
        "--out",
        &p("b.pdf"),
    ]);
    assert_eq!(draft["documents"], 1);
    e.fails(
        &["pdf", &folio, "--document", "carta", "--out", &p("x.pdf")],
        "invalid_field",
        "justificacion-tecnica",
    );
    e.fails(
        &["pdf", &folio, "--paper", "tabloide", "--out", &p("x.pdf")],
        "invalid_input",
        "letter, oficio or A4",
    );
    e.fails(
        &[
            "pdf",
            &folio,
            "--document",
            "formato-instalacion-voz-datos",
            "--out",
            &p("x.pdf"),
        ],
        "invalid_input",
        "as a draft",
    );
    std::fs::write(p("other.pdf"), b"%PDF-1.7 nothing here").unwrap();
    e.fails(
        &["verify", &p("other.pdf")],
        "invalid_input",
        "no Brigada verification code",
    );

    // Labels: reprinting works anywhere; new tags need a range from the office server.
    let l = e.json(&["labels", "--reprint", "SESVER:DTI:ACT:000001", "--out", &p("l.pdf")]);
    assert_eq!(l["tags"][0], "SESVER:DTI:ACT:000001");
    e.fails(
        &["labels", "--count", "3", "--out", &p("l.pdf")],
        "invalid_input",
        "Connect to the office server",
    );
    e.fails(
        &["labels", "--count", "3", "--layout", "a5", "--out", &p("l.pdf")],
        "invalid_field",
        "letter-3x10",
    );
}

fn brigada_core_png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image_blank().write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn image_blank() -> image::GrayImage {
    image::GrayImage::from_pixel(320, 240, image::Luma([255]))
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_command_quietly() {
    use std::process::Stdio;
    let e = Env::new();
    let folio = e.json(&[
        "new",
        "--procedure",
        "P1",
        "--area",
        "Urgencias",
        "--request",
        "oficio 1/2026",
    ])["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    // `brigada --json show REF | head -c 100` where head has gone before brigada writes:
    // the read end is closed at once (the store's unlock takes far longer than that).
    let mut child = Command::new(env!("CARGO_BIN_EXE_brigada"))
        .arg("--home")
        .arg(e.home())
        .args(["--json", "show", &folio])
        .env("BRIGADA_PASSPHRASE", "demo-1234")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.is_empty(), "a closed pipe must end quietly, got {err:?}");
    assert_eq!(
        out.status.code(),
        Some(141),
        "the status a shell gives a program stopped by a closed pipe"
    );
}

#[test]
fn errors_are_in_spanish_by_default_and_in_english_when_lang_says_so() {
    let e = Env::new();
    let run = |lang: &str| e.run_in("demo-1234", lang, &["new", "--procedure", "P1", "--area", " "]);
    for lang in ["es_MX.UTF-8", "C.UTF-8", ""] {
        let err = String::from_utf8_lossy(&run(lang).stderr).into_owned();
        assert_eq!(
            err.trim(),
            "error[invalid_field]: El dato «Área solicitante» no es válido: no puede quedar vacío.",
            "LANG={lang:?}"
        );
    }
    let err = String::from_utf8_lossy(&run("en_US.UTF-8").stderr).into_owned();
    assert_eq!(
        err.trim(),
        "error[invalid_field]: Invalid value for «Requesting area»: it cannot be empty."
    );
    // What it says on success too, and a job's fields by their names, never their ids.
    let created = e.json(&[
        "new",
        "--procedure",
        "P1",
        "--area",
        "Urgencias",
        "--unidad",
        "Hospital General",
    ]);
    let folio = created["folio"].as_str().unwrap();
    let set = |lang: &str| e.run_in("demo-1234", lang, &["set", folio, "ubicacion=Site 2"]);
    assert_eq!(
        String::from_utf8_lossy(&set("C.UTF-8").stdout).trim(),
        "Datos guardados: 1"
    );
    assert_eq!(
        String::from_utf8_lossy(&set("en_US.UTF-8").stdout).trim(),
        "Fields saved: 1"
    );
    let shown = String::from_utf8_lossy(&e.run_in("demo-1234", "C.UTF-8", &["show", folio]).stdout).into_owned();
    assert!(
        shown.contains("Estado: en curso") && shown.contains("Ubicación de los servicios: Site 2"),
        "{shown}"
    );
    assert!(
        !shown.contains("ubicacion") && !shown.contains("en-curso"),
        "an internal id shows: {shown}"
    );
    let shown = String::from_utf8_lossy(&e.run_in("demo-1234", "en_US.UTF-8", &["show", folio]).stdout).into_owned();
    assert!(shown.contains("State: in progress"), "{shown}");
}

#[test]
fn a_backup_medium_label_and_a_visit_that_continues_as_a_repair() {
    let e = Env::new();
    let out = e.dir.path().join("medio.pdf");
    let f = e.json(&["new", "--procedure", "P7", "--area", "Farmacia"])["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = e.run(&["medium-label", &f, "--out", out.to_str().unwrap()]);
    assert!(!refused.status.success() && !out.exists(), "nothing to say yet");
    assert!(
        e.run(&["set", &f, "informacion=Base de datos de farmacia"])
            .status
            .success()
    );
    let label = e.json(&["medium-label", &f, "--out", out.to_str().unwrap()]);
    assert!(
        label["label"]["words"]
            .as_str()
            .unwrap()
            .starts_with("Base de datos de farmacia — ")
    );
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF"));
    assert_eq!(
        e.json(&["show", &f])["expediente"]["fields"]["etiqueta"],
        label["label"]["words"]
    );

    let visit = e.json(&["new", "--procedure", "P5", "--area", "Trabajo Social"])["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !e.run(&["continue", &visit]).status.success(),
        "the visit has not ended"
    );
    assert!(e.run(&["set", &visit, "falla=No enciende"]).status.success());
    assert!(e.run(&["equipment", &visit, "123"]).status.success());
    for (step, answer) in [("1", None), ("2", Some("si")), ("3", Some("si")), ("4", None)] {
        let mut args = vec!["step", &visit, step];
        if let Some(a) = answer {
            args.extend(["--answer", a]);
        }
        assert!(e.run(&args).status.success(), "step {step}");
    }
    let repair = e.json(&["continue", &visit]);
    let shown = e.json(&["show", repair["folio"].as_str().unwrap()]);
    assert_eq!(shown["expediente"]["procedure_id"], "P3");
    assert_eq!(shown["expediente"]["fields"]["falla"], "No enciende");
    assert_eq!(shown["origin"]["folio"], visit.as_str());
}

#[test]
fn the_periods_figures_from_the_command_line() {
    let e = Env::new();
    let f = e.json(&["new", "--procedure", "P1", "--area", "Urgencias"])["folio"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        e.run(&["material", &f, "--item", "Cable UTP", "--qty", "20", "--unit", "m"])
            .status
            .success()
    );
    // By default this month so far: what was just done falls in it.
    let r = e.json(&["report"]);
    assert_eq!(
        (r["opened"].as_u64(), r["closed"].as_u64(), r["open_at_end"].as_u64()),
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(r["materials"][0]["quantity"], 20.0);
    // In Spanish by default: a line per figure.
    let human = e.run_in("demo-1234", "es_MX.UTF-8", &["report"]);
    let said = String::from_utf8_lossy(&human.stdout);
    assert!(
        said.contains("Abiertos: 1 · cerrados: 0") && said.contains("20 m de Cable UTP"),
        "{said}"
    );
    assert!(said.contains("Carga de Sin asignar: 1 abiertos"), "{said}");
    // Taken away: the files are written whole, the printed numbers unchanged.
    let d = e.dir.path();
    let (xlsx, csv, pdf) = (d.join("r.xlsx"), d.join("csv"), d.join("r.pdf"));
    let files = e.json(&[
        "report",
        "--xlsx",
        xlsx.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    let figures = |v: &serde_json::Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("as_of");
        v
    };
    assert_eq!(figures(&files), figures(&r), "the same figures with or without files");
    assert!(files["as_of"].as_i64().unwrap() >= r["as_of"].as_i64().unwrap());
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an XLSX is a zip");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let resumen = std::fs::read_to_string(csv.join("resumen.csv")).unwrap();
    assert!(
        resumen.contains("Opened in the period,1"),
        "in the CLI's language (LANG): {resumen}"
    );
    let human = e.run_in("demo-1234", "es_MX.UTF-8", &["report", "--pdf", pdf.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("Guardado: "));
    let nowhere = e.run(&["report", "--xlsx", "/no/such/folder/r.xlsx"]);
    assert!(!nowhere.status.success());
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("/no/such/folder/r.xlsx"));
    let backwards = e.run_in(
        "demo-1234",
        "es_MX.UTF-8",
        &["report", "--from", "2026-12-31", "--to", "2026-01-01"],
    );
    assert!(!backwards.status.success());
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("antes de empezar"));
}

#[test]
fn the_archive_filters_by_procedure_seccion_tecnico_state_and_days() {
    let e = Env::new();
    let new = |procedure: &str, who: &str| {
        e.json(&["new", "--procedure", procedure, "--area", "Urgencias", "--assign", who])["folio"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let p6 = new("P6", "Luis");
    let p4 = new("P4", "Ana");
    let _p1 = new("P1", "Ana");
    let folios = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["list"];
        a.extend_from_slice(args);
        let mut f: Vec<String> = e
            .json(&a)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["folio"].as_str().unwrap().to_owned())
            .collect();
        f.sort();
        f
    };
    assert_eq!(folios(&["--procedure", "P6"]), std::slice::from_ref(&p6));
    assert_eq!(folios(&["--seccion", "IT"]), std::slice::from_ref(&p4));
    assert_eq!(folios(&["--tecnico", "Luis"]), std::slice::from_ref(&p6));
    assert_eq!(folios(&["--state", "terminado"]), Vec::<String>::new());
    // Days: everything was opened today; nothing the day before yesterday and earlier.
    assert_eq!(folios(&["--from", "2000-01-01"]).len(), 3);
    assert_eq!(folios(&["--to", "2000-01-01"]), Vec::<String>::new());
    assert_eq!(
        folios(&["--from", "2000-01-01", "--seccion", "RT", "--tecnico", "Ana"]).len(),
        1
    );
}
