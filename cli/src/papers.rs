//! Paper: official documents as PDF, verification of signed papers, asset-tag labels.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use brigada_core::forms::batch;
use brigada_core::forms::verify::{Status, Verification};
use brigada_core::forms::{self, Form};
use brigada_core::pdf::{self, Layout, Paper};
use brigada_core::sync::lend;
use brigada_core::{Store, tag};
use serde_json::json;

use crate::cli::{LabelArgs, PdfArgs};
use crate::print::Out;
use crate::run::decode_isolated;

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn progress_printer(out: &Out, what: &'static str) -> impl FnMut(usize, usize) {
    let quiet = out.json;
    let mut last = std::time::Instant::now();
    move |done, total| {
        if !quiet && (done == total || last.elapsed().as_millis() > 250) {
            last = std::time::Instant::now();
            eprint!("\r  {what}: {done} de {total}");
            if done == total {
                eprintln!();
            }
        }
    }
}

pub fn pdf(out: &Out, store: &Store, a: &PdfArgs) -> Result<()> {
    let paper =
        Paper::parse(&a.paper).ok_or_else(|| anyhow!("{:?} is not a paper size: use letter, oficio or a4", a.paper))?;
    if a.list {
        let [r] = a.references.as_slice() else {
            bail!("--list shows one expediente's documents: give one REF");
        };
        let list = store.forms(r)?;
        return out.value(&list, |l| {
            l.iter()
                .map(|f| {
                    format!(
                        "{:<32} {:<14} {} firma(s)",
                        f.kind.slug(),
                        if f.issued { "emitido" } else { "no emitido" },
                        f.signatures
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
    }
    let file: &PathBuf = a.out.as_ref().ok_or_else(|| anyhow!("give --out FILE.pdf"))?;
    let req = batch::PrintRequest {
        references: a.references.clone(),
        document: a.document.clone(),
        draft: a.draft,
        day: a.day.clone(),
        week: a.week.clone(),
        seccion: a.seccion.clone(),
    };
    let forms: Vec<Form> = store.forms_to_print(&req, &mut progress_printer(out, "expedientes revisados"))?;
    let bytes = pdf::forms(&forms, paper, &mut progress_printer(out, "documentos"))?;
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
            let mut s = format!(
                "{} documento(s) → {} ({} KiB)",
                forms.len(),
                file.display(),
                bytes.len() / 1024
            );
            for f in &forms {
                s.push_str(&format!(
                    "\n  {} {} · código {}",
                    f.body.folio, f.body.title, f.short_code
                ));
                if f.changed_after_signing.is_some() {
                    s.push_str(" · el expediente cambió después de la firma");
                }
            }
            s
        },
    )
}

fn human(v: &Verification) -> String {
    let status = match v.status {
        Status::Valid => "VÁLIDO",
        Status::ChangedAfterSigning => "CAMBIÓ DESPUÉS DE LA FIRMA",
        Status::Invalid => "NO VÁLIDO",
    };
    let mut s = format!("{status} — {}", v.folio);
    if let Some(d) = &v.document {
        s.push_str(&format!(" · {d}"));
    }
    s.push_str(&format!("\n  {}", v.reason));
    for c in &v.signatures {
        s.push_str(&format!(
            "\n  {} {} ({}) {} · {}{}",
            if c.valid { "✓" } else { "✗" },
            c.name,
            c.role,
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
        Status::ChangedAfterSigning => bail!("the document changed after signing"),
        Status::Invalid => bail!("the signatures or the paper do not verify"),
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
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let codes = pdf::codes_in(&bytes);
            if codes.is_empty() {
                bail!(
                    "{} carries no Brigada verification code: it is not a Brigada document, or it was re-saved by another program; scan its QR instead",
                    path.display()
                );
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
                .max_by_key(|s| match s {
                    Status::Valid => 0,
                    Status::ChangedAfterSigning => 1,
                    Status::Invalid => 2,
                })
                .unwrap_or(Status::Invalid);
            out.value(&json!({"status": worst, "documents": results}), |_| {
                results.iter().map(human).collect::<Vec<_>>().join("\n")
            })?;
            return match worst {
                Status::Valid => Ok(()),
                _ => bail!("not every document in {} verifies", path.display()),
            };
        }
        let d = decode_isolated(path)?;
        if forms::parse_qr_text(&d.payload).is_none() {
            bail!(
                "the QR in {} is not a Brigada document code (it says {:?})",
                path.display(),
                d.payload.chars().take(80).collect::<String>()
            );
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
            bail!("print 1 to 10000 labels at a time, not {n}");
        }
        lend::take_tags(&RefCell::new(&mut *store), n)?
    } else {
        a.reprint
            .iter()
            .map(|t| tag::parse(t).ok_or_else(|| anyhow!("{t:?} is not a tag: give e.g. SESVER:DTI:ACT:000123")))
            .collect::<Result<_>>()?
    };
    let bytes = pdf::labels(&tags, layout)?;
    write_atomically(&a.out, &bytes)?;
    let left = store.tags_remaining()?;
    out.value(&json!({"file": a.out, "tags": tags, "remaining": left}), |_| {
        format!(
            "{} etiqueta(s) {}…{} → {} · quedan {left} números reservados en este dispositivo",
            tags.len(),
            tags.first().map(String::as_str).unwrap_or(""),
            tags.last().map(String::as_str).unwrap_or(""),
            a.out.display()
        )
    })
}

pub fn tags(out: &Out, store: &mut Store, request: Option<u32>) -> Result<()> {
    let range = request
        .map(|n| lend::request_tags(&RefCell::new(&mut *store), n))
        .transpose()?;
    let left = store.tags_remaining()?;
    out.value(&json!({"reserved": range, "remaining": left}), |_| match range {
        Some(r) => format!(
            "Reservadas {}…{}; quedan {left} números para etiquetas",
            tag::format(r.first),
            tag::format(r.last)
        ),
        None => format!("Quedan {left} números reservados para etiquetas en este dispositivo"),
    })
}
