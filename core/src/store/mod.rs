//! The encrypted, crash-safe local store: one SQLCipher database per device.
//!
//! Layout of a Brigada home folder:
//! - `device.json` — who this device is and the (non-secret) key-derivation parameters;
//! - `brigada.db` (+ `-wal`) — everything else, encrypted: documents, blobs, index.
//!
//! Durability: WAL with `synchronous = FULL`, so a committed transaction has been fsynced
//! before any write returns. Every public write is one transaction; callers acknowledge
//! to the user only after it returns. One writer: the [`Store`] is the only handle.

pub mod blobs;
mod cache;
pub mod documents;
pub mod held;
pub mod index;
pub mod kdf;
pub mod keys;
pub mod meta;
pub mod schema;
pub mod search;
pub mod sync_state;
pub mod tag_ranges;

use brigada_record::msg;
use std::path::{Path, PathBuf};

use automerge::ActorId;
use ed25519_dalek::SigningKey;
use rusqlite::{Connection, OpenFlags, Transaction};
use serde::{Deserialize, Serialize};

use crate::doc::Author;
use crate::error::{Error, Result};
use kdf::KdfParams;

/// Plain SQLite access, for tests that plant foreign files.
pub use rusqlite::Connection as RawConnection;

pub const DEVICE_FILE: &str = "device.json";
pub const DB_FILE: &str = "brigada.db";

/// This device, as written in `device.json` at `init`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Device {
    pub format: u32,
    pub id: String,
    pub name: String,
    /// Short code used in folios, e.g. `T07`.
    pub code: String,
    /// The person who uses the device (recorded as the author of every change).
    pub person: String,
    pub seccion: String,
    pub created_at: i64,
    pub kdf: KdfParams,
    pub key_verifier: String,
}

#[derive(Debug, Clone)]
pub struct InitOptions {
    pub device_name: String,
    pub code: Option<String>,
    pub person: Option<String>,
    pub seccion: Option<String>,
    pub kdf: KdfParams,
}

pub struct Store {
    conn: Connection,
    /// Held for the Store's lifetime: one writer per home, across processes. Two writers
    /// with the same Automerge actor would mint the same change sequence numbers.
    _lock: std::fs::File,
    cache: cache::DocCache,
    /// Automerge sync-protocol negotiations in progress (full protocol state, which does not
    /// survive encoding): document → (state, rounds so far). On disk only their existence.
    pub(crate) negotiations: std::cell::RefCell<std::collections::HashMap<String, (automerge::sync::State, u32)>>,
    home: PathBuf,
    device: Device,
    signing_key: SigningKey,
}

/// Folio device code from a device name: "Tablet 07" → "T07".
pub fn code_from_name(name: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_uppercase())
        .take(2)
        .collect();
    let digits: String = name.chars().filter(char::is_ascii_digit).collect();
    let code = format!("{initials}{digits}");
    if code.is_empty() {
        "D01".into()
    } else {
        code.chars().take(6).collect()
    }
}

fn valid_code(code: &str) -> bool {
    (1..=6).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl Store {
    /// Is there a Brigada store in `home` (to ask for the passphrase, or set one up)?
    pub fn exists(home: &Path) -> bool {
        home.join(DEVICE_FILE).exists()
    }

    pub fn init(home: &Path, passphrase: &str, opts: InitOptions) -> Result<Store> {
        Self::init_upto(home, passphrase, opts, schema::MIGRATIONS.len())
    }

    /// Initialise with only the first `upto` migrations (to build old-schema fixtures).
    #[doc(hidden)]
    pub fn init_upto(home: &Path, passphrase: &str, opts: InitOptions, upto: usize) -> Result<Store> {
        if home.join(DEVICE_FILE).exists() || home.join(DB_FILE).exists() {
            return Err(Error::AlreadyInitialised(home.to_owned()));
        }
        kdf::check_policy(passphrase)?;
        let name = opts.device_name.trim();
        if name.is_empty() {
            return Err(Error::InvalidInput(msg!("init.no_device_name")));
        }
        let code = opts
            .code
            .map(|c| c.trim().to_ascii_uppercase())
            .unwrap_or_else(|| code_from_name(name));
        if !valid_code(&code) {
            return Err(Error::InvalidInput(msg!("init.bad_code", code = &code)));
        }
        let key = kdf::derive(passphrase, &opts.kdf)?;
        std::fs::create_dir_all(home)?;
        let lock = lock_home(home)?;
        let device = Device {
            format: 1,
            id: uuid::Uuid::now_v7().to_string(),
            name: name.to_owned(),
            code,
            person: opts.person.unwrap_or_else(|| name.to_owned()),
            seccion: opts.seccion.unwrap_or_default(),
            created_at: crate::time::now_ms(),
            key_verifier: kdf::verifier(&key),
            kdf: opts.kdf,
        };
        let mut conn = open_db(&home.join(DB_FILE), &key)?;
        schema::migrate(&mut conn, upto)?;
        let signing_key = SigningKey::generate(&mut rand::rngs::OsRng);
        meta::put(&conn, "device_signing_key", signing_key.as_bytes())?;
        // device.json last: its presence means "initialised".
        write_device(home, &device)?;
        Ok(Store::assemble(conn, lock, home, device, signing_key))
    }

    fn assemble(conn: Connection, lock: std::fs::File, home: &Path, device: Device, signing_key: SigningKey) -> Store {
        Store {
            conn,
            _lock: lock,
            cache: Default::default(),
            negotiations: Default::default(),
            home: home.to_owned(),
            device,
            signing_key,
        }
    }

    pub fn open(home: &Path, passphrase: &str) -> Result<Store> {
        Self::open_with(home, passphrase, &mut |_| {})
    }

    /// Open, telling `progress` how a rebuild of the index goes when an update owes one
    /// (the first opening after it: minutes for an archive of years, so the app and the
    /// CLI show it).
    pub fn open_with(home: &Path, passphrase: &str, progress: &mut dyn FnMut(Rebuilding)) -> Result<Store> {
        Self::open_inner(home, passphrase, schema::MIGRATIONS.len(), progress)
    }

    /// Open, migrating only up to `upto` migrations (for migration tests).
    #[doc(hidden)]
    pub fn open_upto(home: &Path, passphrase: &str, upto: usize) -> Result<Store> {
        Self::open_inner(home, passphrase, upto, &mut |_| {})
    }

    fn open_inner(home: &Path, passphrase: &str, upto: usize, progress: &mut dyn FnMut(Rebuilding)) -> Result<Store> {
        let device = read_device(home)?;
        let key = kdf::derive(passphrase, &device.kdf)?;
        if kdf::verifier(&key) != device.key_verifier {
            return Err(Error::WrongPassphrase);
        }
        let path = home.join(DB_FILE);
        if !path.exists() {
            return Err(Error::CorruptDatabase {
                path,
                detail: "the database file is missing".into(),
            });
        }
        let lock = lock_home(home)?;
        let mut conn = open_db(&path, &key)?;
        schema::migrate(&mut conn, upto)?;
        let signing_key = meta::get(&conn, "device_signing_key")?
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .map(|b| SigningKey::from_bytes(&b))
            .ok_or_else(|| Error::CorruptDatabase {
                path: path.clone(),
                detail: "the device key is missing".into(),
            })?;
        let mut store = Store::assemble(conn, lock, home, device, signing_key);
        // A migration across `REINDEX_AT` said so in its own transaction.
        if meta::get(store.conn(), schema::REINDEX_OWED)?.is_some() {
            store.reindex_with(progress)?;
        }
        Ok(store)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Record who uses this device (from enrolment): the person changes are attributed to
    /// and their sección. Rewrites `device.json` atomically.
    pub fn set_identity(&mut self, person: &str, seccion: &str) -> Result<()> {
        let mut d = self.device.clone();
        d.person = person.trim().to_owned();
        d.seccion = seccion.trim().to_owned();
        write_device(&self.home, &d)?;
        self.device = d;
        Ok(())
    }

    /// The device's Ed25519 public key, hex (sent at enrolment).
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.signing_key.verifying_key().as_bytes())
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    pub fn author(&self) -> Author {
        let uuid = uuid::Uuid::parse_str(&self.device.id).unwrap_or_default();
        Author {
            person: self.device.person.clone(),
            device_code: self.device.code.clone(),
            actor: ActorId::from(uuid.as_bytes()),
        }
    }

    /// Take an expediente's document (and its hydrated value) out of the cache, or load it
    /// from disk. Give it back with [`Store::keep_doc`] only once any change made to it is
    /// committed.
    pub fn take_doc(&self, id: &str) -> Result<Option<(automerge::Automerge, crate::model::Expediente)>> {
        if let Some(hit) = self.cache.take(id) {
            return Ok(Some(hit));
        }
        match documents::load(&self.conn, id)? {
            Some(d) => {
                let exp = crate::doc::read(id, &d)?;
                Ok(Some((d, exp)))
            }
            None => Ok(None),
        }
    }

    /// Drop a cached copy (the document is about to change on disk by another path).
    pub fn evict_doc(&self, id: &str) {
        self.cache.evict(id);
    }

    pub fn keep_doc(&self, id: &str, doc: automerge::Automerge, exp: crate::model::Expediente) {
        self.cache.put(id, doc, exp);
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in one transaction; it is durable when this returns `Ok`.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Write `device.json` whole and durably.
fn write_device(home: &Path, device: &Device) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(device).unwrap_or_default();
    Ok(crate::files::write_whole(&home.join(DEVICE_FILE), &bytes)?)
}

pub fn read_device(home: &Path) -> Result<Device> {
    let path = home.join(DEVICE_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::NotInitialised(home.to_owned())),
        Err(e) => return Err(e.into()),
    };
    serde_json::from_slice(&bytes).map_err(|e| Error::BadFile {
        path,
        why: msg!("store.device_json_damaged", detail = e.to_string()),
    })
}

/// Take the home's writer lock, waiting for another process that holds it. The OS
/// releases it when the holder exits, even by SIGKILL.
fn lock_home(home: &Path) -> Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(home.join(".lock"))?;
    f.lock()?;
    Ok(f)
}

/// Waits, once per process, until SQLCipher has finished starting.
///
/// SQLite marks itself initialised before it runs SQLCipher's own start-up (its crypto
/// provider, its private heap); a thread that keys a database in between is told "PRAGMA
/// key requires a key of one or more characters" although its key is fine (CI failed so
/// when two tests created their first stores at once; `tests/tests/first_open.rs`). The
/// first keyed opening keys an in-memory database until that works: at once when it is the
/// process's first use of SQLite, a few milliseconds when another thread (a sync server in
/// the same process) started SQLite a moment before. After 5 s it gives up and the real
/// opening reports whatever is wrong.
fn sqlcipher_started() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        for _ in 0..1000 {
            let keyed = Connection::open_in_memory().and_then(|c| c.execute_batch("PRAGMA key = 'start';"));
            if keyed.is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    });
}

/// How far a rebuild of the index is: expedientes done of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rebuilding {
    pub done: usize,
    pub total: usize,
}

fn open_db(path: &Path, key: &kdf::Key) -> Result<Connection> {
    sqlcipher_started();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key.as_ref())))?;
    // The first read is where SQLCipher finds out whether the key fits the file.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .map_err(|e| Error::CorruptDatabase {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
    // Up to 64 MiB of decrypted pages stay in memory: SQLCipher decrypts a page each time
    // it is read from the file, and an archive of years walked by a list or the figures
    // reads the same index pages again and again (SQLite's default keeps 2 MiB).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA cache_size = -65536;",
    )
    .map_err(|e| Error::CorruptDatabase {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    Ok(conn)
}
