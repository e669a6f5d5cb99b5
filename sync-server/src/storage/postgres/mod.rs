//! PostgreSQL storage, for a deployment past one machine: any number of brigada-sync
//! instances share one database (`serve --database postgres://…`). The embedded SQLite
//! stays the default.
//!
//! ## The change feed with several writers
//! A device's cursor is a feed position: it asks for what was stored after it. With
//! several transactions committing at once a plain sequence loses changes — one that took
//! position 1 can commit after one that took 2, and a device whose cursor passed 2 never
//! sees 1. So positions are handed out at commit: an exchange stores documents (and seals)
//! without a position, then takes one advisory lock, numbers what it wrote from a sequence
//! and commits; PostgreSQL makes a commit visible before it releases the transaction's
//! locks. Positions therefore become visible in order: whoever sees position n sees every
//! position below it. The lock is held for two short UPDATEs and the commit, not for the
//! exchange, and exchanges that only read never take it.
//!
//! Each exchange runs in REPEATABLE READ: its feed, its cursor and the documents it merges
//! come from one snapshot. Two exchanges that change the same rows (two tablets pushing the
//! same expediente through two instances) cannot both commit: the loser fails with a
//! serialization error, and the whole request is run again against the winner's result
//! ([`PgStorage::run`]), so no change is merged over a stale copy.
//!
//! Other writes that must not interleave take their own advisory locks: enrolment (one
//! key, folio code and actor per tablet), tag allocation (no number twice) and schema
//! migrations (instances starting together).

mod export;
mod import;
mod repo;
mod schema;
mod tls;

pub use import::Moved;

use std::collections::HashMap;
use std::time::Duration;

use brigada_record::protocol::{SealSeen, SyncRequest, SyncResponse, TagRange, TagsKept};
use postgres::types::ToSql;
use postgres::{IsolationLevel, Row, Statement};

use super::{Enrolment, Holder, Holders, Scope, Storage};
use crate::devices::{Device, Role};
use crate::error::{Result, ServerError};

/// Advisory lock keys (one namespace per database).
const LOCK_FEED: i64 = 0x6272_6967_0001;
const LOCK_ENROL: i64 = 0x6272_6967_0002;
const LOCK_TAGS: i64 = 0x6272_6967_0003;
const LOCK_MIGRATE: i64 = 0x6272_6967_0004;

/// How often a request that lost a race is run again before the device is told to retry.
const ATTEMPTS: u32 = 40;

/// Connections each instance keeps to the database, at most.
const POOL_SIZE: u32 = 12;

/// A connection with the statements it has prepared (each is parsed once per connection).
pub struct Conn {
    client: postgres::Client,
    stmts: HashMap<&'static str, Statement>,
}

struct Manager {
    config: postgres::Config,
    tls: tls::Tls,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<Conn, postgres::Error> {
        let mut client = self.tls.connect(&self.config)?;
        // An instance that stalls (or is cut off) in a transaction must not hold the
        // feed, tag or enrolment locks for every other instance: its transaction ends
        // after a minute idle, and a wait for a lock gives up after 20 s (run again).
        client.batch_execute("SET idle_in_transaction_session_timeout = '60s'; SET lock_timeout = '20s'")?;
        Ok(Conn {
            client,
            stmts: HashMap::new(),
        })
    }

    fn is_valid(&self, c: &mut Conn) -> std::result::Result<(), postgres::Error> {
        c.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, c: &mut Conn) -> bool {
        c.client.is_closed()
    }
}

/// One transaction on a pooled connection, with its connection's prepared statements.
pub(crate) struct Tx<'a> {
    tx: postgres::Transaction<'a>,
    stmts: &'a mut HashMap<&'static str, Statement>,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl Tx<'_> {
    fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.stmts.insert(sql, s.clone());
        Ok(s)
    }

    pub(crate) fn exec(&mut self, sql: &'static str, p: Params<'_>) -> Result<u64> {
        let s = self.statement(sql)?;
        Ok(self.tx.execute(&s, p)?)
    }

    pub(crate) fn rows(&mut self, sql: &'static str, p: Params<'_>) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        Ok(self.tx.query(&s, p)?)
    }

    pub(crate) fn row(&mut self, sql: &'static str, p: Params<'_>) -> Result<Option<Row>> {
        let s = self.statement(sql)?;
        Ok(self.tx.query_opt(&s, p)?)
    }

    /// The rows of `sql` one at a time, as the server sends them.
    pub(crate) fn stream(&mut self, sql: &'static str) -> Result<postgres::RowIter<'_>> {
        let s = self.statement(sql)?;
        Ok(self.tx.query_raw(&s, Vec::<&(dyn ToSql + Sync)>::new())?)
    }

    /// Several statements in one round trip (simple protocol: no parameters).
    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.tx.batch_execute(sql)?)
    }

    /// The database's time (its transaction's start), in milliseconds. Instances stamp
    /// enrolments, revocations, syncs and the witness of signatures by this one clock, not
    /// their own: one whose clock is wrong cannot backdate what the office reads.
    pub(crate) fn clock(&mut self) -> Result<i64> {
        self.row(concat!("SELECT ", db_now!()), &[])?
            .map(|r| r.get(0))
            .ok_or_else(|| ServerError::Storage("the database gave no time".into()))
    }

    pub(crate) fn lock(&mut self, key: i64) -> Result<()> {
        self.exec("SELECT pg_advisory_xact_lock($1)", &[&key])?;
        Ok(())
    }
}

pub struct PgStorage {
    pool: r2d2::Pool<Manager>,
}

/// Where a database is, for messages: never the password.
fn describe(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    format!(
        "{}@{}/{}",
        config.get_user().unwrap_or("?"),
        hosts.join(","),
        config.get_dbname().unwrap_or("?")
    )
}

impl PgStorage {
    /// Connect to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, or a socket folder as
    /// `?host=/run/postgresql`) and bring its schema up to this server's.
    pub fn open(url: &str) -> Result<PgStorage> {
        let (mut config, tls) = tls::parse(url)?;
        if tls::plain_over_network(&config, &tls) {
            tracing::warn!(
                database = %describe(&config),
                "the connection to the database is not encrypted: add sslmode=require to --database unless the network between them is private"
            );
        }
        // A dead peer is noticed in about a minute, not after the system's two hours.
        config.keepalives(true).keepalives_idle(Duration::from_secs(30));
        let mut first = tls.connect(&config).map_err(|e| {
            let said = detail(&e);
            let hint = if said.contains("certificate") {
                "check sslrootcert: it must hold the authority that signed the database's certificate, and the certificate must name the host in --database"
            } else {
                "check --database and that PostgreSQL runs and lets this user in"
            };
            ServerError::Storage(format!(
                "cannot reach the database {}: {said}; {hint}",
                describe(&config)
            ))
        })?;
        schema::migrate(&mut first)?;
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(20))
            .build_unchecked(Manager { config, tls });
        Ok(PgStorage { pool })
    }

    /// Run `f` in one transaction at `isolation` and commit it. A transaction that lost a
    /// race to a concurrent one ([`ServerError::Busy`]) rolled back; it is run again, a
    /// little later each time, and the error is returned only when it keeps losing.
    pub(crate) fn run<T>(&self, isolation: IsolationLevel, f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.run_with(isolation, ATTEMPTS, f)
    }

    /// [`PgStorage::run`] without running it again: a lost race is the caller's to report.
    pub(crate) fn run_once<T>(&self, isolation: IsolationLevel, f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.run_with(isolation, 0, f)
    }

    fn run_with<T>(
        &self,
        isolation: IsolationLevel,
        attempts: u32,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| ServerError::Storage(format!("no connection to the database: {e}")))?;
        let Conn { client, stmts } = &mut *conn;
        let mut attempt = 0;
        loop {
            let outcome = (|| {
                let mut t = Tx {
                    tx: client.build_transaction().isolation_level(isolation).start()?,
                    stmts: &mut *stmts,
                };
                let v = f(&mut t)?;
                t.tx.commit()?;
                Ok(v)
            })();
            match outcome {
                Err(ServerError::Busy(why)) if attempt < attempts => {
                    attempt += 1;
                    tracing::debug!(attempt, "transaction lost a race, running it again: {why}");
                    // Random, growing up to 200 ms: racing requests spread apart.
                    let ceiling = (1u64 << attempt.min(8)).min(200);
                    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % ceiling + 1));
                }
                other => return other,
            }
        }
    }

    fn read<T>(&self, f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.run(IsolationLevel::ReadCommitted, f)
    }
}

/// A PostgreSQL error with the server's own words, when it sent some.
pub(crate) fn detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

impl From<postgres::Error> for ServerError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        // Lost races, run again: a concurrent change to the same rows, a deadlock, a lock
        // not granted in time, and a row a concurrent request inserted first (a folio
        // taken meanwhile is then refused by the exchange itself).
        let retry = [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::UNIQUE_VIOLATION,
        ];
        match e.code() {
            Some(c) if retry.contains(c) => ServerError::Busy(detail(&e)),
            _ => ServerError::Storage(detail(&e)),
        }
    }
}

/// The database's time in milliseconds, as SQL ([`Tx::clock`]).
macro_rules! db_now {
    () => {
        "(extract(epoch FROM now()) * 1000)::bigint"
    };
}
use db_now;

/// `SELECT {DEVICE_COLS} FROM devices WHERE …`, as one static statement.
macro_rules! devices_where {
    ($cond:literal) => {
        concat!(
            "SELECT id, person, role, seccion, device_name, device_code, public_key, created_at, enrolled_at, revoked_at, actor, last_sync_at FROM devices ",
            $cond
        )
    };
}

fn device_row(r: &Row) -> Device {
    let role: String = r.get(2);
    Device {
        id: r.get(0),
        person: r.get(1),
        role: Role::parse(&role).unwrap_or(Role::Tecnico),
        seccion: r.get(3),
        device_name: r.get(4),
        device_code: r.get(5),
        public_key: r.get(6),
        created_at: r.get(7),
        enrolled_at: r.get(8),
        revoked_at: r.get(9),
        actor: r.get(10),
        last_sync_at: r.get(11),
    }
}

fn holder(r: Option<Row>) -> Option<Holder> {
    r.map(|r| Holder {
        person: r.get(0),
        device_name: r.get(1),
    })
}

/// A tag number as the database keeps it (BIGINT), and back.
fn tag_number(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Storage for PgStorage {
    fn add_device(&self, person: &str, role: Role, seccion: &str, code_hash: &str, expires_at: i64) -> Result<Device> {
        let id = uuid::Uuid::now_v7().to_string();
        // The code's lifetime, counted from the database's clock like the enrolment that
        // checks it (the caller's clock may be off).
        let lifetime = expires_at - chrono::Utc::now().timestamp_millis();
        self.read(|t| {
            t.exec(
                concat!(
                    "INSERT INTO devices (id, person, role, seccion, code_hash, code_expires_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, ",
                    db_now!(),
                    " + $6, ",
                    db_now!(),
                    ")"
                ),
                &[&id, &person, &role.as_str(), &seccion, &code_hash, &lifetime],
            )?;
            let r = t.row(devices_where!("WHERE id = $1"), &[&id])?;
            r.as_ref()
                .map(device_row)
                .ok_or_else(|| ServerError::Storage("the new device is not there".into()))
        })
    }

    fn enroll(&self, code_hash: &str, e: &Enrolment, token_hash: &str, _now: i64) -> Result<Device> {
        self.read(|t| {
            t.lock(LOCK_ENROL)?;
            let now = t.clock()?;
            repo::claim_actors(t)?;
            let id: String = t
                .row(
                    "SELECT id FROM devices WHERE code_hash = $1 AND code_expires_at > $2 AND revoked_at IS NULL",
                    &[&code_hash, &now],
                )?
                .map(|r| r.get(0))
                .ok_or(ServerError::BadCode)?;
            let holders = Holders {
                key: holder(t.row(
                    "SELECT person, device_name FROM devices WHERE public_key = $1 AND id <> $2
                     AND enrolled_at IS NOT NULL AND revoked_at IS NULL LIMIT 1",
                    &[&e.public_key, &id],
                )?),
                code: holder(t.row(
                    "SELECT person, device_name FROM devices WHERE device_code = $1 AND id <> $2
                     AND enrolled_at IS NOT NULL AND coalesce(public_key, '') <> $3 LIMIT 1",
                    &[&e.device_code, &id, &e.public_key],
                )?),
                actor: match &e.actor {
                    Some(actor) => holder(t.row(
                        "SELECT person, device_name FROM devices WHERE actor = $1 AND id <> $2
                         AND coalesce(public_key, '') <> $3 LIMIT 1",
                        &[actor, &id, &e.public_key],
                    )?),
                    None => None,
                },
            };
            holders.check(e)?;
            t.exec(
                "UPDATE devices SET code_hash = NULL, code_expires_at = NULL, token_hash = $2, device_name = $3,
                    device_code = $4, public_key = $5, enrolled_at = $6, actor = $7 WHERE id = $1",
                &[
                    &id,
                    &token_hash,
                    &e.device_name,
                    &e.device_code,
                    &e.public_key,
                    &now,
                    &e.actor,
                ],
            )?;
            let r = t.row(devices_where!("WHERE id = $1"), &[&id])?;
            r.as_ref()
                .map(device_row)
                .ok_or_else(|| ServerError::Storage("the enrolled device is not there".into()))
        })
    }

    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        self.read(|t| {
            Ok(t.row(devices_where!("WHERE token_hash = $1"), &[&token_hash])?
                .as_ref()
                .map(device_row))
        })
    }

    fn devices(&self) -> Result<Vec<Device>> {
        self.read(|t| {
            Ok(t.rows(devices_where!("ORDER BY created_at, id"), &[])?
                .iter()
                .map(device_row)
                .collect())
        })
    }

    /// Dated by the caller (the administrator's `device revoke`, or a test dating it ahead),
    /// as on the embedded store.
    fn revoke(&self, id: &str, now: i64) -> Result<bool> {
        self.read(|t| {
            Ok(t.exec(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, $2), code_hash = NULL WHERE id = $1",
                &[&id, &now],
            )? == 1)
        })
    }

    fn seals(&self, after: i64, limit: usize) -> Result<Vec<SealSeen>> {
        self.read(|t| {
            let rows = t.rows(
                "SELECT seq, seal, first_seen FROM seals WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&after, &(limit as i64)],
            )?;
            Ok(rows
                .iter()
                .map(|r| SealSeen {
                    seq: r.get(0),
                    seal: r.get(1),
                    first_seen: r.get(2),
                })
                .collect())
        })
    }

    fn sync(&self, device: &Device, req: &SyncRequest) -> Result<SyncResponse> {
        self.run(IsolationLevel::RepeatableRead, |t| {
            // First, and on the device's own row: a revocation committed meanwhile (on any
            // instance) refuses the exchange, or makes it run again and then refuses it;
            // two exchanges of one device at once run one after the other.
            let Some(live) = t.row(
                concat!(
                    "UPDATE devices SET last_sync_at = ",
                    db_now!(),
                    " WHERE id = $1 AND revoked_at IS NULL RETURNING last_sync_at"
                ),
                &[&device.id],
            )?
            else {
                return Err(ServerError::Revoked);
            };
            let mut repo = repo::Repo::new(t, live.get(0));
            let resp = crate::sync::exchange(&mut repo, device, req)?;
            repo.flush()?;
            let (wrote, new_asset) = (repo.wrote(), repo.new_asset());
            // A new asset's number must not land in a block being allocated meanwhile.
            if new_asset {
                t.lock(LOCK_TAGS)?;
            }
            if wrote {
                repo::number_feed(t)?;
            }
            Ok(resp)
        })
    }

    fn blob_visible(&self, device: &Device, hash: &str) -> Result<bool> {
        self.read(|t| {
            let found = match Scope::of(device) {
                Scope::All => t.row("SELECT 1 FROM blob_refs WHERE hash = $1 LIMIT 1", &[&hash])?,
                Scope::Tecnico {
                    device_id,
                    person,
                    seccion,
                } => t.row(
                    concat!(
                        "SELECT 1 FROM blob_refs r JOIN docs d ON d.id = r.doc_id WHERE r.hash = $1 AND ",
                        repo::tecnico_scope!(),
                        " LIMIT 1"
                    ),
                    &[&hash, &seccion, &device_id, &person],
                )?,
            };
            Ok(found.is_some())
        })
    }

    fn allocate_tags(&self, device: &Device, count: u32, _now: i64) -> Result<TagRange> {
        self.read(|t| {
            t.lock(LOCK_TAGS)?;
            let now = t.clock()?;
            let allocated: i64 = t
                .row("SELECT coalesce(max(last), 0) FROM tag_ranges", &[])?
                .map(|r| r.get(0))
                .unwrap_or(0);
            let registered: Vec<u32> = t
                .rows("SELECT id FROM docs WHERE kind = 'asset'", &[])?
                .iter()
                .filter_map(|r| {
                    r.get::<_, &str>(0)
                        .strip_prefix("asset:")
                        .and_then(brigada_record::tag::number)
                })
                .collect();
            let range = super::next_tag_block(tag_number(allocated), registered, count)?;
            t.exec(
                "INSERT INTO tag_ranges (first, last, device_id, allocated_at) VALUES ($1, $2, $3, $4)",
                &[&i64::from(range.first), &i64::from(range.last), &device.id, &now],
            )?;
            Ok(range)
        })
    }

    fn keep_tag_ranges(&self, device: &Device, ranges: &[TagRange], _now: i64) -> Result<TagsKept> {
        self.read(|t| {
            t.lock(LOCK_TAGS)?;
            let now = t.clock()?;
            let mut kept = TagsKept::default();
            for r in ranges {
                let (first, last) = (i64::from(r.first), i64::from(r.last));
                let overlapping: Vec<(u32, u32, String)> = t
                    .rows(
                        "SELECT first, last, device_id FROM tag_ranges WHERE first <= $2 AND last >= $1",
                        &[&first, &last],
                    )?
                    .iter()
                    .map(|x| (tag_number(x.get(0)), tag_number(x.get(1)), x.get(2)))
                    .collect();
                if super::classify_kept(&mut kept, &overlapping, r, device) {
                    t.exec(
                        "INSERT INTO tag_ranges (first, last, device_id, allocated_at) VALUES ($1, $2, $3, $4)",
                        &[&first, &last, &device.id, &now],
                    )?;
                }
            }
            Ok(kept)
        })
    }
}
