//! Builds `tests/fixtures/schema-v3`: a store as the first three migrations left it
//! (documents and blobs, no index), holding one expediente. Run once when a schema version
//! ships; the migration test opens the committed result with the current binary.

use brigada_core::doc;
use brigada_core::model::{Expediente, Solicitud};
use brigada_core::store::documents::{self, DocKind};
use brigada_core::store::{InitOptions, Store, kdf::KdfParams};

fn main() -> anyhow::Result<()> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/fixtures/schema-v3".into()),
    );
    let mut store = Store::init_upto(
        &out,
        brigada_scenarios::PASS,
        InitOptions {
            device_name: "Tablet 03".into(),
            code: None,
            person: Some("Técnico de 2026".into()),
            seccion: Some("RT".into()),
            kdf: KdfParams::new_for_tests(),
        },
        3,
    )?;
    let exp = Expediente {
        id: "0193a0c4-0000-7000-8000-000000000001".into(),
        folio: "RT-2026-T03-0001".into(),
        procedure_id: "P1".into(),
        procedure_version: 1,
        created_at: 1_795_771_800_000,
        created_by: "Técnico de 2026".into(),
        created_device: "T03".into(),
        solicitud: Solicitud {
            tipo: "oficio".into(),
            numero: "77/2026".into(),
            ..Default::default()
        },
        area: "Cámara Hiperbárica".into(),
        unidad: "Hospital Regional de Río Blanco".into(),
        seccion: "RT".into(),
        ..Default::default()
    };
    let author = store.author();
    let mut d = doc::new_doc(&author);
    doc::write(&mut d, &exp, &author, "crear RT-2026-T03-0001", exp.created_at)?;
    store.write(|tx| documents::insert(tx, &exp.id, DocKind::Expediente, &d, exp.created_at))?;
    drop(store);
    for f in ["brigada.db-wal", "brigada.db-shm"] {
        let _ = std::fs::remove_file(out.join(f));
    }
    println!("fixture written to {}", out.display());
    Ok(())
}
