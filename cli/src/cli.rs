//! Command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "brigada",
    version,
    about = "Brigada — the DTI field kit, from the command line"
)]
pub struct Cli {
    /// Data folder (default: $BRIGADA_HOME, else ~/.local/share/brigada).
    #[arg(long, global = true, env = "BRIGADA_HOME")]
    pub home: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create this device's encrypted store (asks for a passphrase or PIN).
    Init {
        #[arg(long)]
        device_name: String,
        /// Short code used in folios (default: from the name, "Tablet 07" → T07).
        #[arg(long)]
        code: Option<String>,
        /// The person using the device (default: the device name).
        #[arg(long)]
        person: Option<String>,
        /// DTI section code: RT, IT, BD or SI.
        #[arg(long)]
        seccion: Option<String>,
    },
    /// List the procedures, or show one with its steps.
    Procedures { id: Option<String> },
    /// Show the catalog: unidades, áreas, secciones, técnicos, providers.
    Catalog,
    /// Open a new expediente.
    New {
        #[arg(long)]
        procedure: String,
        #[arg(long)]
        area: String,
        #[arg(long)]
        unidad: Option<String>,
        /// The request, e.g. "oficio 4512/2026" or "tarjeta 88".
        #[arg(long)]
        request: Option<String>,
        #[arg(long)]
        asset: Option<String>,
        /// Assign to a person (repeatable).
        #[arg(long = "assign")]
        assign: Vec<String>,
    },
    /// List expedientes.
    List {
        /// Search words (accent- and case-insensitive).
        #[arg(long, short)]
        query: Option<String>,
        /// en-curso, en-espera, conflicto, terminado
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        procedure: Option<String>,
        /// Assigned to this person (also `--tecnico`).
        #[arg(long, alias = "tecnico")]
        assignee: Option<String>,
        /// Only this sección (RT, IT, BD, SI).
        #[arg(long)]
        seccion: Option<String>,
        /// Opened on or after this day (2026-11-01 or 01/11/2026, Mexico City).
        #[arg(long)]
        from: Option<String>,
        /// Opened on or before this day.
        #[arg(long)]
        to: Option<String>,
        /// Closed on or after this day.
        #[arg(long)]
        closed_from: Option<String>,
        /// Closed on or before this day.
        #[arg(long)]
        closed_to: Option<String>,
        /// Only this unidad (as written, any case).
        #[arg(long)]
        unidad: Option<String>,
        /// Only this área (as written, any case).
        #[arg(long)]
        area: Option<String>,
        /// Only those with an escalation or wait deadline already passed.
        #[arg(long)]
        overdue: bool,
        /// deadline (default), newest, oldest, updated, folio
        #[arg(long, default_value = "deadline")]
        sort: String,
        /// Skip this many (the next page).
        #[arg(long, default_value_t = 0)]
        offset: u32,
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// The department's figures for a period (days in Mexico City time, both included):
    /// opened, closed, open by state and age, time to close, work per técnico, P6
    /// escalations, material used, parts, equipment sent to baja.
    Report {
        /// First day: 2026-11-01 or 01/11/2026 (default: the first of the last day's month).
        #[arg(long)]
        from: Option<String>,
        /// Last day, included (default: today).
        #[arg(long)]
        to: Option<String>,
        /// Only this sección (RT, IT, BD, SI).
        #[arg(long)]
        seccion: Option<String>,
        /// Also write the spreadsheet: one sheet per table and the list of expedientes.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Also write one CSV file per table into this folder.
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
        /// Also write the Informe mensual (PDF, letter paper).
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Show one expediente (REF = id or folio) with its state and what is missing.
    Show { reference: String },
    /// Set fields: FIELD=VALUE …
    Set {
        reference: String,
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    /// Record a step (the current one), with an answer for decisions.
    Step {
        reference: String,
        step: String,
        #[arg(long)]
        answer: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Add a material or spare part.
    Material {
        reference: String,
        #[arg(long)]
        item: String,
        #[arg(long)]
        qty: f64,
        #[arg(long)]
        unit: String,
        /// Take it from the components inventory (id from `brigada components`).
        #[arg(long)]
        component: Option<String>,
    },
    /// Record a reusable part extracted from the equipment (P4).
    Part {
        reference: String,
        #[arg(long)]
        description: String,
        #[arg(long)]
        serial: Option<String>,
    },
    /// Add equipment involved, by asset tag.
    Equipment { reference: String, tag: String },
    /// Open the expediente that continues a finished one in another procedure (a P5 visit
    /// that became a P3 repair), with its área, request, equipment and fault.
    Continue { reference: String },
    /// Assign an expediente to a person.
    Assign {
        reference: String,
        #[arg(long)]
        to: String,
    },
    /// Add a comment.
    Comment { reference: String, text: String },
    /// Attach a photo.
    Attach {
        reference: String,
        file: PathBuf,
        #[arg(long, default_value = "")]
        caption: String,
        /// Step the photo belongs to (default: the current step).
        #[arg(long)]
        step: Option<String>,
        /// It is the photo of the paper request (Oficio, Tarjeta).
        #[arg(long, conflicts_with_all = ["step", "caption"])]
        solicitud: bool,
    },
    /// Capture a signature from a strokes file (JSON: [[[x,y],…],…]).
    Sign {
        reference: String,
        /// conformidad, acuse, jefe or tecnico
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        strokes: PathBuf,
        #[arg(long)]
        step: Option<String>,
    },
    /// Who did what, when, on which device.
    History { reference: String },
    /// Contradictory answers from different devices.
    Conflicts { reference: String },
    /// Settle a conflict with one answer (supersedes all given answers).
    Resolve {
        reference: String,
        step: String,
        #[arg(long)]
        answer: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Assets (equipment with a QR tag).
    #[command(subcommand)]
    Asset(AssetCommand),
    /// The inventory of reusable components extracted in decommissions.
    Components {
        /// Include consumed ones.
        #[arg(long)]
        all: bool,
    },
    /// Read a QR code from an image file.
    Scan { image: PathBuf },
    /// Write a tag's QR code as PNG or SVG (by the file's extension).
    Tag {
        /// Tag id or its number (123 → SESVER:DTI:ACT:000123).
        tag: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Export an expediente: Automerge bytes, JSON and its blobs.
    Export {
        reference: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Merge an exported expediente (document.automerge) into this store.
    Import { file: PathBuf },
    /// Enrol this device with a sync server (URL and the one-time code from the
    /// administrator, or the text of the enrolment QR).
    Enroll {
        /// Server address, or the enrolment QR's text (brigada-enroll:URL#CODE).
        url: String,
        code: Option<String>,
        /// The server's own certificate authority (PEM), when it does not use a public one.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// Sync with the server: send what changed here, receive what changed there.
    Sync,
    /// Print official documents as PDF (ORIGINAL and COPIA): one expediente's, or a batch.
    Pdf(Box<PdfArgs>),
    /// Check signatures: of an expediente (REF), a Brigada PDF, a photo of a printed page,
    /// or the text of a document's verification QR.
    Verify { target: String },
    /// Print QR asset-tag labels from this device's reserved tag numbers.
    Labels(Box<LabelArgs>),
    /// Print the label of a backup medium (P7): what was backed up, date and time, área,
    /// folio and its QR. The first print records the label's words in the expediente.
    MediumLabel {
        reference: String,
        /// roll-50x25 (thermal roll) or letter-3x10 (first label of a sheet).
        #[arg(long, default_value = "roll-50x25")]
        layout: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Show how many tag numbers this device has left, or reserve more from the server.
    Tags {
        /// Reserve this many more from the server.
        #[arg(long)]
        request: Option<u32>,
    },
    /// Internal: decode a QR in an isolated process.
    #[command(name = "__decode", hide = true)]
    DecodeWorker { image: PathBuf },
}

#[derive(Args, Debug)]
pub struct PdfArgs {
    /// Expedientes (id or folio). Without any, --day, --week or --seccion choose them.
    pub references: Vec<String>,
    /// Only this document (e.g. justificacion-tecnica); default: every document issued.
    #[arg(long)]
    pub document: Option<String>,
    /// Print the current content as an unsigned draft (needs one REF and --document).
    #[arg(long)]
    pub draft: bool,
    /// List the expediente's documents instead of printing.
    #[arg(long)]
    pub list: bool,
    /// Documents dated this day (YYYY-MM-DD, Mexico City).
    #[arg(long, conflicts_with = "week")]
    pub day: Option<String>,
    /// Documents dated in the Monday-to-Sunday week containing this date.
    #[arg(long)]
    pub week: Option<String>,
    /// Only this DTI section (RT, IT, BD, SI).
    #[arg(long)]
    pub seccion: Option<String>,
    /// letter (default), oficio or a4.
    #[arg(long, default_value = "letter")]
    pub paper: String,
    #[arg(long, required_unless_present = "list")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LabelArgs {
    /// How many new tags to print.
    #[arg(long, required_unless_present = "reprint")]
    pub count: Option<u32>,
    /// letter-3x10 (a letter sheet of 30 labels) or roll-50x25 (thermal roll).
    #[arg(long, default_value = "letter-3x10")]
    pub layout: String,
    /// Reprint existing tags (a damaged label) instead of new ones.
    #[arg(long, num_args = 1..)]
    pub reprint: Vec<String>,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum AssetCommand {
    /// Register an asset.
    Add(Box<AssetAdd>),
    /// Edit an asset: FIELD=VALUE … (brand, model, serial, status, unidad, area, piso, …).
    Set {
        tag: String,
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    /// Show an asset and its history of expedientes.
    Show { tag: String },
    /// List assets.
    List,
}

#[derive(Args, Debug)]
pub struct AssetAdd {
    #[arg(long)]
    pub tag: String,
    /// computadora, laptop, radio, switch, telefono, access-point, ups, impresora, servidor, otro
    #[arg(long)]
    pub kind: String,
    #[arg(long, default_value = "")]
    pub brand: String,
    #[arg(long, default_value = "")]
    pub model: String,
    #[arg(long, default_value = "")]
    pub serial: String,
    #[arg(long, default_value = "")]
    pub inventory: String,
    #[arg(long, default_value = "")]
    pub unidad: String,
    #[arg(long, default_value = "")]
    pub area: String,
    #[arg(long, default_value = "")]
    pub edificio: String,
    #[arg(long, default_value = "")]
    pub piso: String,
    #[arg(long, default_value = "")]
    pub sala: String,
}
