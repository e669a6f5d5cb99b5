//! A report as tables: one definition of every table's rows and headings, written as the
//! XLSX workbook's sheets ([`super::xlsx`]), the CSV files ([`super::csv`]) and the PDF
//! report's tables. Cells keep their kind (a count is a number, an opening a moment), so a
//! spreadsheet sorts and sums them as numbers and dates, not text.

use brigada_record::messages::{Locale, Message};
use brigada_record::msg;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::America::Mexico_City;

use super::devices::Devices;
use super::{JobLine, Report};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(usize),
    /// A measure with one decimal (hours, quantities).
    Number(f64),
    Day(NaiveDate),
    /// A Mexico City wall-clock moment.
    Moment(NaiveDateTime),
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The sheet's name (in the report's language; at most 31 characters, as Excel allows).
    pub sheet: String,
    /// The CSV file's name.
    pub file: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn day(iso: &str) -> Cell {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").map_or_else(|_| Cell::Text(iso.to_owned()), Cell::Day)
}

/// A moment (ms) as Mexico City's wall clock.
pub fn moment(ms: i64) -> Cell {
    Cell::Moment(crate::time::from_ms(ms).with_timezone(&Mexico_City).naive_local())
}

/// An open job's state in words.
pub fn state_words(state: &str, locale: Locale) -> String {
    let m = match state {
        "en-curso" => msg!("state.en-curso"),
        "en-espera" => msg!("state.en-espera"),
        "conflicto" => msg!("state.conflicto"),
        "terminado" => msg!("state.terminado"),
        other => return other.to_owned(),
    };
    m.render(locale)
}

/// Who, in words ("" is nobody assigned).
pub fn person_words(person: &str, locale: Locale) -> String {
    if person.is_empty() {
        msg!("report.unassigned").render(locale)
    } else {
        person.to_owned()
    }
}

/// Every table of `r`, and the expedientes behind it (`jobs`), in `locale`.
pub fn tables(r: &Report, jobs: &[JobLine], devices: &Devices, locale: Locale) -> Vec<Table> {
    let say = |m: Message| m.render(locale);
    let table = |sheet: Message, file, headers: Vec<Message>, rows| Table {
        sheet: say(sheet),
        file,
        headers: headers.into_iter().map(say).collect(),
        rows,
    };
    let text = |s: &str| Cell::Text(s.to_owned());
    let summary = vec![
        vec![Cell::Text(say(msg!("report.row.from"))), day(&r.from)],
        vec![Cell::Text(say(msg!("report.row.to"))), day(&r.to)],
        vec![
            Cell::Text(say(msg!("report.row.seccion"))),
            Cell::Text(r.seccion.clone().unwrap_or_else(|| say(msg!("cli.report_all")))),
        ],
        vec![Cell::Text(say(msg!("report.row.opened"))), Cell::Count(r.opened)],
        vec![Cell::Text(say(msg!("report.row.closed"))), Cell::Count(r.closed)],
        vec![Cell::Text(say(msg!("report.row.open"))), Cell::Count(r.open_at_end)],
        vec![Cell::Text(say(msg!("report.row.parts_in"))), Cell::Count(r.parts_in)],
        vec![Cell::Text(say(msg!("report.row.parts_out"))), Cell::Count(r.parts_out)],
        vec![Cell::Text(say(msg!("report.row.bajas"))), Cell::Count(r.bajas)],
        vec![
            Cell::Text(say(msg!("report.row.unsigned"))),
            Cell::Count(r.papers.iter().map(|p| p.unsigned).sum()),
        ],
        vec![
            Cell::Text(say(msg!("report.row.altered"))),
            Cell::Count(r.papers.iter().map(|p| p.altered).sum()),
        ],
        vec![Cell::Text(say(msg!("report.row.stale"))), Cell::Count(devices.stale)],
        vec![
            Cell::Text(say(msg!("report.row.waiting"))),
            Cell::Count(devices.waiting),
        ],
        vec![Cell::Text(say(msg!("report.row.as_of"))), moment(r.as_of)],
        vec![
            Cell::Text(say(msg!("report.row.last_sync"))),
            r.last_sync.map_or(Cell::Empty, moment),
        ],
    ];
    vec![
        table(
            msg!("report.sheet.summary"),
            "resumen.csv",
            vec![msg!("report.col.figure"), msg!("report.col.value")],
            summary,
        ),
        table(
            msg!("report.sheet.weeks"),
            "semanas.csv",
            vec![
                msg!("report.col.week"),
                msg!("report.col.opened"),
                msg!("report.col.closed"),
            ],
            r.weeks
                .iter()
                .map(|w| vec![day(&w.start), Cell::Count(w.opened), Cell::Count(w.closed)])
                .collect(),
        ),
        table(
            msg!("report.sheet.states"),
            "estados.csv",
            vec![msg!("report.col.state"), msg!("report.col.count")],
            r.open_by_state
                .iter()
                .map(|c| vec![Cell::Text(state_words(&c.key, locale)), Cell::Count(c.n)])
                .collect(),
        ),
        table(
            msg!("report.sheet.ages"),
            "antiguedad.csv",
            vec![msg!("report.col.age"), msg!("report.col.count")],
            r.open_by_age
                .iter()
                .map(|c| vec![text(&c.key), Cell::Count(c.n)])
                .collect(),
        ),
        table(
            msg!("report.sheet.close"),
            "tiempo_de_cierre.csv",
            vec![
                msg!("report.col.procedure"),
                msg!("report.col.closed"),
                msg!("report.col.median"),
                msg!("report.col.p90"),
            ],
            r.time_to_close
                .iter()
                .map(|t| {
                    vec![
                        text(&t.procedure),
                        Cell::Count(t.closed),
                        Cell::Number(t.median_hours),
                        Cell::Number(t.p90_hours),
                    ]
                })
                .collect(),
        ),
        table(
            msg!("report.sheet.load"),
            "carga.csv",
            vec![
                msg!("report.col.person"),
                msg!("report.col.open"),
                msg!("report.col.closed"),
            ],
            r.workload
                .iter()
                .map(|l| {
                    vec![
                        Cell::Text(person_words(&l.person, locale)),
                        Cell::Count(l.open),
                        Cell::Count(l.closed),
                    ]
                })
                .collect(),
        ),
        table(
            msg!("report.sheet.escalations"),
            "escalamientos.csv",
            vec![
                msg!("report.col.escalation"),
                msg!("report.col.due"),
                msg!("report.col.met"),
                msg!("report.col.missed"),
                msg!("report.col.pending"),
            ],
            r.escalations
                .iter()
                .map(|e| {
                    vec![
                        text(&e.escalation),
                        Cell::Count(e.due),
                        Cell::Count(e.met),
                        Cell::Count(e.missed),
                        Cell::Count(e.pending),
                    ]
                })
                .collect(),
        ),
        table(
            msg!("report.sheet.materials"),
            "material.csv",
            vec![
                msg!("report.col.item"),
                msg!("report.col.unit"),
                msg!("report.col.quantity"),
            ],
            r.materials
                .iter()
                .map(|m| vec![text(&m.item), text(&m.unit), Cell::Number(m.quantity)])
                .collect(),
        ),
        table(
            msg!("report.sheet.papers"),
            "documentos.csv",
            vec![
                msg!("report.col.document"),
                msg!("report.col.unsigned"),
                msg!("report.col.altered"),
            ],
            r.papers
                .iter()
                .map(|p| vec![text(&p.title), Cell::Count(p.unsigned), Cell::Count(p.altered)])
                .collect(),
        ),
        table(
            msg!("report.sheet.devices"),
            "dispositivos.csv",
            vec![
                msg!("report.col.device"),
                msg!("report.col.device_code"),
                msg!("report.col.person"),
                msg!("report.col.seccion"),
                msg!("report.col.last_sync"),
                msg!("report.col.sync_state"),
                msg!("report.col.waiting"),
            ],
            devices
                .devices
                .iter()
                .map(|d| {
                    vec![
                        text(&d.device_name),
                        text(&d.device_code),
                        text(&d.person),
                        text(&d.seccion),
                        d.last_sync_at.map_or(Cell::Empty, moment),
                        Cell::Text(say(if d.revoked {
                            msg!("report.device_revoked")
                        } else if d.stale {
                            msg!("report.device_stale")
                        } else {
                            msg!("report.device_current")
                        })),
                        Cell::Count(d.waiting),
                    ]
                })
                .collect(),
        ),
        table(
            msg!("report.sheet.jobs"),
            "expedientes.csv",
            vec![
                msg!("report.col.folio"),
                msg!("report.col.procedure"),
                msg!("report.col.state"),
                msg!("report.col.seccion"),
                msg!("report.col.unidad"),
                msg!("report.col.area"),
                msg!("report.col.assignees"),
                msg!("report.col.opened_at"),
                msg!("report.col.closed_at"),
                msg!("report.col.hours"),
            ],
            jobs.iter()
                .map(|j| {
                    vec![
                        text(&j.row.folio),
                        text(&j.row.procedure),
                        Cell::Text(state_words(&j.row.state, locale)),
                        text(&j.seccion),
                        text(&j.row.unidad),
                        text(&j.row.area),
                        Cell::Text(j.row.assignees.join(", ")),
                        moment(j.row.created_at),
                        j.closed_at.map_or(Cell::Empty, moment),
                        j.closed_at.map_or(Cell::Empty, |c| {
                            Cell::Number(((c - j.row.created_at) as f64 / 360_000.0).round() / 10.0)
                        }),
                    ]
                })
                .collect(),
        ),
    ]
}
