//! The administrator's commands on a PostgreSQL database (`--database`): devices live in
//! the database, not in the data folder; a wrong address, an unreachable server or a
//! database newer than the binary is refused with a clear message that never repeats the
//! password; a backup taken from the database restores into another; a database on another
//! machine is reached over verified TLS when the address asks.

// The scenario tests' PostgreSQL helper (this crate uses part of it).
#[path = "../../tests/src/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::process::{Command, Output};

fn admin(data: &std::path::Path, database: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_brigada-sync"));
    c.args(args).arg("--data").arg(data);
    if let Some(db) = database {
        c.arg("--database").arg(db);
    }
    c.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("BRIGADA_SYNC_DATABASE")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap()
}

/// A técnico's device added, its record as JSON.
const ADD_ANA: [&str; 9] = [
    "device",
    "add",
    "--name",
    "Ana Karen",
    "--role",
    "tecnico",
    "--seccion",
    "RT",
    "--json",
];

fn ok(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "expected a refusal");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn devices_are_kept_in_the_database_given() {
    let db = pg::database();
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let added = ok(&admin(d, Some(&db), &ADD_ANA));
    let id = added["id"].as_str().unwrap().to_owned();
    let listed = ok(&admin(d, Some(&db), &["device", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["person"], "Ana Karen");
    // The data folder's embedded database holds none of it.
    let embedded = ok(&admin(d, None, &["device", "list", "--json"]));
    assert_eq!(embedded.as_array().unwrap().len(), 0);
    ok(&admin(d, Some(&db), &["device", "revoke", &id, "--json"]));
    let listed = ok(&admin(d, Some(&db), &["device", "list", "--json"]));
    assert!(listed[0]["revoked_at"].is_i64());
}

#[test]
fn a_database_deployment_is_backed_up_and_restored_into_another_database() {
    let db = pg::database();
    let data = tempfile::tempdir().unwrap();
    let added = ok(&admin(
        data.path(),
        Some(&db),
        &["device", "add", "--name", "Ana Karen", "--role", "tecnico", "--json"],
    ));
    let files = tempfile::tempdir().unwrap();
    let archive = files.path().join("respaldo.tar");
    let archive_arg = archive.to_str().unwrap();
    let taken = ok(&admin(
        data.path(),
        Some(&db),
        &["backup", "--out", archive_arg, "--json"],
    ));
    assert_eq!(taken["devices"], 1);
    // Into another database (through an empty data folder, kept for its certificate
    // authority and photos): the same device, the code voided, a new generation.
    let db2 = pg::database();
    let data2 = tempfile::tempdir().unwrap();
    let restored = ok(&admin(
        data2.path(),
        Some(&db2),
        &["restore", "--from", archive_arg, "--json"],
    ));
    assert_eq!(restored["devices"], 1);
    let listed = ok(&admin(data2.path(), Some(&db2), &["device", "list", "--json"]));
    assert_eq!(listed[0]["id"], added["id"]);
    let mut c = postgres::Client::connect(&db2, postgres::NoTls).unwrap();
    let epoch: i64 = c
        .query_one("SELECT value FROM server_meta WHERE key = 'epoch'", &[])
        .unwrap()
        .get(0);
    assert!(epoch > 0, "a restored server is a new generation");
    let code: Option<String> = c.query_one("SELECT code_hash FROM devices", &[]).unwrap().get(0);
    assert!(code.is_none(), "an enrolment code from before the backup is void");
    // The same file restores into a plain folder too.
    let data3 = tempfile::tempdir().unwrap();
    ok(&admin(
        data3.path(),
        None,
        &["restore", "--from", archive_arg, "--json"],
    ));
    let listed = ok(&admin(data3.path(), None, &["device", "list", "--json"]));
    assert_eq!(listed[0]["id"], added["id"]);
}

#[test]
fn a_wrong_or_unreachable_database_is_refused_without_its_password() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let e = failed(&admin(d, Some("mysql://root:s3cr3t0@db/brigada"), &["device", "list"]));
    assert!(e.contains("postgres://USER"), "{e}");
    assert!(!e.contains("s3cr3t0"), "{e}");
    let nowhere = "postgresql://brigada:s3cr3t0@/brigada?host=/nonexistent-socket-dir";
    let e = failed(&admin(d, Some(nowhere), &["device", "list"]));
    assert!(e.contains("cannot reach the database"), "{e}");
    assert!(e.contains("brigada@/nonexistent-socket-dir/brigada"), "{e}");
    assert!(!e.contains("s3cr3t0"), "{e}");
}

#[test]
fn a_database_newer_than_the_server_is_refused() {
    let db = pg::database();
    let data = tempfile::tempdir().unwrap();
    ok(&admin(data.path(), Some(&db), &["device", "list", "--json"]));
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let version =
        |c: &mut postgres::Client| -> i32 { c.query_one("SELECT version FROM brigada_schema", &[]).unwrap().get(0) };
    let known = version(&mut c);
    c.batch_execute("UPDATE brigada_schema SET version = version + 1")
        .unwrap();
    let e = failed(&admin(data.path(), Some(&db), &["device", "list", "--json"]));
    assert!(e.contains("update brigada-sync"), "{e}");
    // Refused, not changed: the database keeps its version.
    assert_eq!(version(&mut c), known + 1);
}

#[test]
fn migrate_moves_a_deployment_once_and_verifies_it_again() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let db = pg::database();
    let migrate = |from: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_brigada-sync"))
            .args(["migrate", "--json", "--to", &db, "--from"])
            .arg(from)
            .env("LANG", "C.UTF-8")
            .output()
            .unwrap()
    };
    // A folder without a server's database is refused before anything is touched.
    let e = failed(&migrate(d));
    assert!(e.contains("holds no embedded database"), "{e}");
    let added = ok(&admin(
        d,
        None,
        &["device", "add", "--name", "Ana Karen", "--role", "tecnico", "--json"],
    ));
    let moved = ok(&migrate(d));
    assert_eq!(moved["devices"], 1);
    assert_eq!(moved["already"], false);
    let again = ok(&migrate(d));
    assert_eq!(again["already"], true);
    let listed = ok(&admin(d, Some(&db), &["device", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], added["id"]);
    // The embedded database is not served again once moved: two servers would diverge.
    let e = failed(&admin(d, None, &["device", "list", "--json"]));
    assert!(e.contains("moved to PostgreSQL"), "{e}");
    // A change to the source after the move (a tablet revoked there) is not taken for
    // done on the next run: refused, and the database keeps what it had.
    let src = rusqlite::Connection::open(d.join("brigada-sync.db")).unwrap();
    src.execute("UPDATE devices SET revoked_at = 1", []).unwrap();
    let e = failed(&migrate(d));
    assert!(e.contains("devices: 1 of 1 rows differ"), "{e}");
    let listed = ok(&admin(d, Some(&db), &["device", "list", "--json"]));
    assert!(listed[0]["revoked_at"].is_null());
}

/// A database on another machine is reached over TLS when the address says
/// `sslmode=require`, its certificate verified against `sslrootcert` (libpq's names): a
/// server whose certificate another authority signed is refused, and so is an address
/// that would fall back to plain text.
#[test]
fn the_database_is_reached_over_verified_tls_when_the_address_asks() {
    // The database's certificate, for localhost, from an authority of its own; and an
    // authority that did not sign it.
    let ca_dir = tempfile::tempdir().unwrap();
    let names = ["localhost".to_owned()].into();
    let issued = brigada_sync::tls::ensure(ca_dir.path(), &names).unwrap();
    let cert = String::from_utf8(issued.cert_pem).unwrap();
    let key = String::from_utf8(issued.key_pem).unwrap();
    let server = pg::tls_server(&cert, &key);
    let ca = ca_dir.path().join("database-ca.pem");
    std::fs::write(&ca, issued.own_ca.unwrap()).unwrap();
    let stranger_dir = tempfile::tempdir().unwrap();
    let (_, stranger_pem) = brigada_sync::tls::ensure_ca(stranger_dir.path()).unwrap();
    let stranger = stranger_dir.path().join("other-ca.pem");
    std::fs::write(&stranger, stranger_pem).unwrap();

    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let plain = server.tcp_database();
    let add = ADD_ANA;
    // This server refuses plain text on TCP: without sslmode nothing gets through.
    let e = failed(&admin(d, Some(&plain), &add));
    assert!(
        e.contains("cannot reach the database") && e.contains("no encryption"),
        "{e}"
    );
    // Encrypted and verified: the commands work.
    let tls = format!("{plain}?sslmode=require&sslrootcert={}", ca.display());
    let id = ok(&admin(d, Some(&tls), &add))["id"].as_str().unwrap().to_owned();
    let listed = ok(&admin(d, Some(&tls), &["device", "list", "--json"]));
    assert_eq!(listed[0]["id"], id.as_str());
    // libpq's strictest mode means the same here.
    let full = format!("{plain}?sslmode=verify-full&sslrootcert={}", ca.display());
    ok(&admin(d, Some(&full), &["device", "list", "--json"]));
    // A certificate the given authority did not sign (a stranger posing as the database):
    // refused in the handshake, before the database is asked anything.
    let wrong = format!("{plain}?sslmode=require&sslrootcert={}", stranger.display());
    let e = failed(&admin(d, Some(&wrong), &["device", "list"]));
    assert!(
        e.contains("cannot reach the database") && e.contains("UnknownIssuer") && e.contains("check sslrootcert"),
        "{e}"
    );
    // The right authority, but a certificate for another name than the one dialled.
    let by_address = tls.replacen("@localhost:", "@127.0.0.1:", 1);
    let e = failed(&admin(d, Some(&by_address), &["device", "list"]));
    assert!(e.contains("not valid for name"), "{e}");
    // The system's authorities did not sign it either.
    let e = failed(&admin(
        d,
        Some(&format!("{plain}?sslmode=require")),
        &["device", "list"],
    ));
    assert!(
        e.contains("check sslrootcert") || e.contains("install ca-certificates"),
        "{e}"
    );
    // A mode that would fall back to plain text is refused before connecting.
    let e = failed(&admin(d, Some(&format!("{plain}?sslmode=prefer")), &["device", "list"]));
    assert!(e.contains("sslmode=require"), "{e}");
}
