//! The office's view of the devices: when each tablet last synced, by the server's clock
//! (the server lists the devices to office devices, which keep the list from their last
//! sync), the ones that have not synced for more than a day, and the photos and signatures
//! that expedientes here refer to but whose files have not arrived — by the device that
//! took them, so the office knows whom to call. A file is "waiting" on the office device
//! after it synced: what it still lacks then, the server lacks too. Which device took each
//! photo and signature, and whether its file is here, is kept beside the index
//! (`file_facts`), with the count of those missing per device (`files_waiting`).

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;
use crate::model::Expediente;
use crate::store::{Store, sync_state};
use brigada_record::protocol::DeviceSeen;

pub const MIGRATION: &str = "
CREATE TABLE devices_seen (
    device_id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    role TEXT NOT NULL,
    seccion TEXT NOT NULL,
    device_name TEXT NOT NULL,
    device_code TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_sync_at INTEGER
) WITHOUT ROWID;
CREATE TABLE file_facts (
    expediente_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    device TEXT NOT NULL,
    PRIMARY KEY (expediente_id, hash)
) WITHOUT ROWID;
CREATE INDEX file_facts_by_hash ON file_facts (hash);
";

/// Whether each file is here, kept on its row: the count of files yet to arrive reads only
/// those (a partial index), instead of looking every photo and signature of the archive
/// up among the blobs (200,000 look-ups, 250 ms at 100,000 expedientes). Triggers on
/// `blobs` keep it true whichever way a file arrives or goes.
pub const MIGRATION_2: &str = "
ALTER TABLE file_facts ADD COLUMN arrived INTEGER NOT NULL DEFAULT 0;
UPDATE file_facts SET arrived = EXISTS (SELECT 1 FROM blobs b WHERE b.hash = file_facts.hash);
CREATE INDEX file_facts_waiting ON file_facts (device, expediente_id) WHERE arrived = 0;
CREATE TRIGGER blob_arrived AFTER INSERT ON blobs BEGIN
    UPDATE file_facts SET arrived = 1 WHERE hash = NEW.hash;
END;
CREATE TRIGGER blob_gone AFTER DELETE ON blobs BEGIN
    UPDATE file_facts SET arrived = 0 WHERE hash = OLD.hash;
END;
";

/// The files yet to arrive counted per device, kept by triggers on `file_facts` whichever
/// way a row comes, goes or arrives: the devices card reads one row per device instead of
/// counting every missing file (200,000 in an archive synced without its photos: 86 ms).
pub const MIGRATION_3: &str = "
CREATE TABLE files_waiting (device TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO files_waiting (device, n) SELECT device, count(*) FROM file_facts WHERE arrived = 0 GROUP BY device;
CREATE TRIGGER file_waiting_in AFTER INSERT ON file_facts WHEN NEW.arrived = 0 BEGIN
    INSERT INTO files_waiting (device, n) VALUES (NEW.device, 1)
        ON CONFLICT (device) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER file_waiting_out AFTER DELETE ON file_facts WHEN OLD.arrived = 0 BEGIN
    UPDATE files_waiting SET n = n - 1 WHERE device = OLD.device;
    DELETE FROM files_waiting WHERE device = OLD.device AND n <= 0;
END;
CREATE TRIGGER file_waiting_moved AFTER UPDATE OF arrived, device ON file_facts
    WHEN (OLD.arrived = 0) <> (NEW.arrived = 0) OR OLD.device <> NEW.device BEGIN
    UPDATE files_waiting SET n = n - 1 WHERE OLD.arrived = 0 AND device = OLD.device;
    INSERT INTO files_waiting (device, n) SELECT NEW.device, 1 WHERE NEW.arrived = 0
        ON CONFLICT (device) DO UPDATE SET n = n + 1;
    DELETE FROM files_waiting WHERE device = OLD.device AND n <= 0;
END;
";

/// Rewrite which device took each photo and signature of one expediente (called by the
/// index's upsert). One file per photo (not its thumbnail) and per signature (its image);
/// the request's photo counts for the device that opened the expediente.
pub fn upsert_files(conn: &Connection, e: &Expediente) -> Result<()> {
    conn.execute("DELETE FROM file_facts WHERE expediente_id = ?1", [&e.id])?;
    let files = e
        .photos
        .iter()
        .map(|p| (p.blob.as_str(), p.stamp.device.as_str()))
        .chain(
            e.signatures
                .iter()
                .map(|s| (s.image_blob.as_str(), s.stamp.device.as_str())),
        )
        .chain(e.solicitud.foto.as_deref().map(|f| (f, e.created_device.as_str())));
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO file_facts (expediente_id, hash, device, arrived)
         VALUES (?1, ?2, ?3, EXISTS (SELECT 1 FROM blobs WHERE hash = ?2))",
    )?;
    for (hash, device) in files {
        stmt.execute(params![e.id, hash, device])?;
    }
    Ok(())
}

/// A device that has not synced for longer than this is flagged.
pub const STALE_MS: i64 = 24 * 3_600_000;

/// Keep the server's list of devices (replacing the last one), and when it was read.
pub fn keep(conn: &Connection, seen: &[DeviceSeen], now: i64) -> Result<()> {
    conn.execute("DELETE FROM devices_seen", [])?;
    for d in seen {
        conn.execute(
            "INSERT OR REPLACE INTO devices_seen (device_id, person, role, seccion, device_name, device_code,
                enrolled_at, revoked_at, last_sync_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.device_id,
                d.person,
                d.role,
                d.seccion,
                d.device_name,
                d.device_code,
                d.enrolled_at,
                d.revoked_at,
                d.last_sync_at
            ],
        )?;
    }
    sync_state::set_setting(conn, "devices_seen_at", &now.to_string())
}

/// One device in the office's list.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceLine {
    /// The server's id of the device (empty for a code the list does not name).
    pub device_id: String,
    pub device_name: String,
    /// The code its folios and stamps carry.
    pub device_code: String,
    pub person: String,
    pub role: String,
    pub seccion: String,
    /// Its last sync by the server's clock (ms), as of this device's last sync.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_sync_at: Option<i64>,
    /// Not synced for more than 24 hours (or never), and not revoked.
    pub stale: bool,
    pub revoked: bool,
    /// Photos and signatures it took whose files have not arrived here.
    pub waiting: usize,
}

/// The devices as the office knows them.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Devices {
    /// When this device last read the server's list (`None`: never — not an office
    /// device, or not synced since it became one).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seen_at: Option<i64>,
    /// Enrolled devices, the stale first; revoked ones only while files they took are
    /// still waiting (those will not arrive). Devices the list does not name but whose
    /// photos are waiting appear with their code alone.
    pub devices: Vec<DeviceLine>,
    pub stale: usize,
    /// Photos and signatures waiting, in all.
    pub waiting: usize,
}

/// Photos and signatures whose files are not here, by the device code that took them.
fn waiting_by_device(conn: &Connection) -> Result<BTreeMap<String, usize>> {
    let mut s = conn.prepare_cached("SELECT device, n FROM files_waiting")?;
    let rows = s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (device, n) = row?;
        out.insert(device, usize::try_from(n).unwrap_or_default());
    }
    Ok(out)
}

/// The expedientes here with a photo or signature whose file is not here yet.
pub fn waiting_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut s =
        conn.prepare_cached("SELECT DISTINCT expediente_id FROM file_facts WHERE arrived = 0 ORDER BY expediente_id")?;
    Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}

impl Store {
    /// The devices as the office knows them, their staleness counted at `now` (ms).
    pub fn devices_status(&self, now: i64) -> Result<Devices> {
        let conn = self.conn();
        let mut by_code = waiting_by_device(conn)?;
        let waiting = by_code.values().sum();
        let mut stmt = conn.prepare_cached(
            "SELECT device_name, device_code, person, role, seccion, last_sync_at, revoked_at IS NOT NULL, device_id
             FROM devices_seen ORDER BY device_name, device_id",
        )?;
        let mut devices: Vec<DeviceLine> = stmt
            .query_map([], |r| {
                let last_sync_at: Option<i64> = r.get(5)?;
                let revoked: bool = r.get(6)?;
                Ok(DeviceLine {
                    device_id: r.get(7)?,
                    device_name: r.get(0)?,
                    device_code: r.get(1)?,
                    person: r.get(2)?,
                    role: r.get(3)?,
                    seccion: r.get(4)?,
                    last_sync_at,
                    stale: !revoked && last_sync_at.is_none_or(|t| now.saturating_sub(t) > STALE_MS),
                    revoked,
                    waiting: 0,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // A tablet enrolled again keeps its code: its files count for the enrolment in use.
        for revoked in [false, true] {
            for d in devices.iter_mut().filter(|d| d.revoked == revoked) {
                if let Some(n) = by_code.remove(&d.device_code) {
                    d.waiting = n;
                }
            }
        }
        devices.retain(|d| !d.revoked || d.waiting > 0);
        devices.extend(by_code.into_iter().map(|(code, waiting)| DeviceLine {
            device_id: String::new(),
            device_name: String::new(),
            device_code: code,
            person: String::new(),
            role: String::new(),
            seccion: String::new(),
            last_sync_at: None,
            stale: false,
            revoked: false,
            waiting,
        }));
        devices.sort_by_key(|d| !d.stale);
        Ok(Devices {
            seen_at: self.sync_setting("devices_seen_at")?.and_then(|t| t.parse().ok()),
            stale: devices.iter().filter(|d| d.stale).count(),
            devices,
            waiting,
        })
    }

    /// One page of the expedientes whose photos or signatures have not arrived here yet
    /// (nearest deadline first), and how many there are.
    pub fn waiting_jobs(&self, page: super::Page) -> Result<(u64, Vec<crate::store::index::Row>)> {
        use crate::store::index::{self, Filter};
        let f = Filter {
            ids: Some(waiting_ids(self.conn())?),
            sort: super::Sort::Deadline,
            offset: Some(u32::try_from(page.offset).unwrap_or(u32::MAX)),
            limit: Some(u32::try_from(page.limit).unwrap_or(u32::MAX)),
            ..Filter::default()
        };
        Ok((index::count(self.conn(), &f)?, index::list(self.conn(), &f)?))
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};

    /// The kept count per device against a count of the missing files, after each step.
    fn same(c: &Connection) -> Vec<(String, i64)> {
        let read = |sql: &str| -> Vec<(String, i64)> {
            c.prepare(sql)
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let kept = read("SELECT device, n FROM files_waiting ORDER BY device");
        let counted = read("SELECT device, count(*) FROM file_facts WHERE arrived = 0 GROUP BY device ORDER BY device");
        assert_eq!(kept, counted);
        kept
    }

    #[test]
    fn the_files_waiting_per_device_follow_every_arrival_and_rewrite() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut c, crate::store::schema::MIGRATIONS.len()).unwrap();
        let file = |job: &str, hash: &str, device: &str| {
            c.execute(
                "INSERT OR IGNORE INTO file_facts (expediente_id, hash, device, arrived)
                 VALUES (?1, ?2, ?3, EXISTS (SELECT 1 FROM blobs WHERE hash = ?2))",
                params![job, hash, device],
            )
            .unwrap();
        };
        let blob = |hash: &str| {
            c.execute(
                "INSERT OR IGNORE INTO blobs (hash, size, media_type, data, created_at) VALUES (?1, 1, 'image/jpeg', x'00', 0)",
                [hash],
            )
            .unwrap();
        };
        file("a", "h1", "T01");
        file("a", "h2", "T01");
        file("b", "h2", "T02");
        file("b", "h3", "T02");
        assert_eq!(same(&c), [("T01".into(), 2), ("T02".into(), 2)]);
        blob("h2");
        assert_eq!(same(&c), [("T01".into(), 1), ("T02".into(), 1)]);
        // A file that arrives before the expediente that names it.
        blob("h4");
        file("c", "h4", "T03");
        file("c", "h1", "T03");
        assert_eq!(same(&c), [("T01".into(), 1), ("T02".into(), 1), ("T03".into(), 1)]);
        c.execute("DELETE FROM blobs WHERE hash = 'h2'", []).unwrap();
        assert_eq!(same(&c), [("T01".into(), 2), ("T02".into(), 2), ("T03".into(), 1)]);
        // An expediente rewritten: its rows go and come back; one moved to another device.
        c.execute("DELETE FROM file_facts WHERE expediente_id = 'b'", [])
            .unwrap();
        file("b", "h3", "T01");
        assert_eq!(same(&c), [("T01".into(), 3), ("T03".into(), 1)]);
        c.execute(
            "UPDATE file_facts SET device = 'T05' WHERE hash = 'h1' AND expediente_id = 'c'",
            [],
        )
        .unwrap();
        assert_eq!(same(&c), [("T01".into(), 3), ("T05".into(), 1)]);
        for h in ["h1", "h2", "h3"] {
            blob(h);
        }
        assert!(same(&c).is_empty(), "every file here: no device waits");
    }
}
