//! The administrator's commands: add a device (code + QR), list, revoke, backup and restore.

use std::process::Command;

/// Run an admin command as on a fresh server, whose locale names no language (Spanish).
fn admin(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    admin_in("C.UTF-8", data, args)
}

fn admin_in(lang: &str, data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brigada-sync"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .unwrap()
}

#[test]
fn add_list_and_revoke_devices() {
    let dir = tempfile::tempdir().unwrap();
    let out = admin(
        dir.path(),
        &[
            "device",
            "add",
            "--name",
            "Ana Karen",
            "--role",
            "tecnico",
            "--seccion",
            "RT",
            "--qr-png",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    let code = v["code"].as_str().unwrap();
    assert_eq!(code.len(), 24);
    // The QR on paper is a picture at the path given, for the payload given (that a camera
    // reads it back is tested with the core's decoder in tests/tests/enrolment_qr.rs).
    assert_eq!(v["qr_payload"], format!("brigada-enroll:http://127.0.0.1:8787#{code}"));
    // The QR is a secret until used: only its owner reads it.
    let png_path = std::path::PathBuf::from(v["qr_png"].as_str().unwrap());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&png_path), 0o600);
        assert_eq!(mode(png_path.parent().unwrap()), 0o700);
        // So is everything the server keeps.
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(&dir.path().join("brigada-sync.db")), 0o600);
    }
    let png = std::fs::File::open(&png_path).unwrap();
    let info = png::Decoder::new(std::io::BufReader::new(png))
        .read_info()
        .unwrap()
        .info()
        .clone();
    assert!(
        info.width >= 200 && info.width == info.height,
        "{}×{}",
        info.width,
        info.height
    );
    let list: serde_json::Value =
        serde_json::from_slice(&admin(dir.path(), &["device", "list", "--json"]).stdout).unwrap();
    assert_eq!(list[0]["person"], "Ana Karen");
    assert!(list[0]["revoked_at"].is_null());
    assert!(admin(dir.path(), &["device", "revoke", &id]).status.success());
    assert!(!png_path.exists(), "a revoked device's QR is deleted");
    let list: serde_json::Value =
        serde_json::from_slice(&admin(dir.path(), &["device", "list", "--json"]).stdout).unwrap();
    assert!(list[0]["revoked_at"].is_i64());
    // Bad input: one clear line with its code, non-zero exit; in Spanish unless LANG
    // asks for English.
    let out = admin(dir.path(), &["device", "revoke", "no-such-id"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error[not_found]: No hay dispositivo no-such-id") && err.contains("device list"),
        "{err}"
    );
    let out = admin_in("en_US.UTF-8", dir.path(), &["device", "revoke", "no-such-id"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error[not_found]: No device no-such-id"), "{err}");
    let out = admin(dir.path(), &["device", "add", "--name", "X", "--role", "director"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("«director» no es un rol: usa tecnico, oficina, jefe o admin"),
        "{err}"
    );
    let out = admin(dir.path(), &["device", "add", "--name", " ", "--role", "admin"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Falta el nombre de la persona"), "{err}");
    // Success is in the same language: the revocation said in Spanish, then in English.
    let out = admin(
        dir.path(),
        &["device", "add", "--name", "Luis Ángel", "--role", "tecnico", "--json"],
    );
    let other: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(other["qr_png"].is_null(), "no QR picture unless asked: {other}");
    assert!(
        !dir.path()
            .join("inscripciones")
            .join(format!("{}.png", other["id"].as_str().unwrap()))
            .exists()
    );
    let out = admin(dir.path(), &["device", "revoke", other["id"].as_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("revocado"), "{:?}", out);
}

#[test]
fn the_log_written_to_a_file_has_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_brigada-sync"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env_remove("NO_COLOR")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.contains("listening") || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        text.contains("brigada-sync listening"),
        "the server did not start: {text}"
    );
    assert!(!text.contains('\u{1b}'), "ANSI escape codes in a log file: {text:?}");
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let live = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("respaldo.tar");
    let archive_s = archive.to_str().unwrap();
    let add = admin(
        live.path(),
        &[
            "device",
            "add",
            "--name",
            "Ana López",
            "--role",
            "tecnico",
            "--seccion",
            "RT",
        ],
    );
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    // Nothing to back up in a folder that holds no server.
    let none = admin(out.path(), &["backup", "--out", archive_s]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("falta brigada-sync.db"));

    let b = admin(live.path(), &["backup", "--out", archive_s]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert!(
        String::from_utf8_lossy(&b.stdout).contains("1 dispositivos"),
        "{}",
        String::from_utf8_lossy(&b.stdout)
    );

    // Never over a live server.
    let over = admin(live.path(), &["restore", "--from", archive_s]);
    assert!(!over.status.success());
    assert!(String::from_utf8_lossy(&over.stderr).contains("restaura en una carpeta vacía"));
    // A damaged file is refused.
    let junk = out.path().join("junk.tar");
    std::fs::write(&junk, b"no es un respaldo").unwrap();
    let fresh = out.path().join("nuevo");
    let bad = admin(&fresh, &["restore", "--from", junk.to_str().unwrap()]);
    assert!(!bad.status.success());

    let r = admin(&fresh, &["restore", "--from", archive_s]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let said = String::from_utf8_lossy(&r.stdout);
    assert!(said.contains("anulados"), "{said}");
    // The restored server lists the device, whose unused code no longer enrols.
    let list = admin(&fresh, &["device", "list", "--json"]);
    let devices: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&archive), 0o600);
        assert_eq!(mode(&fresh), 0o700);
        assert_eq!(mode(&fresh.join("brigada-sync.db")), 0o600);
    }
}
