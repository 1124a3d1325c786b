//! The settings the loader reads from the script tag and passes to [`crate::mount`].

use crate::error::WidgetError;
use confab_protocol::BrandId;

/// The widget's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `data-brand`.
    pub brand: BrandId,
    /// `data-relay`: the relay's origin, by default the one the script came from.
    pub relay: String,
    /// `data-lang`, else the browser's language (a BCP 47 tag).
    pub lang: String,
    /// Web push, where the page hosts the brand's service worker (`data-push`) and the
    /// browser has the Push API: the loader's function that finds or makes this browser's
    /// subscription (see [`crate::push::subscription`]).
    pub push: Option<js_sys::Function>,
}

impl Config {
    /// The settings from the loader; a brand is required.
    pub fn new(
        brand: String,
        relay: String,
        lang: String,
        push: Option<js_sys::Function>,
    ) -> Result<Self, WidgetError> {
        if brand.is_empty() {
            return Err(WidgetError::Config("data-brand is empty".into()));
        }
        Ok(Config {
            brand: BrandId::new(brand),
            relay: relay.trim_end_matches('/').to_string(),
            lang,
            push,
        })
    }

    /// The key prefix of everything this brand's widget stores in the browser.
    pub fn storage_prefix(&self) -> String {
        format!("confab:{}:", self.brand)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check((brand, relay): (&str, &str), expected: Result<(&str, &str), ()>) {
        let actual = Config::new(brand.into(), relay.into(), "en".into(), None);
        let actual = actual
            .as_ref()
            .map(|config| (config.brand.as_str(), config.relay.as_str()))
            .map_err(|_| ());
        assert_eq!(actual, expected, "{brand:?} {relay:?}");
    }

    #[test]
    fn reads_settings() {
        check(
            ("demo", "http://127.0.0.1:8787"),
            Ok(("demo", "http://127.0.0.1:8787")),
        );
        check(
            ("demo", "https://r.example/"),
            Ok(("demo", "https://r.example")),
        );
        check(("", "x"), Err(()));
    }
}
