//! The words on the paper. Taken from the department's procedures manual (2016): each
//! document's opening sentence restates the manual's activity, and where the original and
//! the copy go follows the manual's "entrega original … archiva copia" for that document.

use chrono::{Datelike, NaiveDate};

use crate::procedure::DocumentKind;

pub const INSTITUCION: &str = "SERVICIOS DE SALUD DE VERACRUZ";
pub const DIRECCION: &str = "Dirección Administrativa";
pub const DEPARTAMENTO: &str = "Departamento de Tecnologías de la Información";
/// Where papers are dated when the unidad is not in the catalog: the department's seat.
pub const SEDE: &str = "Xalapa-Enríquez";

/// Where a paper is signed: the municipio of the expediente's unidad, as the catalog has it.
pub fn place(unidad: &str) -> String {
    crate::catalog::demo()
        .unidad(unidad)
        .map(|u| u.municipio.clone())
        .unwrap_or_else(|| SEDE.to_owned())
}

/// An asset kind as the paper names it (the register stores a short code).
pub fn asset_kind(kind: &str) -> &str {
    match kind {
        "computadora" => "Computadora",
        "laptop" => "Laptop",
        "radio" => "Radio",
        "switch" => "Switch",
        "telefono" => "Teléfono",
        "access-point" => "Punto de acceso",
        "ups" => "No-break (UPS)",
        "impresora" => "Impresora",
        "servidor" => "Servidor",
        "otro" => "Otro",
        other => other,
    }
}

pub fn intro(kind: DocumentKind) -> &'static str {
    use DocumentKind::*;
    match kind {
        JustificacionInviabilidad => {
            "Evaluada la viabilidad de la instalación de los servicios de la red de voz y datos en el área \
             solicitante, y determinadas la ubicación y la trayectoria de los mismos, se emite la presente \
             Justificación técnica de inviabilidad, por los motivos que se exponen a continuación."
        }
        JustificacionTecnica => {
            "Determinados los requerimientos necesarios para el servicio solicitado, se emite la presente \
             Justificación técnica del material o las refacciones necesarias, para que el área solicitante \
             realice los trámites conducentes de compra ante la Subdirección de Recursos Materiales."
        }
        DictamenTecnico => {
            "Revisado el equipo de cómputo, se emite el presente Dictamen técnico, que especifica la falla, \
             el motivo y, en su caso, las refacciones necesarias o las piezas extraídas para ser reutilizadas, \
             para los trámites conducentes ante la Subdirección de Recursos Materiales."
        }
        Tarjeta => {
            "Analizada la falla del equipo de radiocomunicación, se informa al área solicitante que debe \
             solicitar el apoyo de la Secretaría de Infraestructura y Obras Públicas del Estado de Veracruz \
             (SIOP) y/o de un proveedor de servicio, según corresponda; se devuelve el equipo."
        }
        FormatoInstalacionVozDatos => {
            "Se hace constar la instalación y/o configuración de los servicios de la red de voz y datos \
             solicitados; el área solicitante firma de conformidad y satisfacción del servicio."
        }
        FormatoRf01 => {
            "Formato DA/DTI/RF01 de Atención de Servicio de Radio Frecuencia, con los datos generales del \
             equipo y del área solicitante."
        }
        FormatoControlActividades => {
            "Se hace constar la revisión y reparación del equipo de radiocomunicación y su entrega al área \
             solicitante; el usuario firma de conformidad."
        }
        FormatoServicioEquipo => {
            "Registro del equipo de cómputo en servicio, con los datos generales del solicitante y del equipo, \
             su estatus y el servicio realizado."
        }
        FormatoRespaldoBd => {
            "Se hace constar el respaldo de la base de datos del área solicitante, su periodicidad, el medio \
             utilizado y su verificación; el área solicitante firma de conformidad."
        }
        ReporteCierreSeguimiento => {
            "Se hace constar el seguimiento y el cierre del reporte de falla en la línea telefónica o el \
             servicio de internet del área afectada."
        }
    }
}

/// Does the department keep the original (and give the copy away)? The manual says so for
/// the forms it files (respaldo de base de datos, RF01, reporte de cierre). The Formato de
/// servicio a equipo goes back with the equipment in original; the department files the
/// copy (manual line 5427).
pub fn dti_keeps_original(kind: DocumentKind) -> bool {
    use DocumentKind::*;
    matches!(kind, FormatoRespaldoBd | FormatoRf01 | ReporteCierreSeguimiento)
}

/// Is the document made in original only, filed by the department? The Reporte de cierre
/// de seguimiento is (manual lines 4203 and 4233: "genera el Reporte de cierre ... en
/// original y archiva"), and so is the RF01 (line 4701: "Llena el Formato (DA/DTI/RF01)
/// ... y archiva"): nothing leaves the department, so neither carries an acuse.
pub fn original_only(kind: DocumentKind) -> bool {
    matches!(kind, DocumentKind::ReporteCierreSeguimiento | DocumentKind::FormatoRf01)
}

/// Where a page goes, printed under ORIGINAL / COPIA.
pub fn destination(kind: DocumentKind, original: bool) -> &'static str {
    if original != dti_keeps_original(kind) {
        "Para el área solicitante"
    } else {
        "Para el Expediente del Departamento de Tecnologías de la Información"
    }
}

pub fn role_label(role: &str) -> &'static str {
    match role {
        "conformidad" => "Firma de conformidad y satisfacción (área solicitante)",
        "acuse" => "Acuse de recibido",
        "jefe" => "Jefe(a) del Departamento de Tecnologías de la Información",
        "tecnico" => "Elaboró",
        _ => "Firma",
    }
}

const MESES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// "27 de noviembre de 2026".
pub fn long_date(d: NaiveDate) -> String {
    format!("{} de {} de {}", d.day(), MESES[d.month0() as usize], d.year())
}

/// A moment as a Mexico City date, spelled out.
pub fn long_date_ms(ms: i64) -> String {
    let local = crate::time::from_ms(ms).with_timezone(&chrono_tz::America::Mexico_City);
    long_date(local.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_spelled_in_spanish_in_mexico_city_time() {
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
            "5 de enero de 2026"
        );
        // 02:00 UTC on 28 Nov is still 27 Nov in Mexico City.
        let ms = crate::time::parse_datetime("t", "2026-11-28T02:00:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(long_date_ms(ms), "27 de noviembre de 2026");
    }

    #[test]
    fn originals_and_copies_go_where_the_manual_says() {
        assert_eq!(
            destination(DocumentKind::JustificacionInviabilidad, true),
            "Para el área solicitante"
        );
        assert!(destination(DocumentKind::FormatoRespaldoBd, true).contains("Expediente"));
        assert_eq!(
            destination(DocumentKind::FormatoRespaldoBd, false),
            "Para el área solicitante"
        );
    }
}
