//! Paper: official documents as PDF, verification of signed papers, asset-tag labels.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use brigada_core::forms::batch;
use brigada_core::forms::verify::{Status, Verification};
use brigada_core::forms::{self, Form};
use brigada_core::messages::Message;
use brigada_core::pdf::{self, Layout, Paper};
use brigada_core::procedure::role_name;
use brigada_core::report::{self, Period};
use brigada_core::sync::lend;
use brigada_core::{Error, Store, msg, tag};
use serde_json::json;

use crate::cli::{LabelArgs, PdfArgs};
use crate::print::{self, Out};
use crate::run::decode_isolated;

pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    brigada_core::files::write_whole(path, bytes)
        .with_context(|| msg!("file.cannot_write", path = path.display().to_string()))
}

/// Prints `what: done of total` on one line of stderr, at most four times a second.
pub(crate) fn progress_printer(out: &Out, what: Message) -> impl FnMut(usize, usize) {
    let quiet = out.json;
    let mut last = std::time::Instant::now();
    move |done, total| {
        if !quiet && (done == total || last.elapsed().as_millis() > 250) {
            last = std::time::Instant::now();
            eprint!(
                "\r{}",
                msg!("cli.progress", what = what.clone(), done = done, total = total)
            );
            if done == total {
                eprintln!();
            }
        }
    }
}

pub fn pdf(out: &Out, store: &Store, a: &PdfArgs) -> Result<()> {
    let paper = Paper::parse(&a.paper).ok_or_else(|| Error::InvalidInput(msg!("print.paper", paper = &a.paper)))?;
    if a.list {
        let [r] = a.references.as_slice() else {
            return Err(Error::InvalidInput(msg!("cli.list_one")).into());
        };
        let list = store.forms(r)?;
        return out.value(&list, |l| {
            l.iter()
                .map(|f| {
                    let issued = if f.issued {
                        msg!("cli.issued")
                    } else {
                        msg!("cli.not_issued")
                    };
                    msg!(
                        "cli.form_line",
                        kind = f.kind.title(),
                        issued = issued,
                        n = f.signatures
                    )
                    .to_string()
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
    }
    let file: &PathBuf = a
        .out
        .as_ref()
        .ok_or_else(|| Error::InvalidInput(msg!("cli.give_out")))?;
    let req = batch::PrintRequest {
        references: a.references.clone(),
        document: a.document.clone(),
        draft: a.draft,
        day: a.day.clone(),
        week: a.week.clone(),
        seccion: a.seccion.clone(),
    };
    let forms: Vec<Form> = store.forms_to_print(&req, &mut progress_printer(out, msg!("cli.progress_checked")))?;
    let bytes = pdf::forms(
        &forms,
        paper,
        &mut progress_printer(out, msg!("cli.progress_documents")),
    )?;
    write_atomically(file, &bytes)?;
    let changed: Vec<&str> = forms
        .iter()
        .filter(|f| f.changed_after_signing.is_some())
        .map(|f| f.body.folio.as_str())
        .collect();
    out.value(
        &json!({"file": file, "documents": forms.len(), "bytes": bytes.len(),
                "codes": forms.iter().map(|f| &f.code).collect::<Vec<_>>(), "changed_after_signing": changed}),
        |_| {
            let file = file.display().to_string();
            let mut s = msg!("cli.printed", n = forms.len(), file = file, kib = bytes.len() / 1024).to_string();
            for f in &forms {
                let b = &f.body;
                s.push('\n');
                s.push_str(
                    &msg!(
                        "cli.printed_one",
                        folio = &b.folio,
                        title = &b.title,
                        code = &f.short_code
                    )
                    .to_string(),
                );
                if f.changed_after_signing.is_some() {
                    s.push_str(&msg!("cli.printed_changed").to_string());
                }
            }
            s
        },
    )
}

/// A verification's outcome in words.
pub fn verdict(status: Status) -> Message {
    match status {
        Status::Valid => msg!("cli.verdict_valid"),
        Status::ChangedAfterSigning => msg!("cli.verdict_changed"),
        Status::Review => msg!("cli.verdict_review"),
        Status::Invalid => msg!("cli.verdict_invalid"),
    }
}

fn human(v: &Verification) -> String {
    let mut s = format!("{} — {}", verdict(v.status), v.folio);
    if let Some(d) = &v.document {
        s.push_str(&format!(" · {d}"));
    }
    s.push_str(&format!("\n  {}", v.reason));
    for c in &v.signatures {
        s.push_str(&format!(
            "\n  {} {} ({}) {} · {}{}",
            match (c.valid, c.review) {
                (true, _) => "✓",
                (false, true) => "?",
                (false, false) => "✗",
            },
            c.name,
            role_name(&c.role),
            c.signed_at,
            c.device,
            c.reason.as_ref().map(|r| format!(" — {r}")).unwrap_or_default()
        ));
    }
    s
}

/// The command's exit: 0 valid, 1 with the report otherwise (so scripts can check).
fn report(out: &Out, v: &Verification) -> Result<()> {
    out.value(v, human)?;
    match v.status {
        Status::Valid => Ok(()),
        Status::ChangedAfterSigning => Err(Error::InvalidInput(msg!("cli.verify_changed")).into()),
        Status::Review => Err(Error::InvalidInput(msg!("cli.verify_review")).into()),
        Status::Invalid => Err(Error::InvalidInput(msg!("cli.verify_invalid")).into()),
    }
}

pub fn verify(out: &Out, store: &Store, target: &str) -> Result<()> {
    let path = Path::new(target);
    if forms::parse_qr_text(target).is_some() {
        return report(out, &store.verify_printed(target)?);
    }
    if path.is_file() {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ext == "pdf" {
            let shown = path.display().to_string();
            let bytes = std::fs::read(path).with_context(|| msg!("file.cannot_read", path = &shown))?;
            let codes = pdf::codes_in(&bytes);
            if codes.is_empty() {
                return Err(Error::InvalidInput(msg!("cli.verify_no_code", path = shown)).into());
            }
            let results: Vec<Verification> = codes
                .iter()
                .map(|c| store.verify_printed(c))
                .collect::<brigada_core::Result<_>>()?;
            if let [one] = results.as_slice() {
                return report(out, one);
            }
            let worst = results
                .iter()
                .map(|v| v.status)
                .max_by_key(|s| s.severity())
                .unwrap_or(Status::Invalid);
            out.value(&json!({"status": worst, "documents": results}), |_| {
                results.iter().map(human).collect::<Vec<_>>().join("\n")
            })?;
            return match worst {
                Status::Valid => Ok(()),
                _ => Err(Error::InvalidInput(msg!("cli.verify_not_all", path = shown)).into()),
            };
        }
        let d = decode_isolated(path)?;
        if forms::parse_qr_text(&d.payload).is_none() {
            let text: String = d.payload.chars().take(80).collect();
            let said = msg!(
                "cli.verify_not_document",
                path = path.display().to_string(),
                text = text
            );
            return Err(Error::InvalidInput(said).into());
        }
        return report(out, &store.verify_printed(&d.payload)?);
    }
    report(out, &store.verify_expediente(target)?)
}

pub fn labels(out: &Out, store: &mut Store, a: &LabelArgs) -> Result<()> {
    let layout = Layout::parse(&a.layout)?;
    let tags: Vec<String> = if a.reprint.is_empty() {
        let n = a.count.unwrap_or(0);
        if n == 0 || n > 10_000 {
            return Err(Error::InvalidInput(msg!("cli.label_count", n = n)).into());
        }
        lend::take_tags(&RefCell::new(&mut *store), n)?
    } else {
        a.reprint
            .iter()
            .map(|t| tag::parse(t).ok_or_else(|| Error::InvalidInput(msg!("tag.not_a_tag", text = t)).into()))
            .collect::<Result<_>>()?
    };
    let bytes = pdf::labels(&tags, layout)?;
    write_atomically(&a.out, &bytes)?;
    let left = store.tags_remaining()?;
    out.value(&json!({"file": a.out, "tags": tags, "remaining": left}), |_| {
        msg!(
            "cli.labels_printed",
            n = tags.len(),
            first = tags.first().map(String::as_str).unwrap_or(""),
            last = tags.last().map(String::as_str).unwrap_or(""),
            file = a.out.display().to_string(),
            left = left
        )
        .to_string()
    })
}

pub fn medium_label(out: &Out, store: &mut Store, reference: &str, layout: &str, file: &Path) -> Result<()> {
    let layout = Layout::parse(layout)?;
    let label = store.medium_label(reference)?;
    write_atomically(file, &pdf::medium_label(&label, layout)?)?;
    out.value(&json!({"file": file, "label": label}), |_| {
        msg!(
            "cli.medium_label_printed",
            folio = &label.folio,
            words = &label.words,
            file = file.display().to_string()
        )
        .to_string()
    })
}

pub fn tags(out: &Out, store: &mut Store, request: Option<u32>) -> Result<()> {
    let range = request
        .map(|n| lend::request_tags(&RefCell::new(&mut *store), n))
        .transpose()?;
    let left = store.tags_remaining()?;
    out.value(&json!({"reserved": range, "remaining": left}), |_| match range {
        Some(r) => msg!(
            "cli.tags_reserved",
            first = tag::format(r.first),
            last = tag::format(r.last),
            left = left
        )
        .to_string(),
        None => msg!("cli.tags_left", left = left).to_string(),
    })
}

/// Where `brigada report` writes its files (any, all or none).
pub struct ReportFiles {
    pub xlsx: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub pdf: Option<PathBuf>,
}

/// The period's figures, printed, and the files asked for: all from one reading, so the
/// spreadsheet, the CSV files, the PDF and the printed (or `--json`) numbers agree.
pub fn period_report(out: &Out, store: &Store, period: &Period, files: ReportFiles) -> Result<()> {
    let locale = brigada_core::messages::locale();
    let (r, tables) = store.report_tables(period, locale)?;
    let mut written: Vec<String> = Vec::new();
    if let Some(f) = &files.xlsx {
        write_atomically(f, &report::xlsx::workbook(&tables)?)?;
        written.push(f.display().to_string());
    }
    if let Some(d) = &files.csv {
        let paths = report::csv::write_all(&tables, d)
            .with_context(|| msg!("file.cannot_write", path = d.display().to_string()))?;
        written.extend(paths.iter().map(|p| p.display().to_string()));
    }
    if let Some(f) = &files.pdf {
        let now = brigada_core::time::now_ms();
        write_atomically(f, &pdf::informe::informe(&r, &tables, locale, now)?)?;
        written.push(f.display().to_string());
    }
    out.value(&r, |r| {
        let mut text = print::report(r);
        for w in &written {
            text.push('\n');
            text.push_str(&msg!("cli.report_written", file = w.as_str()).to_string());
        }
        text
    })
}
