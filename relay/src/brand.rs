//! A brand (tenant) as the D1 registry stores it.

use confab_protocol::BrandId;
use serde::Deserialize;

/// A brand's settings that the relay needs to answer a visitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    /// The brand's id, as in the script tag's `data-brand`.
    pub id: BrandId,
    /// The name shown in the widget's header.
    pub name: String,
    /// Origin patterns of the pages allowed to use the widget (see [`crate::origin`]).
    pub allowed_origins: Vec<String>,
}

/// A row of the `brands` table; list columns are JSON text.
#[derive(Clone, Debug, Deserialize)]
pub struct BrandRow {
    /// `brands.id`.
    pub id: String,
    /// `brands.name`.
    pub name: String,
    /// `brands.allowed_origins`: a JSON array of strings.
    pub allowed_origins: String,
}

impl TryFrom<BrandRow> for Brand {
    type Error = serde_json::Error;

    fn try_from(row: BrandRow) -> Result<Self, Self::Error> {
        Ok(Brand {
            id: BrandId::new(row.id),
            name: row.name,
            allowed_origins: serde_json::from_str(&row.allowed_origins)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_rows() {
        let row = BrandRow {
            id: "demo".into(),
            name: "Demo".into(),
            allowed_origins: r#"["http://127.0.0.1:*"]"#.into(),
        };
        let brand = Brand::try_from(row).unwrap();
        assert_eq!(
            brand.allowed_origins,
            vec!["http://127.0.0.1:*".to_string()]
        );

        let broken = BrandRow {
            id: "x".into(),
            name: "X".into(),
            allowed_origins: "not json".into(),
        };
        assert!(Brand::try_from(broken).is_err());
    }
}
