//! `brigada-sync backup` and `restore`: one file holds a consistent copy of the server.
//!
//! A backup is taken while the server runs: SQLite's `VACUUM INTO` copies the database as
//! of one read transaction (devices keep syncing meanwhile), then every complete photo
//! file (each checked against its hash on restore; a photo still arriving is uploaded
//! again by its device after a restore). The file is a tar archive, 0600: it holds
//! every document, the devices' token hashes and the server's CA key. Enrolment QRs and
//! unfinished uploads are left out.
//!
//! A restore goes into an empty folder and then:
//! - gives the server a new generation, carried in every cursor, so each device notices
//!   at its next sync and offers everything again (what it sent after the backup is not
//!   lost: the device still has it);
//! - voids every enrolment code not used at backup time (it may have been used since: a
//!   code is never good twice), so the administrator issues new ones;
//! - keeps each device's tag ranges, and devices hand back the ranges allocated to them
//!   after the backup (`POST /v1/tags/held`), so no number is handed out twice.
//!
//! Devices revoked after the backup are active again in the copy: `restore` lists the
//! active devices so the administrator revokes them again.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use brigada_record::msg;
use rand::Rng;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};
use crate::storage::blobs::Blobs;
use crate::storage::postgres::PgStorage;

const DB: &str = "brigada-sync.db";
const MANIFEST: &str = "BRIGADA-BACKUP.json";

/// What one backup or restore holds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub documents: u64,
    pub devices: u64,
    pub blobs: u64,
    pub bytes: u64,
    /// When the copy was taken (UTC milliseconds).
    pub taken_at: i64,
    /// After a restore: the devices active in the copy (revoke again any revoked since).
    pub active_devices: Vec<String>,
}

#[derive(Serialize, serde::Deserialize)]
struct Manifest {
    format: u32,
    taken_at: i64,
}

fn io(what: &Path) -> impl Fn(std::io::Error) -> ServerError + '_ {
    move |e| ServerError::Storage(format!("{}: {e}", what.display()))
}

/// Copy the server in `data` (running or not) into the archive `out`: its embedded
/// database, its photos and its certificate authority.
pub fn backup(data: &Path, out: &Path) -> Result<Summary> {
    backup_with(data, &crate::storage::blobs::BlobStore::open(data)?, out)
}

/// [`backup`] with the photos in `blobs` (the folder, or a bucket).
pub fn backup_with(data: &Path, blobs: &dyn Blobs, out: &Path) -> Result<Summary> {
    let db = data.join(DB);
    if !db.exists() {
        return Err(ServerError::BadRequest(msg!(
            "backup.no_server",
            path = data.display().to_string()
        )));
    }
    let work = work_dir(out)?;
    let snapshot = work.path().join(DB);
    let conn = Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.execute("VACUUM INTO ?1", [snapshot.to_string_lossy()])?;
    drop(conn);
    write_archive(&snapshot, blobs, data, out)
}

/// Copy a deployment on PostgreSQL (its records written as an embedded database, from
/// one snapshot), the photos in `blobs` and the certificate authority in `data` into the
/// archive `out`: the same file as an embedded server's.
pub fn backup_database(db: &PgStorage, blobs: &dyn Blobs, data: &Path, out: &Path) -> Result<Summary> {
    let work = work_dir(out)?;
    db.export(work.path())?;
    write_archive(&work.path().join(DB), blobs, data, out)
}

/// A folder beside `out` for the copy being made (same file system: renamed into place).
fn work_dir(out: &Path) -> Result<tempfile::TempDir> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::tempdir_in(parent).map_err(io(parent))
}

fn write_archive(snapshot: &Path, blobs: &dyn Blobs, data: &Path, out: &Path) -> Result<Summary> {
    let taken_at = chrono::Utc::now().timestamp_millis();
    let mut summary = counts(&Connection::open(snapshot)?, taken_at)?;
    let tmp = out.with_extension("partial");
    let file = crate::private::create(&tmp).map_err(io(&tmp))?;
    let mut tar = tar::Builder::new(BufWriter::new(file));
    tar.mode(tar::HeaderMode::Deterministic);
    let manifest = serde_json::to_vec(&Manifest { format: 1, taken_at }).unwrap_or_default();
    append(&mut tar, MANIFEST, &manifest).map_err(io(out))?;
    tar.append_path_with_name(snapshot, DB).map_err(io(snapshot))?;
    summary.bytes += std::fs::metadata(snapshot).map_err(io(snapshot))?.len();
    for h in blobs.hashes()? {
        let bytes = blobs.read_from(&h, 0)?;
        summary.bytes += bytes.len() as u64;
        summary.blobs += 1;
        append(&mut tar, &format!("blobs/{}/{h}", &h[..2]), &bytes).map_err(io(out))?;
    }
    let tls = data.join("tls");
    if tls.is_dir() {
        tar.append_dir_all("tls", &tls).map_err(io(&tls))?;
    }
    let file = tar
        .into_inner()
        .map_err(io(&tmp))?
        .into_inner()
        .map_err(|e| io(&tmp)(e.into_error()))?;
    file.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, out).map_err(io(out))?;
    Ok(summary)
}

/// One file of the archive, readable by its owner only.
fn append(tar: &mut tar::Builder<BufWriter<File>>, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
}

/// Complete blob files under `blobs` (`XX/HASH`), by their name in the archive.
pub(crate) fn blob_files(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root) else {
        return Ok(out);
    };
    for dir in dirs.flatten() {
        let name = dir.file_name().to_string_lossy().into_owned();
        if name.len() != 2 || !dir.path().is_dir() {
            continue; // `partial/`: unfinished uploads resume against the new server
        }
        for f in std::fs::read_dir(dir.path()).map_err(io(&dir.path()))?.flatten() {
            let hash = f.file_name().to_string_lossy().into_owned();
            if crate::storage::blobs::valid_hash(&hash) {
                out.push((format!("{name}/{hash}"), f.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn counts(c: &Connection, taken_at: i64) -> Result<Summary> {
    let n = |sql: &str| -> Result<u64> { Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
    Ok(Summary {
        documents: n("SELECT count(*) FROM docs")?,
        devices: n("SELECT count(*) FROM devices")?,
        blobs: 0,
        bytes: 0,
        taken_at,
        active_devices: Vec::new(),
    })
}

/// Restore the archive `from` into `data`, which must hold no server yet.
pub fn restore(from: &Path, data: &Path) -> Result<Summary> {
    if data.join(DB).exists() {
        return Err(ServerError::BadRequest(msg!(
            "restore.not_empty",
            path = data.display().to_string()
        )));
    }
    crate::private::dir(data).map_err(io(data))?;
    let file = File::open(from).map_err(io(from))?;
    let mut archive = tar::Archive::new(BufReader::new(file));
    let mut taken_at = None;
    let mut blobs = 0u64;
    let mut bytes = 0u64;
    for entry in archive.entries().map_err(io(from))? {
        let mut entry = entry.map_err(io(from))?;
        let path = entry.path().map_err(io(from))?.into_owned();
        let name = path.to_string_lossy().into_owned();
        if name == MANIFEST {
            let mut text = Vec::new();
            entry.read_to_end(&mut text).map_err(io(from))?;
            taken_at = serde_json::from_slice::<Manifest>(&text).ok().map(|m| m.taken_at);
            continue;
        }
        let wanted = name == DB || name.starts_with("blobs/") || name.starts_with("tls");
        if !wanted {
            continue;
        }
        if name.starts_with("blobs/") && entry.header().entry_type().is_file() {
            // A photo whose bytes do not match its name is damaged: refused, not restored.
            let mut b = Vec::new();
            entry.read_to_end(&mut b).map_err(io(from))?;
            let hash = name.rsplit('/').next().unwrap_or_default();
            if hex::encode(Sha256::digest(&b)) != hash {
                return Err(ServerError::BadRequest(msg!("restore.damaged", name = &name)));
            }
            let target = data.join(&path);
            if let Some(dir) = target.parent() {
                crate::private::dir(dir).map_err(io(dir))?;
            }
            let mut f = crate::private::create(&target).map_err(io(&target))?;
            f.write_all(&b).map_err(io(&target))?;
            f.sync_all().map_err(io(&target))?;
            blobs += 1;
            bytes += b.len() as u64;
            continue;
        }
        // `unpack_in` refuses any path that would leave `data`.
        if !entry.unpack_in(data).map_err(io(from))? {
            return Err(ServerError::BadRequest(msg!("restore.damaged", name = &name)));
        }
        if entry.header().entry_type().is_file() {
            crate::private::file(&data.join(&path)).map_err(io(&path))?;
            bytes += entry.header().size().unwrap_or(0);
        }
    }
    let Some(taken_at) = taken_at.filter(|_| data.join(DB).exists()) else {
        return Err(ServerError::BadRequest(msg!(
            "restore.not_a_backup",
            path = from.display().to_string()
        )));
    };
    if data.join("tls").is_dir() {
        crate::private::dir(&data.join("tls")).map_err(io(data))?;
    }
    // Opening runs any newer migrations and checks the schema.
    drop(crate::storage::sqlite::SqliteStorage::open(data)?);
    let mut c = Connection::open(data.join(DB))?;
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(ServerError::BadRequest(msg!("restore.damaged", name = DB)));
    }
    let tx = c.transaction()?;
    let old: Option<i64> = tx
        .query_row("SELECT value FROM server_meta WHERE key = 'epoch'", [], |r| r.get(0))
        .optional()?;
    let epoch = loop {
        let e = rand::thread_rng().gen_range(1..=brigada_record::protocol::MAX_EPOCH);
        if Some(i64::from(e)) != old {
            break e;
        }
    };
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES ('epoch', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [epoch],
    )?;
    tx.execute(
        "UPDATE devices SET code_hash = NULL, code_expires_at = NULL WHERE enrolled_at IS NULL",
        [],
    )?;
    tx.commit()?;
    let mut summary = counts(&c, taken_at)?;
    summary.blobs = blobs;
    summary.bytes = bytes;
    let mut st = c.prepare(
        "SELECT person || ' — ' || coalesce(device_name, '') || ' (' || id || ')' FROM devices
         WHERE enrolled_at IS NOT NULL AND revoked_at IS NULL ORDER BY created_at",
    )?;
    summary.active_devices = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(summary)
}
