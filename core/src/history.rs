//! A document's history in words. Each change carries a short action written when it was
//! made (`paso 3 = si`, `editar ubicacion, solicitud.fecha`, `firma acuse`): those texts are
//! stored forever in the documents, so they stay as they are, and are read here into a
//! sentence in the reader's language — field labels instead of field ids, answers and roles
//! as people say them. An action this program does not know is shown as written.

use brigada_record::messages::{Arg, Message};
use brigada_record::msg;

use crate::procedure::Procedure;

/// `action` in words; `proc` is the expediente's procedure (`None` for an asset).
pub fn words(action: &str, proc: Option<&Procedure>) -> Message {
    let (verb, rest) = action.split_once(' ').unwrap_or((action, ""));
    let rest = rest.trim();
    match (verb, proc) {
        ("crear", _) => msg!("history.create", folio = rest),
        ("registrar", _) => msg!("history.register", tag = rest),
        ("editar", Some(p)) => msg!("history.edit", fields = field_list(rest, |f| p.field_label(f))),
        ("editar", None) => msg!("history.edit", fields = asset_changes(rest)),
        ("paso", p) => match step_answer(p, rest) {
            Some((step, answer)) => msg!("history.step_answer", step = step, answer = answer),
            None => msg!("history.step", step = rest),
        },
        ("resolver", p) => match step_answer(p, rest) {
            Some((step, answer)) => msg!("history.resolve", step = step, answer = answer),
            None => msg!("history.unknown", action = action),
        },
        ("material", _) => msg!("history.material", item = rest),
        ("pieza", _) => msg!("history.part", part = rest),
        ("equipo", _) => msg!("history.equipment", tag = rest),
        ("asignar", _) => msg!("history.assign", person = rest.strip_prefix("a ").unwrap_or(rest)),
        ("comentario", _) => msg!("history.comment"),
        ("foto", _) if rest == "de la solicitud" => msg!("history.request_photo"),
        ("foto", _) if rest.is_empty() => msg!("history.photo"),
        ("pie", _) if rest == "de foto" => msg!("history.caption"),
        ("firma", _) => msg!("history.signature", role = crate::procedure::role_name(rest)),
        ("continúa", _) => msg!("history.continues", folio = rest.strip_prefix("en ").unwrap_or(rest)),
        _ => msg!("history.unknown", action = action),
    }
}

/// `3 = si` as the step and its answer in words.
fn step_answer<'a>(proc: Option<&Procedure>, rest: &'a str) -> Option<(&'a str, Arg)> {
    let (step, answer) = rest.split_once(" = ")?;
    Some((step.trim(), answer_words(proc, step.trim(), answer.trim())))
}

/// `a, b, c` with each id as its label.
fn field_list(ids: &str, label: impl Fn(&str) -> Arg) -> Arg {
    Arg::List(
        ids.split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| msg!("history.item", item = label(f)))
            .collect(),
    )
}

/// An asset edit's `field=value` pairs, each as "label: value".
fn asset_changes(pairs: &str) -> Arg {
    Arg::List(
        pairs
            .split(", ")
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let value: Arg = match (k.trim(), v.trim()) {
                    ("status", "activo") => msg!("history.status.activo").into(),
                    ("status", "en-reparacion") => msg!("history.status.en-reparacion").into(),
                    ("status", "baja") => msg!("history.status.baja").into(),
                    ("kind", kind) => Arg::Text(crate::forms::wording::asset_kind(kind).to_owned()),
                    (_, v) => Arg::Text(v.to_owned()),
                };
                msg!("history.change", field = asset_field(k.trim()), value = value)
            })
            .collect(),
    )
}

fn asset_field(key: &str) -> Arg {
    match key {
        "kind" => msg!("field.asset_kind").into(),
        "status" => msg!("history.asset.status").into(),
        "brand" => msg!("history.asset.brand").into(),
        "model" => msg!("history.asset.model").into(),
        "serial" => msg!("history.asset.serial").into(),
        "inventory_number" => msg!("history.asset.inventory_number").into(),
        "notes" => msg!("history.asset.notes").into(),
        "unidad" => msg!("field.unidad").into(),
        "area" => msg!("field.area").into(),
        "edificio" => msg!("history.asset.edificio").into(),
        "piso" => msg!("history.asset.piso").into(),
        "sala" => msg!("history.asset.sala").into(),
        other => Arg::Text(other.to_owned()),
    }
}

/// A decision's answer as its label in the procedure (the value itself if unknown).
fn answer_words(proc: Option<&Procedure>, step: &str, answer: &str) -> Arg {
    proc.and_then(|p| p.step(step))
        .and_then(|s| s.answers.iter().find(|a| a.value == answer))
        .map_or_else(|| Arg::Text(answer.to_owned()), |a| Arg::Text(a.label.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use brigada_record::messages::Locale::{En, Es};

    #[test]
    fn every_action_this_program_writes_reads_as_words_without_ids() {
        let p1 = crate::procedure::latest("P1").unwrap();
        let say = |a: &str, l| words(a, Some(p1)).render(l);
        let edit = say("editar ubicacion, solicitud.fecha", Es);
        assert!(
            edit.contains("Fecha de la solicitud") && !edit.contains("solicitud.fecha") && !edit.contains("ubicacion,"),
            "{edit}"
        );
        let step = say("paso 3 = si", Es);
        assert!(step.contains('3') && !step.contains("= si"), "{step}");
        assert!(
            say("firma acuse", Es).contains("acuse de recibido"),
            "{}",
            say("firma acuse", Es)
        );
        let asset = words("editar status=baja, notes=Sin reparación", None).render(Es);
        assert!(
            asset.contains("Estado") && asset.contains("Baja") && !asset.contains("status="),
            "{asset}"
        );
        for a in [
            "crear RT-2026-T07-0001",
            "registrar SESVER:DTI:ACT:000005",
            "resolver 4 = no",
            "material Cable UTP",
            "pieza Memoria RAM",
            "equipo SESVER:DTI:ACT:000005",
            "asignar a Ana",
            "comentario",
            "foto",
            "pie de foto",
            "foto de la solicitud",
            "continúa en IT-2026-T07-0003",
        ] {
            let (es, en) = (say(a, Es), say(a, En));
            assert_ne!(es, en, "{a}");
            let verb = a.split(' ').next().unwrap_or(a);
            assert!(!es.starts_with(verb), "{a} shown as written: {es}");
        }
        // What this program does not know stays as written.
        assert!(say("fusionar copias", Es).contains("fusionar copias"));
    }
}
