//! Human-readable output (Spanish, as the users read it) and the `--json` switch.

use anyhow::Result;
use brigada_core::catalog::Catalog;
use brigada_core::doc::HistoryEntry;
use brigada_core::expedientes::View;
use brigada_core::procedure::engine::{Conflict, EscalationState, Status};
use brigada_core::store::index::{AssetRow, ComponentRow, Row};
use brigada_core::time::display_ms;
use brigada_core::{assets::AssetView, procedure};
use serde::Serialize;

pub struct Out {
    pub json: bool,
}

impl Out {
    pub fn value<T: Serialize>(&self, v: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
        if self.json {
            line(&serde_json::to_string_pretty(v)?)
        } else {
            line(&human(v))
        }
    }

    pub fn ok(&self, msg: &str) -> Result<()> {
        self.value(&serde_json::json!({"ok": true}), |_| msg.to_owned())
    }
}

/// Write one line to standard output. A reader that closed the pipe (`| head`) is an
/// `io::Error` of kind `BrokenPipe`, which `main` ends on quietly, like other Unix tools.
pub fn line(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

pub fn procedures(out: &Out, id: Option<&str>) -> Result<()> {
    match id {
        None => {
            let list: Vec<_> = procedure::catalog()
                .values()
                .map(|p| serde_json::json!({"id": p.id, "version": p.version, "name": p.name, "seccion": p.seccion}))
                .collect();
            out.value(&list, |_| {
                procedure::catalog()
                    .values()
                    .map(|p| format!("{}  v{}  [{}]  {}", p.id, p.version, p.seccion, p.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Some(id) => {
            let p = procedure::latest(id)?;
            out.value(p, |p| {
                let mut s = format!("{} v{} — {}\n", p.id, p.version, p.name);
                for st in &p.steps {
                    s.push_str(&format!(
                        "  {:>5}  {:<9} {}\n",
                        st.id,
                        format!("{:?}", st.kind).to_lowercase(),
                        st.title
                    ));
                    for a in &st.answers {
                        s.push_str(&format!("         → {} ({}) ⇒ {}\n", a.value, a.label, a.next));
                    }
                }
                s
            })
        }
    }
}

pub fn catalog(c: &Catalog) -> String {
    let mut s = String::from("Secciones:\n");
    for x in &c.secciones {
        s.push_str(&format!("  {}  {}\n", x.code, x.name));
    }
    s.push_str("Unidades:\n");
    for u in &c.unidades {
        s.push_str(&format!("  {} ({}): {}\n", u.name, u.municipio, u.areas.join(", ")));
    }
    s.push_str("Técnicos:\n");
    for t in &c.tecnicos {
        s.push_str(&format!("  {} [{}]\n", t.name, t.seccion));
    }
    s.push_str("Proveedores:\n");
    for p in &c.proveedores {
        s.push_str(&format!("  {} — {} ({})\n", p.name, p.phone, p.service));
    }
    s
}

pub fn rows(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "Sin expedientes.".into();
    }
    rows.iter()
        .map(|r| {
            let due = r
                .next_deadline
                .map(|d| format!("  vence {}", display_ms(d)))
                .unwrap_or_default();
            let wait = r
                .waiting_reason
                .as_ref()
                .map(|w| format!("  ({w})"))
                .unwrap_or_default();
            format!(
                "{}  {}  {:<10} paso {:<5} {} / {}{}{}",
                r.folio,
                r.procedure,
                r.state,
                r.current_step.as_deref().unwrap_or("—"),
                r.area,
                r.unidad,
                wait,
                due
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn status(st: &Status) -> String {
    let mut s = format!("Estado: {}", st.state);
    if let Some(c) = &st.current {
        s.push_str(&format!(" · paso actual {c}"));
    }
    if let Some(w) = &st.waiting {
        s.push_str(&format!("\nEn espera: {} (desde {})", w.reason, display_ms(w.since)));
    }
    if !st.answers.is_empty() {
        let a: Vec<_> = st.answers.iter().map(|(v, l)| format!("{v} = {l}")).collect();
        s.push_str(&format!("\nRespuestas: {}", a.join(" · ")));
    }
    if !st.missing.is_empty() {
        s.push_str(&format!("\nFalta: {}", st.missing.join(", ")));
    }
    if !st.documents_to_produce.is_empty() {
        let d: Vec<_> = st.documents_to_produce.iter().map(|d| d.title()).collect();
        s.push_str(&format!("\nDocumentos a elaborar: {}", d.join(", ")));
    }
    for e in &st.escalations {
        let when = e.due_at.map(display_ms).unwrap_or_else(|| "—".into());
        let label = match e.state {
            EscalationState::Overdue => "VENCIDO",
            EscalationState::Pending => "pendiente",
            EscalationState::Done => "hecho",
            EscalationState::Stopped => "ya no aplica",
            EscalationState::NotStarted => "sin fecha de reporte",
        };
        s.push_str(&format!("\nEscalamiento {}: {} — {} ({label})", e.id, e.action, when));
    }
    if !st.conflicts.is_empty() {
        s.push_str(&format!("\n{}", conflicts(&st.conflicts)));
    }
    if let Some(p) = &st.continues {
        s.push_str(&format!("\nContinúa con el procedimiento {p}"));
    }
    s
}

pub fn view(v: &View) -> String {
    let e = &v.expediente;
    let mut s = format!(
        "{}  {} — {}\nÁrea: {} / {}  ·  Sección {}\nSolicitud: {} {} {}\nCreado {} por {} ({})\n",
        e.folio,
        e.procedure_id,
        v.procedure_name,
        e.area,
        e.unidad,
        e.seccion,
        e.solicitud.tipo,
        e.solicitud.numero,
        e.solicitud.fecha,
        display_ms(e.created_at),
        e.created_by,
        e.created_device
    );
    if !e.assignees.is_empty() {
        s.push_str(&format!("Asignado a: {}\n", e.assignees.join(", ")));
    }
    for v in &v.status.path {
        let a = v.answer.as_ref().map(|a| format!(" = {a}")).unwrap_or_default();
        s.push_str(&format!("  ✔ paso {}{}\n", v.step, a));
    }
    for (k, val) in &e.fields {
        s.push_str(&format!("  {k}: {val}\n"));
    }
    for m in &e.materials {
        s.push_str(&format!("  material: {} {} {}\n", m.quantity, m.unit, m.item));
    }
    for t in &e.equipment {
        s.push_str(&format!("  equipo: {t}\n"));
    }
    for p in &e.photos {
        s.push_str(&format!(
            "  foto: {} (paso {}) {}\n",
            p.caption,
            p.step.as_deref().unwrap_or("—"),
            &p.blob[..12]
        ));
    }
    for g in &e.signatures {
        s.push_str(&format!(
            "  firma {}: {} — {} en {}\n",
            g.role,
            g.name,
            display_ms(g.stamp.at),
            g.stamp.device
        ));
    }
    for d in &e.documents {
        s.push_str(&format!("  documento: {} (paso {}) {}\n", d.kind, d.step, d.status));
    }
    s.push_str(&status(&v.status));
    s
}

pub fn history(h: &[HistoryEntry]) -> String {
    h.iter()
        .map(|e| format!("{}  {:<24} {:<6} {}", display_ms(e.at), e.by, e.device, e.action))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn conflicts(c: &[Conflict]) -> String {
    if c.is_empty() {
        return "Sin conflictos.".into();
    }
    c.iter()
        .map(|c| {
            let opts: Vec<_> = c
                .options
                .iter()
                .map(|o| {
                    format!(
                        "«{}» por {} en {} ({})",
                        o.answer,
                        o.stamp.by,
                        o.stamp.device,
                        display_ms(o.stamp.at)
                    )
                })
                .collect();
            format!(
                "CONFLICTO en el paso {}: {}. Resuelve con: brigada resolve REF {} --answer …",
                c.step,
                opts.join(" vs "),
                c.step
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn asset(v: &AssetView) -> String {
    let a = &v.asset;
    let mut s = format!(
        "{}  {} {} {}  serie {}  inv. {}\nUbicación: {} / {} {} {} {}\nEstado: {}\n",
        a.tag,
        a.kind,
        a.brand,
        a.model,
        a.serial,
        a.inventory_number,
        a.location.unidad,
        a.location.area,
        a.location.edificio,
        a.location.piso,
        a.location.sala,
        a.status
    );
    s.push_str("Historial:\n");
    s.push_str(&rows(&v.history));
    s
}

pub fn assets(rows: &[AssetRow]) -> String {
    if rows.is_empty() {
        return "Sin activos.".into();
    }
    rows.iter()
        .map(|a| {
            format!(
                "{}  {:<12} {} {}  {}  {} / {}",
                a.tag, a.kind, a.brand, a.model, a.status, a.unidad, a.area
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn components(rows: &[ComponentRow]) -> String {
    if rows.is_empty() {
        return "Sin componentes en inventario.".into();
    }
    rows.iter()
        .map(|c| {
            format!(
                "{}  {}  de {}{}",
                c.id,
                c.description,
                c.from_asset.as_deref().unwrap_or("—"),
                c.consumed_by
                    .as_ref()
                    .map(|x| format!("  (usado en {x})"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn sync_summary(s: &brigada_core::sync::Summary) -> String {
    let p = &s.progress;
    let mut out = format!(
        "Sincronizado: {} enviados, {} recibidos, {} combinados ({} ida(s) y vuelta, {} bytes)",
        p.docs_sent,
        p.docs_received,
        s.merged,
        p.round_trips,
        p.bytes_sent + p.bytes_received
    );
    let b = &s.blobs;
    out.push_str(&format!(
        "\nFotos y firmas: {} subidas, {} descargadas ({} KiB), {} pendientes",
        b.uploaded,
        b.downloaded,
        (b.bytes_up + b.bytes_down) / 1024,
        b.pending
    ));
    if !s.conflicts.is_empty() {
        out.push_str(&format!("\nConflictos por resolver: {}", s.conflicts.join(", ")));
    }
    for r in &s.rejected {
        out.push_str(&format!("\nNo aceptado por el servidor: {} — {}", r.id, r.message));
    }
    out
}
