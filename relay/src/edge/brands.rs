//! The brand registry in D1 (binding `DB`, table `brands`, see `relay/migrations/`).

use super::http::internal;
use crate::brand::{Brand, BrandRow};
use crate::error::RelayError;
use crate::origin::origin_allowed;
use worker::{wasm_bindgen::JsValue, Env};

/// Loads one brand, or [`RelayError::UnknownBrand`].
pub async fn load(env: &Env, id: &str) -> Result<Brand, RelayError> {
    let row: Option<BrandRow> = env
        .d1("DB")
        .map_err(internal)?
        .prepare("SELECT id, name, allowed_origins FROM brands WHERE id = ?1")
        .bind(&[JsValue::from_str(id)])
        .map_err(internal)?
        .first(None)
        .await
        .map_err(internal)?;
    let row = row.ok_or_else(|| RelayError::UnknownBrand(id.to_string()))?;
    Brand::try_from(row).map_err(|e| internal(format!("brand {id}: allowed_origins: {e}")))
}

/// Whether any brand allows `origin`. Used only to decide whether the browser may read a
/// response (CORS); each call still checks the origin against its own brand.
pub async fn any_allows(env: &Env, origin: &str) -> Result<bool, RelayError> {
    #[derive(serde::Deserialize)]
    struct Row {
        allowed_origins: String,
    }
    let rows: Vec<Row> = env
        .d1("DB")
        .map_err(internal)?
        .prepare("SELECT allowed_origins FROM brands")
        .all()
        .await
        .map_err(internal)?
        .results()
        .map_err(internal)?;
    Ok(rows.iter().any(|row| {
        serde_json::from_str::<Vec<String>>(&row.allowed_origins)
            .is_ok_and(|patterns| origin_allowed(&patterns, origin))
    }))
}
