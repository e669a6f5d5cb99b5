//! Searching the archive: what a person types finds the expedientes that have every typed
//! word as the start of one of their words, accents, case and punctuation aside ("camara
//! hiper" finds "Cámara Hiperbárica", "rt-2026" finds folio RT-2026-…).
//!
//! Each expediente's text is folded once, here, when it is indexed, and kept
//! (`expedientes_search`) with an FTS5 index over it; what is typed is folded the same way.
//! A page is found one of two ways, and both read the same folded words, so they agree:
//!
//! - **Walking the list.** A word most expedientes have ("plafón" in every installation)
//!   would make the index hand back the whole archive to be sorted for one page. Instead the
//!   list is read in its own order (its filters and sort as without a search) and each row's
//!   folded text is matched here: a page fills after a few rows.
//! - **The index.** A word few expedientes have would take the walk through the whole list;
//!   the index finds its few matches at once, and sorting a few is cheap.
//!
//! A page walks first, for a bounded number of rows, and turns to the index when that did
//! not fill it. Counting every match (the "de N" of a page) is the index's job.

use rusqlite::Connection;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::Result;

/// The folded text beside the index, and the FTS5 index over it (external content: the
/// words are stored once). The index folds nothing more itself, so what it finds is what
/// [`matches`] finds. Prefix indexes of two to four characters keep a short typed
/// word, which starts a great many words, from merging them all at every keystroke.
pub const MIGRATION: &str = "
DROP TABLE expedientes_fts;
CREATE TABLE expedientes_search (
    id INTEGER PRIMARY KEY,
    folio TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE VIRTUAL TABLE expedientes_fts USING fts5(
    folio, body,
    content = 'expedientes_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3 4'
);
";

/// Rows a page reads in the list's order before it turns to the index (at least; a page
/// further on reads proportionally more). A few in unit tests, so small stores take both ways.
const WALK: usize = if cfg!(test) { 6 } else { 2_000 };

/// `text` lower-case, without accents or other marks, in its plain forms (full-width
/// letters, circled letters and ligatures as the letters they are), and every run of
/// characters that are not letters or digits one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = true;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            // Some capitals lower-case to a letter and a mark ("İ"): the mark goes too.
            out.extend(c.to_lowercase().filter(|l| !is_combining_mark(*l)));
            gap = false;
        } else if !gap {
            out.push(' ');
            gap = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The folded words of `text`, each once, in the order they first appear: what is kept and
/// indexed for an expediente (a job that says "plafón" on every step is read once).
pub fn distinct_words(text: &str) -> String {
    let folded = fold(text);
    let mut seen = std::collections::HashSet::new();
    folded
        .split(' ')
        .filter(|w| !w.is_empty() && seen.insert(*w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of what was typed, folded; empty when nothing searchable was typed.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether folded `folio` and `body` have every one of `words` as the start of a word.
pub fn matches(words: &[String], folio: &str, body: &str) -> bool {
    words.iter().all(|w| {
        folio
            .split(' ')
            .chain(body.split(' '))
            .any(|token| token.starts_with(w.as_str()))
    })
}

/// The FTS5 query of `words`: each as a prefix, all of them.
pub fn fts_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Merge the search index into one segment. A rebuild writes every row, leaving the index
/// in many segments that every search reads in turn (counting a word in most of 100,000
/// expedientes took 8 ms before, 3.8 ms after; FTS5's own merging keeps day-to-day writes
/// in few segments).
pub fn optimize(conn: &Connection) -> Result<()> {
    conn.execute("INSERT INTO expedientes_fts (expedientes_fts) VALUES ('optimize')", [])?;
    Ok(())
}

/// Keep the folded text of the expediente at `rowid` (of `expedientes`) and its index entry.
pub fn upsert(conn: &Connection, rowid: i64, folio: &str, body: &str) -> Result<()> {
    use rusqlite::OptionalExtension;
    let (folio, body) = (distinct_words(folio), distinct_words(body));
    let old: Option<(String, String)> = conn
        .prepare_cached("SELECT folio, body FROM expedientes_search WHERE id = ?1")?
        .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((old_folio, old_body)) = old {
        if old_folio == folio && old_body == body {
            return Ok(());
        }
        // An external-content index forgets a row by being told what it held.
        conn.prepare_cached(
            "INSERT INTO expedientes_fts (expedientes_fts, rowid, folio, body) VALUES ('delete', ?1, ?2, ?3)",
        )?
        .execute(rusqlite::params![rowid, old_folio, old_body])?;
    }
    conn.prepare_cached("INSERT OR REPLACE INTO expedientes_search (id, folio, body) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![rowid, folio, body])?;
    conn.prepare_cached("INSERT INTO expedientes_fts (rowid, folio, body) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![rowid, folio, body])?;
    Ok(())
}

/// How far a walk for one page may go: `WALK` rows, or twenty per row wanted for pages
/// further on (a word in one expediente of twenty still fills them by walking).
pub fn walk_budget(wanted: usize) -> usize {
    WALK.max(wanted.saturating_mul(20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_case_and_punctuation() {
        assert_eq!(fold("Cámara  Hiperbárica"), "camara hiperbarica");
        assert_eq!(fold("RT-2026-T90-00042"), "rt 2026 t90 00042");
        assert_eq!(fold("¡Señal, ÑANDÚ!"), "senal nandu");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("ⓐⓑ ＣＡＭＡＲＡ ﬁbra"), "ab camara fibra");
        assert_eq!(fold("  --  "), "");
        assert_eq!(words("  Río-blanco "), vec!["rio", "blanco"]);
        assert_eq!(distinct_words("Plafón, plafon; PLAFÓN tramo 1"), "plafon tramo 1");
    }

    #[test]
    fn every_word_must_start_a_word() {
        let w = words("cam hiper");
        assert!(matches(&w, "rt 2026", "urgencias camara hiperbarica"));
        assert!(!matches(&w, "rt 2026", "urgencias camara"), "both words");
        assert!(
            !matches(&words("mara"), "", "camara"),
            "the start of a word, not its middle"
        );
        assert!(matches(&words("00042"), "rt 2026 t90 00042", ""), "the folio counts");
    }

    /// Every page of every search, walked or through the index, is what reading the whole
    /// list and matching each row by hand gives, in the list's order; and so is the count.
    #[test]
    fn walking_and_the_index_find_the_same_pages() {
        use crate::expedientes::NewExpediente;
        use crate::store::index::{Filter, Sort};
        use crate::store::{InitOptions, Store, kdf::KdfParams};

        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::init(
            &dir.path().join("home"),
            "prueba-1234",
            InitOptions {
                device_name: "Tablet 01".into(),
                code: None,
                person: Some("Ana".into()),
                seccion: Some("RT".into()),
                kdf: KdfParams::new_for_tests(),
            },
        )
        .unwrap();
        let areas = ["Urgencias", "Cámara Hiperbárica", "Rayos X"];
        for i in 0..30 {
            let id = store
                .create_expediente(NewExpediente {
                    procedure: ["P1", "P2"][i % 2].into(),
                    area: areas[i % 3].into(),
                    unidad: Some("Hospital Regional de Río Blanco".into()),
                    request: Some(format!("oficio {i}/2026")),
                    ..Default::default()
                })
                .unwrap()
                .id;
            // A rare word (three jobs), in a comment; letters in other forms in two more.
            if i % 10 == 7 {
                store.comment(&id, "Se cambió el conmutador").unwrap();
            }
            if i % 15 == 4 {
                store.comment(&id, "Søren revisó la ⓐntena de ＦＩＢＲＡ").unwrap();
            }
        }
        let folded: std::collections::HashMap<String, (String, String)> = store
            .conn()
            .prepare("SELECT e.id, s.folio, s.body FROM expedientes e JOIN expedientes_search s ON s.id = e.rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for sort in [Sort::Deadline, Sort::Newest, Sort::Folio] {
            let everything: Vec<String> = store
                .list(&Filter {
                    sort,
                    limit: Some(1000),
                    ..Default::default()
                })
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(everything.len(), 30);
            for q in [
                "rio",
                "camara hiper",
                "CONMUTADOR",
                "conmut rayos",
                "urg p2",
                "nada",
                "2026 ofic",
                "søren",
                "soren",
                "antena fibra",
                "ⓐnt",
            ] {
                let w = words(q);
                let expected: Vec<&String> = everything
                    .iter()
                    .filter(|id| {
                        let (folio, body) = &folded[*id];
                        matches(&w, folio, body)
                    })
                    .collect();
                let count = store
                    .count(&Filter {
                        query: Some(q.into()),
                        ..Default::default()
                    })
                    .unwrap();
                assert_eq!(count as usize, expected.len(), "count of {q:?}");
                for (offset, limit) in [(0, 5), (5, 5), (0, 50), (2, 1), (28, 5)] {
                    let page: Vec<String> = store
                        .list(&Filter {
                            query: Some(q.into()),
                            sort,
                            offset: Some(offset),
                            limit: Some(limit),
                            ..Default::default()
                        })
                        .unwrap()
                        .into_iter()
                        .map(|r| r.id)
                        .collect();
                    let want: Vec<String> = expected
                        .iter()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .map(|s| (*s).clone())
                        .collect();
                    assert_eq!(page, want, "{q:?} {sort:?} from {offset}, {limit}");
                }
            }
        }
    }
}
