//! The expediente: one service job, from the request to the filed documents.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Expediente {
    /// UUID v7 (time-ordered), as text.
    pub id: String,
    /// Human folio, unique offline: `SECCION-YEAR-DEVICE-SEQ`, e.g. `RT-2026-T07-0042`.
    pub folio: String,
    pub procedure_id: String,
    pub procedure_version: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created_at: i64,
    pub created_by: String,
    pub created_device: String,
    pub solicitud: Solicitud,
    /// Área solicitante, e.g. "Urgencias".
    pub area: String,
    /// Unidad (hospital, clinic, office), e.g. "Hospital Regional de Xalapa".
    pub unidad: String,
    /// Code of the responsible DTI section (RT, IT, BD, SI).
    pub seccion: String,
    pub assignees: Vec<String>,
    /// Procedure-specific fields (see the procedure's `fields`). Last writer wins per key.
    pub fields: BTreeMap<String, String>,
    /// Append-only log of what was done at each step.
    pub log: Vec<LogEntry>,
    pub materials: Vec<Material>,
    /// Reusable parts extracted from decommissioned equipment (P4).
    pub parts: Vec<Part>,
    /// Asset tags of the equipment involved.
    pub equipment: Vec<String>,
    pub photos: Vec<Photo>,
    pub signatures: Vec<Signature>,
    pub documents: Vec<DocumentRecord>,
    pub comments: Vec<Comment>,
    /// The expediente this one continues (a P5 visit that became this P3 repair). Absent
    /// in documents written before links existed.
    #[autosurgeon(missing = "Default::default")]
    pub origin: Option<String>,
    /// Expedientes that continue this one (ids; a list, so two devices that each open the
    /// continuation offline both stay linked).
    #[autosurgeon(missing = "Default::default")]
    pub continued_in: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Solicitud {
    /// oficio | tarjeta | correo | telefono
    pub tipo: String,
    pub numero: String,
    /// Date on the paper, `YYYY-MM-DD`.
    pub fecha: String,
    /// When DTI received it (ms UTC), if recorded.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub recibida_en: Option<i64>,
    /// Hash of the photo of the paper, if taken.
    pub foto: Option<String>,
    /// Where the paper is for the DTI's chronological file: "" (not yet), `archivado`,
    /// `original-entregado`. Absent in documents written before it existed.
    #[autosurgeon(missing = "Default::default")]
    pub archivo: String,
}

pub const SOLICITUD_TIPOS: &[&str] = &["oficio", "tarjeta", "correo", "telefono"];

/// Who did something, on which device, when. Recorded with every log entry, photo,
/// signature and comment (and, as the change message, with every Automerge change).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stamp {
    pub by: String,
    pub device: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LogEntry {
    #[key]
    pub id: String,
    pub step: String,
    /// Visit number of this step on the path (a loop such as P1 6 → 6A → 6 visits twice).
    pub round: u32,
    /// The answer, for decisions.
    pub answer: Option<String>,
    pub note: Option<String>,
    /// Entries this one replaces (a corrected answer, a resolved conflict).
    pub supersedes: Vec<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Material {
    #[key]
    pub id: String,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    /// A part taken from the components inventory (P3), if any.
    pub component: Option<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Part {
    #[key]
    pub id: String,
    pub description: String,
    pub serial: Option<String>,
    /// Tag of the asset it was extracted from.
    pub from_asset: Option<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Photo {
    #[key]
    pub id: String,
    /// SHA-256 of the image, hex. The bytes live in the blob store, not in the CRDT.
    pub blob: String,
    pub caption: String,
    pub step: Option<String>,
    pub media_type: String,
    /// Blob hash of a small JPEG for lists (photos taken since the photo pipeline).
    pub thumb: Option<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Signature {
    #[key]
    pub id: String,
    pub step: Option<String>,
    /// conformidad | acuse | jefe | tecnico
    pub role: String,
    pub name: String,
    /// Blob hash of the strokes (JSON) and of the rendered PNG.
    pub strokes_blob: String,
    pub image_blob: String,
    /// Document heads (hex change hashes) at the moment of signing.
    pub heads: Vec<String>,
    /// SHA-256 of the canonical content that was signed.
    pub content_hash: String,
    /// Ed25519 public key of the signing device, hex.
    pub device_key: String,
    /// Ed25519 seal over the signing statement, hex.
    pub seal: String,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentRecord {
    #[key]
    pub id: String,
    /// A [`crate::procedure::DocumentKind`] slug.
    pub kind: String,
    pub step: String,
    /// borrador | emitido | acuse-recibido
    pub status: String,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comment {
    #[key]
    pub id: String,
    pub text: String,
    pub stamp: Stamp,
}

impl Expediente {
    /// Value of a field by its id: common fields or procedure fields.
    pub fn field(&self, id: &str) -> Option<String> {
        let v = match id {
            "area" => self.area.clone(),
            "unidad" => self.unidad.clone(),
            "seccion" => self.seccion.clone(),
            "solicitud.tipo" => self.solicitud.tipo.clone(),
            "solicitud.numero" => self.solicitud.numero.clone(),
            "solicitud.fecha" => self.solicitud.fecha.clone(),
            "solicitud.recibida_en" => self.solicitud.recibida_en?.to_string(),
            "solicitud.archivo" => self.solicitud.archivo.clone(),
            other => self.fields.get(other)?.clone(),
        };
        (!v.trim().is_empty()).then_some(v)
    }

    /// Every blob this expediente refers to (photos and their thumbnails, signature strokes
    /// and images, the request's photo): what a sync, an export and the server's blob
    /// checks must carry with it. The one list; nothing else enumerates them.
    pub fn blobs(&self) -> Vec<&str> {
        self.photos
            .iter()
            .flat_map(|p| std::iter::once(p.blob.as_str()).chain(p.thumb.as_deref()))
            .chain(
                self.signatures
                    .iter()
                    .flat_map(|s| [s.strokes_blob.as_str(), s.image_blob.as_str()]),
            )
            .chain(self.solicitud.foto.as_deref())
            .collect()
    }
}
