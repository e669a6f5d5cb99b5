//! Printed pages compared with reviewed golden images.
//!
//! Fixed documents (no clock, no random ids) are rendered, rasterised with poppler's
//! `pdftoppm` at 40 dpi in gray, and compared pixel by pixel with the PNGs under
//! `tests/fixtures/golden/`, with a tolerance for anti-aliasing differences. A layout
//! change shows up here; after reviewing the new pages, regenerate them with
//! `BRIGADA_UPDATE_GOLDEN=1 cargo test -p brigada-scenarios --test golden`.

use std::path::{Path, PathBuf};

use brigada_core::forms::{Body, EquipmentRow, Form, Signer};
use brigada_core::pdf::{self, Layout, Paper};
use brigada_core::procedure::DocumentKind;
use brigada_core::signature::Strokes;
use brigada_core::tag;
use brigada_scenarios::rasterise;

const DPI: u32 = 40;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden")
}

fn check(name: &str, pdf_bytes: &[u8]) {
    let pages = rasterise(pdf_bytes, DPI);
    let update = std::env::var_os("BRIGADA_UPDATE_GOLDEN").is_some();
    let review = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/golden-review");
    std::fs::create_dir_all(&review).unwrap();
    for (i, page) in pages.iter().enumerate() {
        let file = golden_dir().join(format!("{name}-{}.png", i + 1));
        page.save(review.join(format!("{name}-{}.png", i + 1))).unwrap();
        if update {
            std::fs::create_dir_all(golden_dir()).unwrap();
            page.save(&file).unwrap();
            continue;
        }
        let golden = image::open(&file)
            .unwrap_or_else(|e| {
                panic!(
                    "no golden image {} ({e}); review and create it with BRIGADA_UPDATE_GOLDEN=1",
                    file.display()
                )
            })
            .to_luma8();
        assert_eq!(page.dimensions(), golden.dimensions(), "{name} page {} size", i + 1);
        let diffs: Vec<u8> = page
            .pixels()
            .zip(golden.pixels())
            .map(|(a, b)| a.0[0].abs_diff(b.0[0]))
            .collect();
        let n = diffs.len() as f64;
        let off = diffs.iter().filter(|d| **d > 64).count() as f64 / n;
        let mean = diffs.iter().map(|d| f64::from(*d)).sum::<f64>() / n;
        assert!(
            off <= 0.004 && mean <= 1.5,
            "{name} page {} differs from its golden image: {:.2}% pixels changed, mean difference {mean:.2} \
             (see target/golden-review/)",
            i + 1,
            off * 100.0
        );
    }
    if !update {
        let expected = std::fs::read_dir(golden_dir())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name().to_string_lossy().strip_prefix(name).is_some_and(|rest| {
                    rest.starts_with('-') && rest[1..].trim_end_matches(".png").parse::<u32>().is_ok()
                })
            })
            .count();
        assert_eq!(pages.len(), expected, "{name}: page count");
    }
}

fn strokes(text: &str) -> Option<Strokes> {
    Some(Strokes::parse(text.as_bytes()).unwrap())
}

/// 2026-11-20 10:30 in Mexico City.
const AT: i64 = 1_795_192_200_000;

fn body(kind: DocumentKind) -> Body {
    Body {
        kind: kind.slug(),
        title: kind.title().into(),
        folio: "RT-2026-T07-0042".into(),
        expediente_id: "0192f0c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f".into(),
        procedure: "P1 Instalación de la Red de Voz y Datos".into(),
        seccion: "Sección de Redes y Telecomunicaciones".into(),
        area: "Urgencias".into(),
        unidad: "Hospital Regional de Xalapa \"Dr. Luis F. Nachón\"".into(),
        solicitud: "Oficio núm. 4512/2026 de fecha 18 de noviembre de 2026".into(),
        intro: brigada_core::forms::wording::intro(kind).into(),
        fields: vec![
            (
                "Ubicación de los servicios".into(),
                "Sala de espera de Urgencias, planta baja".into(),
            ),
            (
                "Trayectoria de los servicios".into(),
                "Por plafón desde el site del piso 1, 35 m de canaleta".into(),
            ),
        ],
        materials: vec![
            ["120".into(), "m".into(), "Cable UTP categoría 6, azul".into()],
            ["4".into(), "pza".into(), "Jack RJ45 categoría 6".into()],
        ],
        parts: vec![],
        equipment: vec![tag::format(123)],
        notes: vec![
            "2026-11-20 09:10 · paso 3: Sí, es viable".into(),
            "2026-11-20 09:40 · paso 4: Falta material. Falta cable y jacks; el área los comprará.".into(),
        ],
    }
}

fn form(kind: DocumentKind, draft: bool) -> Form {
    let body = body(kind);
    Form {
        kind,
        fecha: "20 de noviembre de 2026".into(),
        lugar: "Xalapa".into(),
        fecha_ms: AT,
        draft,
        signers: if draft {
            vec![]
        } else {
            vec![Signer {
                id: "s1".into(),
                role: "acuse".into(),
                name: "Dra. Laura Méndez Ruiz".into(),
                at: AT,
                device: "T07".into(),
                strokes: strokes(r#"[[[10,80],[30,20],[50,80],[70,20],[90,80]],[[100,50],[160,52],[200,40]]]"#),
                earlier_version: false,
            }]
        },
        missing_roles: vec![],
        elaboro: "Ana Karen Hernández López".into(),
        equipment: vec![EquipmentRow {
            tag: tag::format(123),
            kind: "Switch".into(),
            brand: "Cisco".into(),
            model: "Catalyst 2960".into(),
            serial: "FOC1234X0AB".into(),
            inventory_number: "SESVER-INV-004512".into(),
            location: "Hospital Regional de Xalapa, Urgencias, piso 2, Site B".into(),
        }],
        changed_after_signing: None,
        code: format!(
            "brigada-doc:v1:{}:{}:{}:0123456789abcdef",
            body.expediente_id,
            kind.slug(),
            if draft { "b" } else { "s" }
        ),
        short_code: "0123-4567-89AB-CDEF".into(),
        body,
    }
}

fn render(f: Form) -> Vec<u8> {
    pdf::forms(&[f], Paper::Letter, &mut |_, _| {}).unwrap()
}

#[test]
fn a_signed_justificacion_tecnica_looks_as_reviewed() {
    check(
        "justificacion-tecnica",
        &render(form(DocumentKind::JustificacionTecnica, false)),
    );
}

#[test]
fn a_dictamen_with_parts_two_signatures_and_a_change_note_looks_as_reviewed() {
    let mut f = form(DocumentKind::DictamenTecnico, false);
    f.body.procedure = "P4 Baja de Equipo de Cómputo".into();
    f.body.seccion = "Sección de Infraestructura Tecnológica y Atención a Usuarios".into();
    f.body.materials.clear();
    f.body.fields = vec![
        ("Motivo de la baja".into(), "Falla técnica irreparable".into()),
        (
            "Falla".into(),
            "Tarjeta madre dañada por descarga eléctrica; no enciende.".into(),
        ),
    ];
    f.body.parts = vec![
        ["Memoria RAM DDR4 8 GB".into(), "RAM-001".into(), tag::format(123)],
        ["Disco duro SATA 500 GB".into(), "WD-5521".into(), tag::format(123)],
    ];
    f.signers.push(Signer {
        id: "s2".into(),
        role: "conformidad".into(),
        name: "Lic. Jorge Alberto Castañeda".into(),
        at: AT + 600_000,
        device: "T07".into(),
        strokes: strokes(r#"[[[0,40],[20,0],[40,40],[60,0]],[[70,20],[120,22]]]"#),
        earlier_version: true,
    });
    f.changed_after_signing = Some(
        "El expediente cambió después de la firma del 2026-11-20 10:40: este documento muestra la versión firmada. \
         La versión actual solo puede imprimirse como borrador sin firmas."
            .into(),
    );
    check("dictamen-tecnico", &render(f));
}

#[test]
fn a_draft_prints_once_and_is_marked() {
    check(
        "borrador",
        &render(form(DocumentKind::FormatoInstalacionVozDatos, true)),
    );
}

#[test]
fn label_sheets_look_as_reviewed() {
    let tags: Vec<String> = (1..=30).map(tag::format).collect();
    check("etiquetas-carta", &pdf::labels(&tags, Layout::Letter3x10).unwrap());
    check("etiquetas-rollo", &pdf::labels(&tags[..1], Layout::Roll50x25).unwrap());
}
