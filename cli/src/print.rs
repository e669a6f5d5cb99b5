//! Human-readable output, in the reader's language from the message catalog (Spanish by
//! default, English when `LANG` says so), and the `--json` switch (keys and ids, for scripts).

use anyhow::Result;
use brigada_core::catalog::Catalog;
use brigada_core::doc::HistoryEntry;
use brigada_core::expedientes::View;
use brigada_core::messages::Message;
use brigada_core::procedure::engine::{Conflict, EscalationState, Status};
use brigada_core::procedure::{DocumentKind, document_status_name, role_name, state_name};
use brigada_core::store::index::{AssetRow, ComponentRow, Row};
use brigada_core::time::display_ms;
use brigada_core::{assets::AssetView, msg, procedure};
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

    pub fn ok(&self, said: Message) -> Result<()> {
        self.value(&serde_json::json!({"ok": true}), |_| said.to_string())
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
    let mut s = format!("{}\n", msg!("cli.heading_secciones"));
    for x in &c.secciones {
        s.push_str(&format!("  {}  {}\n", x.code, x.name));
    }
    s.push_str(&format!("{}\n", msg!("cli.heading_unidades")));
    for u in &c.unidades {
        s.push_str(&format!("  {} ({}): {}\n", u.name, u.municipio, u.areas.join(", ")));
    }
    s.push_str(&format!("{}\n", msg!("cli.heading_tecnicos")));
    for t in &c.tecnicos {
        s.push_str(&format!("  {} [{}]\n", t.name, t.seccion));
    }
    s.push_str(&format!("{}\n", msg!("cli.heading_proveedores")));
    for p in &c.proveedores {
        s.push_str(&format!("  {} — {} ({})\n", p.name, p.phone, p.service));
    }
    s
}

/// Lines of a list, or the sentence saying there is nothing.
fn lines_or<T>(items: &[T], none: Message, line: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        return none.to_string();
    }
    items.iter().map(line).collect::<Vec<_>>().join("\n")
}

pub fn rows(rows: &[Row]) -> String {
    lines_or(rows, msg!("cli.no_expedientes"), |r| {
        let mut line = msg!(
            "cli.row",
            folio = &r.folio,
            procedure = &r.procedure,
            state = state_name(&r.state),
            step = r.current_step.as_deref().unwrap_or("—"),
            area = &r.area,
            unidad = &r.unidad
        )
        .to_string();
        if let Some(w) = &r.waiting_reason {
            line.push_str(&format!("  ({w})"));
        }
        if let Some(d) = r.next_deadline {
            line.push_str(&msg!("cli.row_due", at = display_ms(d)).to_string());
        }
        line
    })
}

pub fn status(st: &Status) -> String {
    let mut s = msg!("cli.status_state", state = state_name(st.state)).to_string();
    if let Some(c) = &st.current {
        s.push_str(&msg!("cli.status_current", step = c).to_string());
    }
    let mut line = |text: String| {
        s.push('\n');
        s.push_str(&text);
    };
    if let Some(w) = &st.waiting {
        line(msg!("cli.status_waiting", reason = &w.reason, since = display_ms(w.since)).to_string());
    }
    if !st.answers.is_empty() {
        let a: Vec<_> = st.answers.iter().map(|(v, l)| format!("{v} = {l}")).collect();
        line(msg!("cli.status_answers", answers = a.join(" · ")).to_string());
    }
    if !st.missing.is_empty() {
        line(msg!("cli.status_missing", missing = st.missing.join(", ")).to_string());
    }
    if !st.documents_to_produce.is_empty() {
        let d: Vec<_> = st.documents_to_produce.iter().map(|d| d.title()).collect();
        line(msg!("cli.status_documents", documents = d.join(", ")).to_string());
    }
    for e in &st.escalations {
        let state = match e.state {
            EscalationState::Overdue => msg!("cli.escalation_overdue"),
            EscalationState::Pending => msg!("cli.escalation_pending"),
            EscalationState::Done => msg!("cli.escalation_done"),
            EscalationState::Stopped => msg!("cli.escalation_stopped"),
            EscalationState::NotStarted => msg!("cli.escalation_not_started"),
        };
        let when = e.due_at.map(display_ms).unwrap_or_else(|| "—".into());
        line(
            msg!(
                "cli.escalation",
                id = &e.id,
                action = &e.action,
                when = when,
                state = state
            )
            .to_string(),
        );
    }
    if let Some(p) = &st.continues {
        line(msg!("cli.status_continues", procedure = p).to_string());
    }
    if !st.conflicts.is_empty() {
        s.push('\n');
        s.push_str(&conflicts(&st.conflicts));
    }
    s
}

pub fn view(v: &View) -> String {
    let e = &v.expediente;
    let mut s = msg!(
        "cli.view_head",
        folio = &e.folio,
        procedure = &e.procedure_id,
        name = &v.procedure_name,
        area = &e.area,
        unidad = &e.unidad,
        seccion = &e.seccion,
        tipo = &e.solicitud.tipo,
        numero = &e.solicitud.numero,
        fecha = &e.solicitud.fecha,
        at = display_ms(e.created_at),
        by = &e.created_by,
        device = &e.created_device
    )
    .to_string();
    let mut line = |text: String| {
        s.push('\n');
        s.push_str(&text);
    };
    if !e.assignees.is_empty() {
        line(msg!("cli.view_assignees", list = e.assignees.join(", ")).to_string());
    }
    for visit in &v.status.path {
        let mut m = msg!("cli.view_step", step = &visit.step);
        if let Some(a) = &visit.answer {
            m = msg!("cli.view_step", step = format!("{} = {a}", visit.step));
        }
        line(m.to_string());
    }
    // Each field as the procedure names it and in words, never an internal id or code.
    for f in v.fields.iter().filter(|f| !f.def.id.starts_with("solicitud.")) {
        if let Some(words) = &f.words {
            line(format!("  {}: {words}", f.def.label));
        }
    }
    for m in &e.materials {
        line(
            msg!(
                "cli.view_material",
                quantity = m.quantity.to_string(),
                unit = &m.unit,
                item = &m.item
            )
            .to_string(),
        );
    }
    for t in &e.equipment {
        line(msg!("cli.view_equipment", tag = t).to_string());
    }
    for p in &e.photos {
        line(
            msg!(
                "cli.view_photo",
                caption = &p.caption,
                step = p.step.as_deref().unwrap_or("—"),
                blob = p.blob.get(..12).unwrap_or(&p.blob)
            )
            .to_string(),
        );
    }
    for g in &e.signatures {
        line(
            msg!(
                "cli.view_signature",
                name = &g.name,
                role = role_name(&g.role),
                at = display_ms(g.stamp.at),
                device = &g.stamp.device
            )
            .to_string(),
        );
    }
    for d in &e.documents {
        let title = DocumentKind::from_slug(&d.kind).map_or_else(|| d.kind.clone(), |k| k.title().to_owned());
        line(
            msg!(
                "cli.view_document",
                title = title,
                step = &d.step,
                status = document_status_name(&d.status)
            )
            .to_string(),
        );
    }
    s.push('\n');
    s.push_str(&status(&v.status));
    s
}

pub fn history(h: &[HistoryEntry]) -> String {
    h.iter()
        .map(|e| format!("{}  {:<24} {:<6} {}", display_ms(e.at), e.by, e.device, e.words))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn conflicts(c: &[Conflict]) -> String {
    lines_or(c, msg!("cli.no_conflicts"), |c| {
        let options: Vec<String> = c
            .options
            .iter()
            .map(|o| {
                msg!(
                    "cli.conflict_option",
                    answer = &o.answer,
                    by = &o.stamp.by,
                    device = &o.stamp.device,
                    at = display_ms(o.stamp.at)
                )
                .to_string()
            })
            .collect();
        msg!("cli.conflict", step = &c.step, options = options.join(" vs ")).to_string()
    })
}

pub fn asset(v: &AssetView) -> String {
    let a = &v.asset;
    let l = &a.location;
    format!(
        "{}\n{}",
        msg!(
            "cli.asset_head",
            tag = &a.tag,
            kind = &a.kind,
            brand = &a.brand,
            model = &a.model,
            serial = &a.serial,
            inventory = &a.inventory_number,
            unidad = &l.unidad,
            area = &l.area,
            edificio = &l.edificio,
            piso = &l.piso,
            sala = &l.sala,
            status = &a.status
        ),
        rows(&v.history)
    )
}

pub fn assets(rows: &[AssetRow]) -> String {
    lines_or(rows, msg!("cli.no_assets"), |a| {
        format!(
            "{}  {:<12} {} {}  {}  {} / {}",
            a.tag, a.kind, a.brand, a.model, a.status, a.unidad, a.area
        )
    })
}

pub fn components(rows: &[ComponentRow]) -> String {
    lines_or(rows, msg!("cli.no_components"), |c| {
        let mut line = msg!(
            "cli.component",
            id = &c.id,
            description = &c.description,
            from = c.from_asset.as_deref().unwrap_or("—")
        )
        .to_string();
        if let Some(x) = &c.consumed_by {
            line.push_str(&msg!("cli.component_used", folio = c.consumed_folio.as_deref().unwrap_or(x)).to_string());
        }
        line
    })
}

pub fn sync_summary(s: &brigada_core::sync::Summary) -> String {
    let (p, b) = (&s.progress, &s.blobs);
    let mut out = vec![
        msg!(
            "cli.sync_done",
            sent = p.docs_sent,
            received = p.docs_received,
            merged = s.merged,
            trips = p.round_trips,
            bytes = p.bytes_sent + p.bytes_received
        ),
        msg!(
            "cli.sync_blobs",
            up = b.uploaded,
            down = b.downloaded,
            kib = (b.bytes_up + b.bytes_down) / 1024,
            pending = b.pending
        ),
    ];
    if !s.conflicts.is_empty() {
        out.push(msg!("cli.sync_conflicts", list = s.conflicts.join(", ")));
    }
    for h in &s.held {
        out.push(msg!("cli.sync_held", folio = &h.folio, why = &h.reason));
    }
    out.iter().map(Message::to_string).collect::<Vec<_>>().join("\n")
}

/// A period's figures, a line per figure, in the reader's language.
pub fn report(r: &brigada_core::report::Report) -> String {
    let day = |iso: &str| {
        brigada_core::time::parse_date("", iso)
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| iso.to_owned())
    };
    let list = |pairs: Vec<String>| {
        if pairs.is_empty() {
            "—".to_owned()
        } else {
            pairs.join(", ")
        }
    };
    let mut out = vec![
        msg!(
            "cli.report_period",
            from = day(&r.from),
            to = day(&r.to),
            seccion = r.seccion.clone().unwrap_or_else(|| msg!("cli.report_all").to_string())
        )
        .to_string(),
        msg!(
            "cli.report_totals",
            opened = r.opened,
            closed = r.closed,
            open = r.open_at_end
        )
        .to_string(),
    ];
    for w in &r.weeks {
        out.push(
            msg!(
                "cli.report_week",
                week = day(&w.start),
                opened = w.opened,
                closed = w.closed
            )
            .to_string(),
        );
    }
    let states = r
        .open_by_state
        .iter()
        .map(|c| format!("{} {}", state_name(&c.key), c.n))
        .collect();
    out.push(msg!("cli.report_states", list = list(states)).to_string());
    let ages = r.open_by_age.iter().map(|c| format!("{} {}", c.key, c.n)).collect();
    out.push(msg!("cli.report_ages", list = list(ages)).to_string());
    for t in &r.time_to_close {
        out.push(
            msg!(
                "cli.report_close",
                procedure = &t.procedure,
                closed = t.closed,
                median = format!("{:.1}", t.median_hours),
                p90 = format!("{:.1}", t.p90_hours)
            )
            .to_string(),
        );
    }
    for l in &r.workload {
        let who = if l.person.is_empty() {
            msg!("report.unassigned").to_string()
        } else {
            l.person.clone()
        };
        out.push(msg!("cli.report_load", person = who, open = l.open, closed = l.closed).to_string());
    }
    for e in &r.escalations {
        out.push(
            msg!(
                "cli.report_escalation",
                escalation = &e.escalation,
                due = e.due,
                met = e.met,
                missed = e.missed,
                pending = e.pending
            )
            .to_string(),
        );
    }
    for m in &r.materials {
        out.push(
            msg!(
                "cli.report_material",
                quantity = m.quantity.to_string(),
                unit = &m.unit,
                item = &m.item
            )
            .to_string(),
        );
    }
    out.push(
        msg!(
            "cli.report_parts",
            into = r.parts_in,
            out = r.parts_out,
            bajas = r.bajas
        )
        .to_string(),
    );
    for p in &r.papers {
        out.push(
            msg!(
                "cli.report_paper",
                document = &p.title,
                unsigned = p.unsigned,
                altered = p.altered
            )
            .to_string(),
        );
    }
    out.join("\n")
}
