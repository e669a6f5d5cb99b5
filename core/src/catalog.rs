//! The catalog: unidades and their áreas, DTI's secciones, técnicos and providers.
//!
//! Embedded demo data for now (real Veracruz units, the manual's provider phone numbers);
//! the sync server will distribute the office's own catalog. Lookups fold case and
//! accents so "rio blanco" finds "Río Blanco".

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Seccion {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Unidad {
    pub name: String,
    pub municipio: String,
    pub areas: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Tecnico {
    pub name: String,
    pub seccion: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Proveedor {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub service: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Catalog {
    pub secciones: Vec<Seccion>,
    pub unidades: Vec<Unidad>,
    pub tecnicos: Vec<Tecnico>,
    pub proveedores: Vec<Proveedor>,
}

pub fn demo() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| {
        toml::from_str(include_str!("../catalog/demo.toml"))
            .unwrap_or_else(|e| panic!("embedded demo catalog does not parse: {e}"))
    })
}

pub use brigada_record::procedure::field::fold;

impl Catalog {
    /// The unidad named `name` (folded: case and accents aside).
    pub fn unidad(&self, name: &str) -> Option<&Unidad> {
        let n = fold(name.trim());
        self.unidades.iter().find(|u| fold(&u.name) == n)
    }

    /// Unidades whose name contains `query` (folded).
    pub fn find_unidades(&self, query: &str) -> Vec<&Unidad> {
        let q = fold(query);
        self.unidades.iter().filter(|u| fold(&u.name).contains(&q)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalog_has_the_manuals_providers() {
        let c = demo();
        assert_eq!(c.secciones.len(), 4);
        let telmex = c.proveedores.iter().find(|p| p.id == "telmex").unwrap();
        assert_eq!(telmex.phone, "01 800 22 61 500");
        assert_eq!(c.find_unidades("rio blanco").len(), 1);
    }
}
