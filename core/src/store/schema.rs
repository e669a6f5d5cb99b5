//! Schema migrations, ordered by SQLite's `user_version`.
//!
//! Each table module owns its migrations; this list only orders them. A shipped entry is
//! never edited — a change is a new entry at the end. All pending migrations run in one
//! transaction, so a crash mid-upgrade leaves the old schema intact. A database whose
//! version is newer than this list is refused and left untouched.

use brigada_record::msg;
use rusqlite::Connection;

use super::{blobs, documents, held, index, keys, meta, sync_state, tag_ranges};
use crate::error::{Error, Result};

pub struct Migration {
    pub module: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        module: "meta",
        sql: meta::MIGRATION_1,
    },
    Migration {
        module: "documents",
        sql: documents::MIGRATION_1,
    },
    Migration {
        module: "blobs",
        sql: blobs::MIGRATION_1,
    },
    Migration {
        module: "index",
        sql: index::MIGRATION_1,
    },
    Migration {
        module: "sync_state",
        sql: sync_state::MIGRATION_1,
    },
    Migration {
        module: "index",
        sql: index::MIGRATION_2,
    },
    Migration {
        module: "blobs",
        sql: blobs::MIGRATION_2,
    },
    Migration {
        module: "sync_state",
        sql: sync_state::MIGRATION_2,
    },
    Migration {
        module: "keys",
        sql: keys::MIGRATION_1,
    },
    Migration {
        module: "tag_ranges",
        sql: tag_ranges::MIGRATION_1,
    },
    Migration {
        module: "held",
        sql: held::MIGRATION_1,
    },
    Migration {
        module: "keys",
        sql: keys::MIGRATION_2,
    },
    Migration {
        module: "keys",
        sql: keys::MIGRATION_3,
    },
    Migration {
        module: "report",
        sql: crate::report::facts::MIGRATION,
    },
    Migration {
        module: "report",
        sql: crate::report::papers::MIGRATION,
    },
    Migration {
        module: "report",
        sql: crate::report::devices::MIGRATION,
    },
    Migration {
        module: "search",
        sql: super::search::MIGRATION,
    },
    Migration {
        module: "index",
        sql: index::MIGRATION_3,
    },
    Migration {
        module: "report",
        sql: crate::report::facts::MIGRATION_2,
    },
    Migration {
        module: "report",
        sql: crate::report::materials::MIGRATION,
    },
    Migration {
        module: "report",
        sql: crate::report::facts::MIGRATION_3,
    },
    Migration {
        module: "report",
        sql: crate::report::devices::MIGRATION_2,
    },
    Migration {
        module: "report",
        sql: crate::report::tally::MIGRATION,
    },
    Migration {
        module: "report",
        sql: crate::report::devices::MIGRATION_3,
    },
    Migration {
        module: "report",
        sql: crate::report::materials::MIGRATION_2,
    },
    Migration {
        module: "report",
        sql: crate::report::escalations::MIGRATION,
    },
];

/// Work a migration's SQL cannot do (a Mexico City day, a list of people), run right after
/// it in the same transaction.
pub type Fill = fn(&Connection) -> Result<()>;

/// Each [`Fill`] and the version whose SQL it follows.
pub const FILLS: &[(usize, Fill)] = &[(23, crate::report::tally::fill), (26, crate::report::escalations::fill)];

/// Versions that add materialised index tables: a database migrated across one of them
/// owes a rebuild of its index from the documents ([`REINDEX_OWED`], done on opening).
pub const REINDEX_AT: &[i64] = &[4, 6, 14, 15, 16, 17, 20];

/// The `meta` key saying a rebuild of the index is owed.
pub const REINDEX_OWED: &str = "reindex_owed";

pub fn current_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the schema up to date. Returns the version found before migrating.
pub fn migrate(conn: &mut Connection, upto: usize) -> Result<i64> {
    let found = current_version(conn)?;
    let known = upto as i64;
    if found > MIGRATIONS.len() as i64 {
        return Err(Error::DatabaseTooNew {
            found,
            known: MIGRATIONS.len() as i64,
        });
    }
    if found >= known {
        return Ok(found);
    }
    let tx = conn.transaction()?;
    for (i, m) in MIGRATIONS.iter().enumerate().take(upto).skip(found as usize) {
        tx.execute_batch(m.sql).map_err(|e| {
            Error::InvalidInput(msg!(
                "store.migration_failed",
                module = m.module,
                detail = e.to_string()
            ))
        })?;
        for (_, fill) in FILLS.iter().filter(|(v, _)| *v == i + 1) {
            fill(&tx)?;
        }
    }
    // A migration that adds index tables leaves them to be filled from the documents: the
    // rebuild is owed from the moment the new schema commits until the rebuild's own
    // commit, so a crash or a failure between the two is picked up at the next opening.
    // (A new database has no documents: nothing is owed.)
    if found > 0 && REINDEX_AT.iter().any(|v| found < *v && known >= *v) {
        super::meta::put(&tx, REINDEX_OWED, b"1")?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(found)
}
