//! Dispatch: one core call per command.

use brigada_core::error::io_words;
use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use anyhow::{Context, Result, bail};
use brigada_core::assets::NewAsset;
use brigada_core::expedientes::NewExpediente;
use brigada_core::model::Location;
use brigada_core::procedure::role_name;
use brigada_core::report::{Period, day_bounds};
use brigada_core::scan::Scanned;
use brigada_core::store::index::{Filter, Sort};
use brigada_core::store::{InitOptions, kdf::KdfParams};
use brigada_core::sync::lend;
use brigada_core::{Error, Store, catalog, msg, qr, tag};
use serde_json::json;

use crate::cli::{AssetCommand, Cli, Command};
use crate::papers;
use crate::print::{self, Out};

fn home(cli_home: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(h) = cli_home {
        return Ok(h);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| Error::InvalidInput(msg!("cli.no_home")))?;
    Ok(base.join("brigada"))
}

fn passphrase(confirm: bool) -> Result<String> {
    if let Ok(p) = std::env::var("BRIGADA_PASSPHRASE") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::InvalidInput(msg!("cli.no_passphrase")).into());
    }
    let p = rpassword::prompt_password(msg!("cli.prompt_passphrase").to_string())?;
    if confirm && rpassword::prompt_password(msg!("cli.prompt_repeat").to_string())? != p {
        return Err(Error::InvalidInput(msg!("cli.passphrases_differ")).into());
    }
    Ok(p)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::BadFile {
        path: path.into(),
        why: io_words(&e),
    })?;
    let max = brigada_core::store::blobs::MAX_BLOB;
    if meta.len() > max {
        return Err(Error::TooLarge { size: meta.len(), max }.into());
    }
    Ok(std::fs::read(path).map_err(|e| Error::BadFile {
        path: path.into(),
        why: io_words(&e),
    })?)
}

pub fn run(cli: Cli) -> Result<()> {
    let out = Out { json: cli.json };
    // Commands that need no store.
    match &cli.command {
        Command::Procedures { id } => return print::procedures(&out, id.as_deref()),
        Command::Catalog => return out.value(catalog::demo(), print::catalog),
        Command::DecodeWorker { image } => {
            let bytes = read_file(image)?;
            let d = qr::decode_bytes(&bytes)?;
            return print::line(&serde_json::to_string(&d)?);
        }
        Command::Scan { image } => return scan(&out, &cli.home, image),
        Command::Tag { tag: t, out: file } => return write_tag(&out, t, file),
        _ => {}
    }
    let home = home(cli.home)?;
    if let Command::Init {
        device_name,
        code,
        person,
        seccion,
    } = cli.command
    {
        let pass = passphrase(true)?;
        let store = Store::init(
            &home,
            &pass,
            InitOptions {
                device_name,
                code,
                person,
                seccion,
                kdf: KdfParams::new_random(),
            },
        )?;
        let d = store.device();
        return out.value(&json!({"device": d.id, "code": d.code, "home": home}), |_| {
            msg!(
                "cli.device_ready",
                name = &d.name,
                code = &d.code,
                home = home.display().to_string()
            )
            .to_string()
        });
    }
    // The first opening after an update may rebuild the index: minutes for years of jobs.
    let mut rebuilding = papers::progress_printer(&out, msg!("cli.rebuilding"));
    let mut unfinished = false;
    let opened = Store::open_with(&home, &passphrase(false)?, &mut |r| {
        unfinished = r.done < r.total;
        rebuilding(r.done, r.total);
    });
    if opened.is_err() && unfinished {
        // The error goes on a line of its own, not after the progress line.
        eprintln!();
    }
    let mut store = opened?;
    match cli.command {
        Command::New {
            procedure,
            area,
            unidad,
            request,
            asset,
            assign,
        } => {
            let c = store.create_expediente(NewExpediente {
                procedure,
                area,
                unidad,
                request,
                asset,
                assignees: assign,
            })?;
            out.value(&c, |c| msg!("cli.created", folio = &c.folio, id = &c.id).to_string())
        }
        Command::Report {
            from,
            to,
            seccion,
            xlsx,
            csv,
            pdf,
        } => {
            let period = Period::typed(from.as_deref(), to.as_deref(), seccion)?;
            papers::period_report(&out, &store, &period, papers::ReportFiles { xlsx, csv, pdf })
        }
        Command::List {
            query,
            state,
            procedure,
            assignee,
            seccion,
            from,
            to,
            closed_from,
            closed_to,
            unidad,
            area,
            overdue,
            sort,
            offset,
            limit,
        } => {
            // Days as the report counts them: Mexico City midnights, both ends included.
            let (created_from, created_before) = day_bounds(from.as_deref(), to.as_deref(), ("--from", "--to"))?;
            let (closed_from, closed_before) = day_bounds(
                closed_from.as_deref(),
                closed_to.as_deref(),
                ("--closed-from", "--closed-to"),
            )?;
            let sort: Sort = serde_json::from_value(serde_json::Value::String(sort.clone()))
                .map_err(|_| Error::InvalidInput(msg!("cli.sort", sort = sort)))?;
            let rows = store.list(&Filter {
                query,
                state,
                procedure,
                assignee,
                seccion,
                unidad,
                area,
                deadline_before: overdue.then(brigada_core::time::now_ms),
                created_from,
                created_before,
                closed_from,
                closed_before,
                sort,
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            })?;
            out.value(&rows, |r| print::rows(r))
        }
        Command::Show { reference } => {
            let v = store.view(&reference)?;
            out.value(&v, print::view)
        }
        Command::Set { reference, assignments } => {
            let pairs = assignments_of(&assignments)?;
            store.set_fields(&reference, &pairs)?;
            out.ok(msg!("cli.fields_saved", n = pairs.len()))
        }
        Command::Step {
            reference,
            step,
            answer,
            note,
        } => {
            let st = store.record_step(&reference, &step, answer.as_deref(), note.as_deref())?;
            out.value(&st, print::status)
        }
        Command::Material {
            reference,
            item,
            qty,
            unit,
            component,
        } => {
            store.add_material(&reference, &item, qty, &unit, component.as_deref())?;
            out.ok(msg!("cli.material_added"))
        }
        Command::Part {
            reference,
            description,
            serial,
        } => {
            store.add_part(&reference, &description, serial.as_deref())?;
            out.ok(msg!("cli.part_added"))
        }
        Command::Equipment { reference, tag } => {
            store.add_equipment(&reference, &tag)?;
            out.ok(msg!("cli.equipment_added"))
        }
        Command::Continue { reference } => {
            let c = store.continue_in(&reference)?;
            out.value(&c, |c| msg!("cli.created", folio = &c.folio, id = &c.id).to_string())
        }
        Command::Assign { reference, to } => {
            store.assign(&reference, &to)?;
            out.ok(msg!("cli.assigned", to = to))
        }
        Command::Comment { reference, text } => {
            store.comment(&reference, &text)?;
            out.ok(msg!("cli.comment_added"))
        }
        Command::Attach {
            reference,
            file,
            caption,
            step,
            solicitud,
        } => {
            let bytes = read_file(&file)?;
            let hash = if solicitud {
                store.attach_request_photo(&reference, &bytes)
            } else {
                store.attach(&reference, &bytes, &caption, step.as_deref())
            }
            .with_context(|| msg!("cli.not_attached", file = file.display().to_string()))?;
            out.value(&json!({"blob": hash}), |_| {
                msg!("cli.photo_saved", hash = hash.get(..12).unwrap_or(&hash)).to_string()
            })
        }
        Command::Sign {
            reference,
            role,
            name,
            strokes,
            step,
        } => {
            let bytes = read_file(&strokes)?;
            let sig = store.sign(&reference, &role, &name, &bytes, step.as_deref())?;
            out.value(&sig, |s| {
                msg!(
                    "cli.signed",
                    name = &s.name,
                    role = role_name(&s.role),
                    device = &s.stamp.device
                )
                .to_string()
            })
        }
        Command::History { reference } => {
            let h = store.history(&reference)?;
            out.value(&h, |h| print::history(h))
        }
        Command::Conflicts { reference } => {
            let c = store.conflicts(&reference)?;
            out.value(&c, |c| print::conflicts(c))
        }
        Command::Resolve {
            reference,
            step,
            answer,
            note,
        } => {
            let st = store.resolve(&reference, &step, &answer, note.as_deref())?;
            out.value(&st, print::status)
        }
        Command::Asset(cmd) => asset(&out, &mut store, cmd),
        Command::Components { all } => {
            let c = store.components(!all)?;
            out.value(&c, |c| print::components(c))
        }
        Command::Export { reference, out: dir } => export(&out, &store, &reference, &dir),
        Command::Import { file } => {
            let bytes = read_file(&file)?;
            let v = store.merge_document(&bytes)?;
            // An export keeps photos and signatures in blobs/ beside the document.
            if let Some(dir) = file.parent().map(|d| d.join("blobs")).filter(|d| d.is_dir()) {
                for entry in std::fs::read_dir(&dir)?.flatten() {
                    store.put_blob(&read_file(&entry.path())?, "application/octet-stream")?;
                }
            }
            out.value(
                &json!({"id": v.expediente.id, "folio": v.expediente.folio, "heads": v.heads}),
                |_| msg!("cli.merged", folio = &v.expediente.folio).to_string(),
            )
        }
        Command::Enroll { url, code, ca_cert } => {
            let ca = match ca_cert {
                Some(p) => {
                    let pem = String::from_utf8(read_file(&p)?);
                    Some(pem.map_err(|_| Error::InvalidInput(msg!("cli.not_pem", path = p.display().to_string())))?)
                }
                None => None,
            };
            enroll(&out, &mut store, &url, code.as_deref(), ca.as_deref())
        }
        Command::Sync => sync(&out, &mut store),
        Command::Pdf(args) => papers::pdf(&out, &store, &args),
        Command::Verify { target } => papers::verify(&out, &store, &target),
        Command::Labels(args) => papers::labels(&out, &mut store, &args),
        Command::MediumLabel {
            reference,
            layout,
            out: file,
        } => papers::medium_label(&out, &mut store, &reference, &layout, &file),
        Command::Tags { request } => papers::tags(&out, &mut store, request),
        Command::Init { .. }
        | Command::Procedures { .. }
        | Command::Catalog
        | Command::Scan { .. }
        | Command::Tag { .. }
        | Command::DecodeWorker { .. } => unreachable!("handled above"),
    }
}

/// Parse `FIELD=VALUE` arguments.
fn assignments_of(args: &[String]) -> Result<Vec<(String, String)>> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| Error::InvalidInput(msg!("cli.not_assignment", arg = a)).into())
        })
        .collect()
}

fn asset(out: &Out, store: &mut Store, cmd: AssetCommand) -> Result<()> {
    match cmd {
        AssetCommand::Add(a) => {
            let asset = store.add_asset(NewAsset {
                tag: a.tag,
                kind: a.kind,
                brand: a.brand,
                model: a.model,
                serial: a.serial,
                inventory_number: a.inventory,
                location: Location {
                    unidad: a.unidad,
                    area: a.area,
                    edificio: a.edificio,
                    piso: a.piso,
                    sala: a.sala,
                },
            })?;
            out.value(&asset, |a| msg!("cli.asset_added", tag = &a.tag).to_string())
        }
        AssetCommand::Set { tag, assignments } => {
            store.edit_asset(&tag, &assignments_of(&assignments)?)?;
            out.ok(msg!("cli.asset_updated"))
        }
        AssetCommand::Show { tag } => {
            let v = store.asset_view(&tag)?;
            out.value(&v, print::asset)
        }
        AssetCommand::List => {
            let rows = store.list_assets()?;
            out.value(&rows, |r| print::assets(r))
        }
    }
}

/// Decode in a child process, so a decoder defect on a hostile image cannot take this
/// process (or, in the app, the window) down.
/// Decode the QR in an image file in a child process, so a decoder crash on a strange
/// photo cannot take this process down.
pub fn decode_isolated(image: &Path) -> Result<qr::Decoded> {
    read_file(image)?;
    let exe = std::env::current_exe().map_err(|e| Error::InvalidInput(msg!("cli.no_program", why = io_words(&e))))?;
    let child = Process::new(exe)
        .arg("__decode")
        .arg(image)
        .env_remove("BRIGADA_HOME")
        .output()?;
    if !child.status.success() {
        let msg = String::from_utf8_lossy(&child.stderr);
        let msg = msg.trim();
        if msg.starts_with("error[") && !msg.starts_with("error[internal]") {
            bail!("{}", msg.split_once("]: ").map(|(_, m)| m).unwrap_or(msg));
        }
        return Err(Error::QrNotFound(msg!(
            "cli.decoder_failed",
            path = image.display().to_string(),
            status = child.status.to_string()
        ))
        .into());
    }
    Ok(serde_json::from_slice(&child.stdout)?)
}

fn scan(out: &Out, home_arg: &Option<PathBuf>, image: &Path) -> Result<()> {
    let d = decode_isolated(image)?;
    // With a store, say whether the tag is a known asset, or check a printed document.
    let store = std::env::var("BRIGADA_PASSPHRASE")
        .ok()
        .and_then(|pass| Store::open(&home(home_arg.clone()).ok()?, &pass).ok());
    // What the code means here: the core's one reading (asset, unknown tag, document).
    let (asset, document) = match store.as_ref().and_then(|s| s.interpret_scan(&d.payload).ok()) {
        Some(Scanned::Asset { view }) => (Some(view.asset), None),
        Some(Scanned::Document { verification }) => (None, Some(verification)),
        _ => (None, None),
    };
    let result = json!({"payload": d.payload, "tag": d.tag, "asset": asset, "document": document});
    out.value(&result, |_| match (&d.tag, &asset, &document) {
        (Some(t), Some(a), _) => msg!(
            "cli.scan_asset",
            tag = t,
            kind = &a.kind,
            brand = &a.brand,
            model = &a.model,
            status = &a.status
        )
        .to_string(),
        (Some(t), None, _) => msg!("cli.scan_unregistered", tag = t).to_string(),
        (None, _, Some(v)) => msg!(
            "cli.scan_document",
            document = v.document.clone().unwrap_or_default(),
            folio = &v.folio,
            status = papers::verdict(v.status),
            reason = &v.reason
        )
        .to_string(),
        (None, _, None) => msg!("cli.scan_foreign", payload = &d.payload).to_string(),
    })
}

fn write_tag(out: &Out, t: &str, file: &Path) -> Result<()> {
    let id = match t.trim().parse::<u32>() {
        Ok(n) if n <= 999_999 => tag::format(n),
        _ => tag::parse(t).ok_or_else(|| Error::InvalidInput(msg!("tag.not_a_tag", text = t)))?,
    };
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "svg" => qr::encode_svg(&id)?.into_bytes(),
        "png" => qr::encode_png(&id, 10)?,
        _ => return Err(Error::InvalidInput(msg!("cli.tag_file")).into()),
    };
    std::fs::write(file, bytes).with_context(|| msg!("file.cannot_write", path = file.display().to_string()))?;
    out.value(&json!({"tag": id, "file": file}), |_| {
        format!("{id} → {}", file.display())
    })
}

fn export(out: &Out, store: &Store, reference: &str, dir: &Path) -> Result<()> {
    let v = store.view(reference)?;
    let (_, bytes) = store.document_bytes(reference)?;
    let blobs_dir = dir.join("blobs");
    std::fs::create_dir_all(&blobs_dir)
        .with_context(|| msg!("file.cannot_create", path = dir.display().to_string()))?;
    std::fs::write(dir.join("document.automerge"), &bytes)?;
    std::fs::write(dir.join("expediente.json"), serde_json::to_vec_pretty(&v)?)?;
    // The one list of an expediente's blobs (photos with their thumbnails, signatures,
    // the request's photo), as sync and the server use it.
    let mut n = 0;
    for h in v.expediente.blobs() {
        std::fs::write(blobs_dir.join(h), store.blob(h)?)?;
        n += 1;
    }
    out.value(&json!({"dir": dir, "blobs": n, "bytes": bytes.len()}), |_| {
        msg!(
            "cli.exported",
            folio = &v.expediente.folio,
            dir = dir.display().to_string(),
            n = n
        )
        .to_string()
    })
}

fn enroll(out: &Out, store: &mut Store, url: &str, code: Option<&str>, ca: Option<&str>) -> Result<()> {
    let resp = lend::enroll(&RefCell::new(&mut *store), url, code, ca)?;
    let url = store.sync_setting("server_url")?.unwrap_or_default();
    out.value(
        &json!({"device_id": resp.device_id, "person": resp.person, "role": resp.role, "seccion": resp.seccion}),
        |_| {
            msg!(
                "cli.enrolled",
                url = url.as_str(),
                person = &resp.person,
                role = &resp.role,
                seccion = &resp.seccion
            )
            .to_string()
        },
    )
}

fn sync(out: &Out, store: &mut Store) -> Result<()> {
    let quiet = out.json;
    let summary = store.sync_now(&mut |p| {
        if !quiet {
            eprintln!(
                "{}",
                msg!(
                    "cli.sync_progress",
                    n = p.round_trips,
                    sent = p.docs_sent,
                    received = p.docs_received,
                    up = p.bytes_sent / 1024,
                    down = p.bytes_received / 1024,
                    pending = p.pending,
                    blobs = p.blobs_done,
                    blob_kib = p.blob_bytes / 1024
                )
            );
        }
    })?;
    out.value(&summary, print::sync_summary)
}
