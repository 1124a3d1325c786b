//! The settings the loader reads from the script tag and passes to [`crate::mount`].

use crate::error::WidgetError;
use confab_protocol::BrandId;
use serde::Deserialize;

/// The widget's settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Config {
    /// `data-brand`.
    pub brand: BrandId,
    /// `data-relay`: the relay's origin, by default the one the script came from.
    pub relay: String,
    /// `data-lang`, else the browser's language (a BCP 47 tag).
    #[serde(default)]
    pub lang: String,
}

impl Config {
    /// Decodes the loader's JSON.
    pub fn from_json(json: &str) -> Result<Self, WidgetError> {
        let mut config: Config = crate::json::decode(json).map_err(WidgetError::Config)?;
        if config.brand.as_str().is_empty() {
            return Err(WidgetError::Config("data-brand is empty".into()));
        }
        config.relay = config.relay.trim_end_matches('/').to_string();
        Ok(config)
    }

    /// The key prefix of everything this brand's widget stores in the browser.
    pub fn storage_prefix(&self) -> String {
        format!("confab:{}:", self.brand)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str, expected: Result<(&str, &str), ()>) {
        let actual = Config::from_json(json);
        match expected {
            Ok((brand, relay)) => {
                let config = actual.unwrap();
                assert_eq!(
                    (config.brand.as_str(), config.relay.as_str()),
                    (brand, relay)
                );
            }
            Err(()) => assert!(actual.is_err(), "{json} should be refused"),
        }
    }

    #[test]
    fn reads_settings() {
        check(
            r#"{"brand":"demo","relay":"http://127.0.0.1:8787"}"#,
            Ok(("demo", "http://127.0.0.1:8787")),
        );
        check(
            r#"{"brand":"demo","relay":"https://r.example/","lang":"zh"}"#,
            Ok(("demo", "https://r.example")),
        );
        check(r#"{"brand":"","relay":"x"}"#, Err(()));
        check(r#"{"relay":"x"}"#, Err(()));
        check("not json", Err(()));
    }
}
