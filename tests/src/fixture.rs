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
    let author = store.author();
    let proc = procedure::latest("P1")?;
    let areas = [
        "Urgencias",
        "Cámara Hiperbárica",
        "Laboratorio Clínico",
        "Rayos X",
        "Farmacia",
        "Quirófanos",
    ];
    let unidades = [
        "Hospital Regional de Xalapa",
        "Hospital Regional de Río Blanco",
        "Hospital General de Tuxpan",
    ];

    let mut changes_total = 0usize;
    let mut rng = rand::thread_rng();
    for chunk in 0..(n_total / 500) {
        let mut batch = Vec::new();
        for i in 0..500 {
            let j = chunk * 500 + i;
            let n = spread.first + j;
            let at = spread.start_ms + j as i64 * 60_000;
            let stamp = Stamp {
                by: "Ana Karen Hernández López".into(),
                device: "T90".into(),
                at,
            };
            let mut e = brigada_core::model::Expediente {
                id: uuid_v7(n),
                folio: format!("{}-2026-T90-{n:05}", spread.seccion),
                procedure_id: "P1".into(),
                procedure_version: 1,
                created_at: at,
                created_by: stamp.by.clone(),
                created_device: "T90".into(),
                area: areas[n % areas.len()].into(),
                unidad: unidades[n % unidades.len()].into(),
                seccion: spread.seccion.into(),
                assignees: vec!["Ana Karen Hernández López".into()],
                equipment: vec![tag::format((n % 999_999) as u32)],
                ..Default::default()
            };
            e.solicitud.numero = format!("{n}/2026");
            e.solicitud.tipo = "oficio".into();
            let mut d = doc::new_doc(&author);
            doc::write(&mut d, &e, &author, "crear", at)?;
            let steps: &[(&str, Option<&str>)] = &[
                ("1", None),
                ("2", None),
                ("3", Some("si")),
                ("4", Some("si")),
                ("5", None),
                ("6", Some("no")),
                ("7", None),
            ];
            let depth = rng.gen_range(2..steps.len());
            let mut k = 0;
            for (s, a) in &steps[..depth] {
                k += 1;
                e.fields.insert(
                    format!("nota_{k}"),
                    format!("Trayectoria por plafón tramo {k} del piso {}", n % 5),
                );
                doc::write(&mut d, &e, &author, "editar", at + k)?;
                e.materials.push(Material {
                    id: format!("m{n}-{k}"),
                    item: "Cable UTP cat 6".into(),
                    quantity: 20.0,
                    unit: "m".into(),
                    component: None,
                    stamp: stamp.clone(),
                });
                doc::write(&mut d, &e, &author, "material", at + k)?;
                e.log.push(LogEntry {
                    id: format!("l{n}-{k}"),
                    step: (*s).into(),
                    round: 1,
                    answer: a.map(str::to_owned),
                    note: Some("sin novedad".into()),
                    supersedes: vec![],
                    stamp: stamp.clone(),
                });
                doc::write(&mut d, &e, &author, "paso", at + k)?;
            }
            e.photos.push(Photo {
                id: format!("p{n}"),
                blob: "ab".repeat(32),
                caption: "Nodo instalado".into(),
                step: Some("5".into()),
                media_type: "image/jpeg".into(),
                thumb: None,
                stamp: stamp.clone(),
            });
            doc::write(&mut d, &e, &author, "foto", at + 50)?;
            e.signatures.push(Signature {
                id: format!("s{n}"),
                step: Some("8".into()),
                role: "conformidad".into(),
                name: "Dra. Laura Méndez Ruiz".into(),
                strokes_blob: "cd".repeat(32),
                image_blob: "ef".repeat(32),
                heads: doc::heads_hex(&d),
                content_hash: "01".repeat(32),
                device_key: "02".repeat(32),
                seal: "03".repeat(64),
                stamp: stamp.clone(),
            });
            doc::write(&mut d, &e, &author, "firma", at + 51)?;
            e.comments.push(Comment {
                id: format!("c{n}"),
                text: "Se coordinó con el área".into(),
                stamp,
            });
            doc::write(&mut d, &e, &author, "comentario", at + 52)?;
            changes_total += d.get_changes(&[]).len();
            batch.push((e, d));
        }
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
