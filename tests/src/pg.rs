//! A PostgreSQL server for the tests, from Debian's packages (`postgresql`): started once
//! per test process in a temporary folder, reached over a Unix socket in that folder, and
//! stopped (its folder removed) when the process ends — a watchdog shell holds the stdin
//! of the process and stops the server when it closes. PostgreSQL refuses to run as root,
//! so under root (CI) the server runs as the `postgres` user the package made.
//!
//! Each server started by a test gets a database of its own ([`database`]).
//!
//! `BRIGADA_TEST_STORAGE=postgres` runs the storage suite — every test that starts a sync
//! server through `brigada_scenarios::server` — against PostgreSQL instead of the embedded
//! SQLite. The sync server's own tests use this file too (`sync-server/tests/postgres.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Cluster {
    socket: PathBuf,
    /// The loopback TCP port, when it listens there (TLS only).
    port: Option<u16>,
    /// The watchdog; its stdin closing (when the test process ends) stops the server.
    _watchdog: Mutex<std::process::Child>,
    databases: AtomicU32,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// The database role the tests use (trusted on the socket).
const USER: &str = "brigada";
const PORT: u16 = 5432;

/// Whether the storage suite runs against PostgreSQL in this process.
pub fn selected() -> bool {
    std::env::var("BRIGADA_TEST_STORAGE").is_ok_and(|v| v == "postgres")
}

/// A new empty database on the tests' server (started on first use): its URL.
pub fn database() -> String {
    let cluster = CLUSTER.get_or_init(|| start(None));
    url(&cluster.socket, &cluster.create())
}

impl Cluster {
    /// A new empty database: its name.
    fn create(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::SeqCst);
        let name = format!("t{}_{n}", std::process::id());
        let mut admin =
            connect(&self.socket, self.port.unwrap_or(PORT), "postgres").expect("connect to the tests' PostgreSQL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a database");
        name
    }

    /// A new empty database, as an address over loopback TCP (without TLS options).
    pub fn tcp_database(&self) -> String {
        let port = self.port.expect("this server listens on its socket only");
        format!("postgresql://{USER}@localhost:{port}/{}", self.create())
    }
}

/// A server of its own that also listens on loopback TCP, where it takes TLS connections
/// only (a plain one is refused), with this certificate and key (PEM).
pub fn tls_server(cert_pem: &str, key_pem: &str) -> Cluster {
    start(Some((cert_pem, key_pem)))
}

/// The URL of database `name` on the server whose socket is in `socket`.
pub fn url(socket: &Path, name: &str) -> String {
    format!("postgresql://{USER}@/{name}?host={}", socket.display())
}

fn connect(socket: &Path, port: u16, db: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Config::new()
        .host_path(socket)
        .port(port)
        .user(USER)
        .dbname(db)
        .connect(postgres::NoTls)
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// `program` run as the `postgres` user when the tests run as root.
fn as_server_user(program: &Path) -> Command {
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// The newest installed PostgreSQL's programs.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!("the PostgreSQL server is not installed (/usr/lib/postgresql/*/bin/initdb): apt install postgresql — `make test` does")
    })
}

fn start(tls: Option<(&str, &str)>) -> Cluster {
    let bin = bin_dir();
    let dir = tempfile::Builder::new()
        .prefix("brigada-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    if running_as_root() {
        let ok = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot hand {} to the postgres user", dir.display());
    }
    let data = dir.join("data");
    let out = as_server_user(&bin.join("initdb"))
        .args(["-D"])
        .arg(&data)
        .args(["-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (port, listen) = match tls {
        None => (PORT, ""),
        Some((cert, key)) => {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let conf = data.join("postgresql.conf");
            let hba = data.join("pg_hba.conf");
            let mut settings = std::fs::read_to_string(&conf).expect("postgresql.conf");
            settings.push_str("\nssl = on\nssl_cert_file = 'tls.crt'\nssl_key_file = 'tls.key'\n");
            let rules = std::fs::read_to_string(&hba).expect("pg_hba.conf");
            let files = [
                (conf, settings),
                (hba, format!("hostnossl all all all reject\n{rules}")),
                (data.join("tls.crt"), cert.to_owned()),
                (data.join("tls.key"), key.to_owned()),
            ];
            for (path, text) in files {
                std::fs::write(&path, text).expect("write the server's settings");
                let ok = Command::new("chmod")
                    .arg("600")
                    .arg(&path)
                    .status()
                    .is_ok_and(|s| s.success())
                    && (!running_as_root()
                        || Command::new("chown")
                            .arg("postgres:postgres")
                            .arg(&path)
                            .status()
                            .is_ok_and(|s| s.success()));
                assert!(ok, "cannot hand {} to the server", path.display());
            }
            (port, "127.0.0.1")
        }
    };
    // The watchdog: the server in the background; when this process's end closes the
    // pipe, a fast shutdown, then the folder goes.
    let script = r#"
"$1/postgres" -D "$2/data" -k "$2" -p "$3" -c listen_addresses="$4" -c max_connections=200 >"$2/server.log" 2>&1 &
pid=$!
read _ignored
kill -INT "$pid"
wait "$pid"
rm -rf "$2"
"#;
    let child = as_server_user(Path::new("/bin/sh"))
        .args(["-c", script, "pg-watchdog"])
        .arg(&bin)
        .arg(&dir)
        .arg(port.to_string())
        .arg(listen)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start PostgreSQL");
    let started = Instant::now();
    loop {
        match connect(&dir, port, "postgres") {
            Ok(_) => break,
            Err(e) if started.elapsed() > Duration::from_secs(60) => {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                panic!("PostgreSQL did not start in 60 s ({e}):\n{log}");
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Cluster {
        socket: dir,
        port: tls.map(|_| port),
        _watchdog: Mutex::new(child),
        databases: AtomicU32::new(0),
    }
}
