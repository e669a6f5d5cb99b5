//! The administrator's commands: add a device (code + QR), list, revoke.

use std::process::Command;

fn admin(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brigada-sync"))
        .args(args)
        .arg("--data")
        .arg(data)
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
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    let code = v["code"].as_str().unwrap();
    assert_eq!(code.len(), 24);
    // The QR on paper says where to go and with which code.
    let png = std::fs::read(v["qr_png"].as_str().unwrap()).unwrap();
    let decoded = brigada_core::qr::decode_bytes(&png).unwrap();
    assert_eq!(decoded.payload, format!("brigada-enroll:http://127.0.0.1:8787#{code}"));
    let list: serde_json::Value =
        serde_json::from_slice(&admin(dir.path(), &["device", "list", "--json"]).stdout).unwrap();
    assert_eq!(list[0]["person"], "Ana Karen");
    assert!(list[0]["revoked_at"].is_null());
    assert!(admin(dir.path(), &["device", "revoke", &id]).status.success());
    let list: serde_json::Value =
        serde_json::from_slice(&admin(dir.path(), &["device", "list", "--json"]).stdout).unwrap();
    assert!(list[0]["revoked_at"].is_i64());
    // Bad input: one clear line, non-zero exit.
    let out = admin(dir.path(), &["device", "revoke", "no-such-id"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("device list"));
    let out = admin(dir.path(), &["device", "add", "--name", "X", "--role", "jefe"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tecnico, oficina or admin"));
    let out = admin(dir.path(), &["device", "add", "--name", " ", "--role", "admin"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("name is empty"));
}
