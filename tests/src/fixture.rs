//! Realistic stores for benchmarks: many P1 expedientes with a few steps, materials,
//! a photo, a signature and a comment each, written in batches of 500 per transaction.

use brigada_core::model::{Comment, LogEntry, Material, Photo, Signature, Stamp};
use brigada_core::procedure::{self, engine};
use brigada_core::store::documents::{self, DocKind};
use brigada_core::store::index;
use brigada_core::{Result, Store, doc, tag};
use rand::Rng;

/// The id of the n-th fixture expediente.
pub fn uuid_v7(n: usize) -> String {
    format!("0193a0c4-0000-7000-8000-{n:012}")
}

/// Where a batch of fixture expedientes falls: the first one's number (ids and folios
/// follow from it), when the first was opened (the others a minute apart), its sección.
pub struct Spread<'a> {
    pub first: usize,
    pub start_ms: i64,
    pub seccion: &'a str,
}

/// Add `n_total` (a multiple of 500) expedientes to `store`; returns the number of
/// Automerge changes written.
pub fn realistic_expedientes(store: &mut Store, n_total: usize) -> Result<usize> {
    realistic_expedientes_in(
        store,
        n_total,
        &Spread {
            first: 0,
            start_ms: 1_790_000_000_000,
            seccion: "RT",
        },
    )
}

/// [`realistic_expedientes`] opened from a chosen moment, in a chosen sección.
pub fn realistic_expedientes_in(store: &mut Store, n_total: usize, spread: &Spread<'_>) -> Result<usize> {
    let mut rng = rand::thread_rng();
    let jobs = (0..n_total).map(|j| Job {
        n: spread.first + j,
        at: spread.start_ms + j as i64 * 60_000,
        seccion: spread.seccion,
        assignees: &TECNICOS[..1],
        progress: Progress::Steps(rng.gen_range(2..7)),
    });
    write_jobs(store, jobs.collect())
}

/// The archive of a department after years (`make bench`): `n_total` (a multiple of 500)
/// jobs, one every 25 minutes up to `end_ms` (100,000 span four years and nine months), in
/// four secciones (half of them RT), each for one of six técnicos or two of them. Those
/// opened more than two weeks before the end were finished within one to ten days (any
/// moment in between) — every step of P1, the Formato signed — except one in fifty, still
/// open; the last two weeks' are wherever the work got to. Returns the number of Automerge
/// changes written.
pub fn archive_of_years(store: &mut Store, n_total: usize, end_ms: i64) -> Result<usize> {
    const EVERY: i64 = 25 * 60_000;
    const DAY: i64 = 86_400_000;
    let mut rng = rand::thread_rng();
    let first = end_ms - n_total as i64 * EVERY;
    let jobs = (0..n_total).map(|n| {
        let at = first + n as i64 * EVERY;
        let progress = if at < end_ms - 14 * DAY && rng.gen_range(0..50) != 0 {
            Progress::Finished {
                span_ms: rng.gen_range(DAY..=10 * DAY),
            }
        } else {
            Progress::Steps(rng.gen_range(2..7))
        };
        let pair = n % 7 == 0;
        let first = n % TECNICOS.len();
        Job {
            n,
            at,
            seccion: SECCIONES[n % SECCIONES.len()],
            assignees: if pair {
                &TECNICOS[first.min(TECNICOS.len() - 2)..][..2]
            } else {
                &TECNICOS[first..][..1]
            },
            progress,
        }
    });
    write_jobs(store, jobs.collect())
}

/// The archive's secciones, one job each in turn (RT's half of the work).
const SECCIONES: [&str; 8] = ["RT", "IT", "RT", "BD", "RT", "IT", "RT", "SI"];

/// The department's técnicos (the first is every other fixture's).
const TECNICOS: [&str; 6] = [
    "Ana Karen Hernández López",
    "Jorge Luis Ramírez Cruz",
    "María Fernanda Ortiz Vega",
    "Luis Alberto Sánchez Mora",
    "Rosa Isela Domínguez Paz",
    "Héctor Manuel Aguilar Ruiz",
];

/// One fixture job: its number (id and folio follow from it), when it was opened, its
/// sección, who it was assigned to and how far it got.
struct Job<'a> {
    n: usize,
    at: i64,
    seccion: &'a str,
    assignees: &'a [&'a str],
    progress: Progress,
}

enum Progress {
    /// The first steps (2 to 6) recorded, still open.
    Steps(usize),
    /// Every step, over this long: the Formato de instalación signed, terminado.
    Finished { span_ms: i64 },
}

fn write_jobs(store: &mut Store, jobs: Vec<Job<'_>>) -> Result<usize> {
    let author = store.author();
    let proc = procedure::latest("P1")?;
    let mut changes_total = 0usize;
    for chunk in jobs.chunks(500) {
        // Documents are built on two threads (the CPU's work), written by one.
        let (a, b) = chunk.split_at(chunk.len() / 2);
        let build = |part: &[Job<'_>]| part.iter().map(|job| one_job(&author, job)).collect::<Result<Vec<_>>>();
        let (a, b) = std::thread::scope(|s| {
            let other = s.spawn(|| build(b));
            (build(a), other.join().expect("fixture thread"))
        });
        let batch: Vec<_> = a?.into_iter().chain(b?).collect();
        changes_total += batch.iter().map(|(_, d)| d.get_changes(&[]).len()).sum::<usize>();
        store.write(|tx| {
            for (e, d) in &batch {
                documents::insert(tx, &e.id, DocKind::Expediente, d, e.created_at)?;
                let st = engine::status(proc, e, chrono::Utc::now());
                index::upsert_expediente(tx, d, e, &st, e.created_at)?;
            }
            Ok(())
        })?;
    }
    Ok(changes_total)
}

const AREAS: [&str; 6] = [
    "Urgencias",
    "Cámara Hiperbárica",
    "Laboratorio Clínico",
    "Rayos X",
    "Farmacia",
    "Quirófanos",
];
const UNIDADES: [&str; 3] = [
    "Hospital Regional de Xalapa",
    "Hospital Regional de Río Blanco",
    "Hospital General de Tuxpan",
];

/// One job's expediente and its document, written change by change as the app would.
fn one_job(author: &doc::Author, job: &Job<'_>) -> Result<(brigada_core::model::Expediente, automerge::Automerge)> {
    let Job { n, at, seccion, .. } = *job;
    let finished = matches!(job.progress, Progress::Finished { .. });
    // Each step's moment: a minute apart while open, spread over the days a finished job took.
    let step_at = |k: i64| match job.progress {
        Progress::Finished { span_ms } => at + k * span_ms / 8,
        Progress::Steps(_) => at + k,
    };
    let stamp_at = |at: i64| Stamp {
        by: job.assignees.first().copied().unwrap_or(TECNICOS[0]).into(),
        device: "T90".into(),
        at,
    };
    let stamp = stamp_at(at);
    let mut e = brigada_core::model::Expediente {
        id: uuid_v7(n),
        folio: format!("{seccion}-2026-T90-{n:05}"),
        procedure_id: "P1".into(),
        procedure_version: procedure::latest("P1")?.version,
        created_at: at,
        created_by: stamp.by.clone(),
        created_device: "T90".into(),
        area: AREAS[n % AREAS.len()].into(),
        unidad: UNIDADES[n % UNIDADES.len()].into(),
        seccion: seccion.into(),
        assignees: job.assignees.iter().map(|p| (*p).to_owned()).collect(),
        equipment: vec![tag::format((n % 999_999) as u32)],
        ..Default::default()
    };
    e.solicitud.numero = format!("{n}/2026");
    e.solicitud.tipo = "oficio".into();
    if finished {
        e.solicitud.fecha = brigada_core::time::from_ms(at).format("%Y-%m-%d").to_string();
        for (k, v) in [
            ("ubicacion", "Site de telecomunicaciones, planta baja"),
            ("trayectoria", "Por plafón desde el site hasta el área"),
            ("pruebas", "Certificación del nodo con enlace a 1 Gbps"),
        ] {
            e.fields.insert(k.into(), v.into());
        }
    }
    let mut d = doc::new_doc(author);
    doc::write(&mut d, &e, author, "crear", at)?;
    let open_steps: &[(&str, Option<&str>)] = &[
        ("1", None),
        ("2", None),
        ("3", Some("si")),
        ("4", Some("si")),
        ("5", None),
        ("6", Some("no")),
        ("7", None),
    ];
    let every_step: &[(&str, Option<&str>)] = &[
        ("1", None),
        ("2", None),
        ("3", Some("si")),
        ("4", Some("si")),
        ("5", Some("no")),
        ("6", None),
        ("7", None),
    ];
    let steps = match job.progress {
        Progress::Steps(depth) => &open_steps[..depth],
        Progress::Finished { .. } => every_step,
    };
    // The coordination comment, written when the job was opened (before any signature).
    e.comments.push(Comment {
        id: format!("c{n}"),
        text: "Se coordinó con el área".into(),
        stamp: stamp.clone(),
    });
    doc::write(&mut d, &e, author, "comentario", at + 1)?;
    for (i, (s, a)) in steps.iter().enumerate() {
        let k = i + 1;
        let when = step_at(k as i64);
        e.fields.insert(
            format!("nota_{k}"),
            format!("Trayectoria por plafón tramo {k} del piso {}", n % 5),
        );
        // An open job is written as its técnico's taps (a change each); a finished one a
        // change per step, so an archive of a hundred thousand builds in minutes.
        if !finished {
            doc::write(&mut d, &e, author, "editar", when)?;
        }
        e.materials.push(Material {
            id: format!("m{n}-{k}"),
            item: "Cable UTP cat 6".into(),
            quantity: 20.0,
            unit: "m".into(),
            component: None,
            stamp: stamp_at(when),
        });
        if !finished {
            doc::write(&mut d, &e, author, "material", when)?;
        }
        if finished && *s == "5" {
            e.photos.push(photo(n, stamp_at(when)));
        }
        if finished && *s == "7" {
            doc::write(&mut d, &e, author, "editar", when)?;
            e.signatures.push(signature(n, "7", &d, stamp_at(when)));
        }
        // The step is recorded once its signature is taken, a moment later (as on the tablet).
        let recorded = if finished && *s == "7" { when + 60_000 } else { when };
        e.log.push(LogEntry {
            id: format!("l{n}-{k}"),
            step: (*s).into(),
            round: 1,
            answer: a.map(str::to_owned),
            note: Some("sin novedad".into()),
            supersedes: vec![],
            stamp: stamp_at(recorded),
        });
        doc::write(&mut d, &e, author, "paso", when)?;
    }
    if !finished {
        e.photos.push(photo(n, stamp.clone()));
        doc::write(&mut d, &e, author, "foto", at + 50)?;
        e.signatures.push(signature(n, "8", &d, stamp.clone()));
        doc::write(&mut d, &e, author, "firma", at + 51)?;
    }
    // One finished job in two hundred has its route corrected after the signature: the
    // Formato counts as changed after signing (an alarm the office reviews; rare).
    if finished && n % 200 == 0 {
        e.fields.insert(
            "trayectoria".into(),
            "Por ducto desde el site (corregida después de firmar)".into(),
        );
        doc::write(&mut d, &e, author, "editar", step_at(steps.len() as i64 + 1))?;
    }
    Ok((e, d))
}

fn photo(n: usize, stamp: Stamp) -> Photo {
    Photo {
        id: format!("p{n}"),
        blob: "ab".repeat(32),
        caption: "Nodo instalado".into(),
        step: Some("5".into()),
        media_type: "image/jpeg".into(),
        thumb: None,
        stamp,
    }
}

fn signature(n: usize, step: &str, d: &automerge::Automerge, stamp: Stamp) -> Signature {
    Signature {
        id: format!("s{n}"),
        step: Some(step.into()),
        role: "conformidad".into(),
        name: "Dra. Laura Méndez Ruiz".into(),
        strokes_blob: "cd".repeat(32),
        image_blob: "ef".repeat(32),
        heads: doc::heads_hex(d),
        content_hash: "01".repeat(32),
        device_key: "02".repeat(32),
        seal: "03".repeat(64),
        stamp,
    }
}
