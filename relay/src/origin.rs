//! Which page origins may use a brand's widget.
//!
//! A brand lists origin patterns: an exact origin (`https://shop.example`), any port of a
//! host (`http://127.0.0.1:*`, for development), or any subdomain
//! (`https://*.shop.example`, which does not match `https://shop.example` itself; a port
//! may follow: `https://*.shop.example:8443`). Patterns are written as browsers send
//! origins (lowercase, no default port, no path), so that each one can match; patterns and
//! origins are parsed as WHATWG URLs and compared part by part.

use url::{Host, Url};

/// Whether `origin` (the request's `Origin` header) matches one of `patterns`. Parses the
/// patterns on every call: to check many origins, parse them once with
/// [`AllowedOrigins::parse`].
pub fn origin_allowed<S: AsRef<str>>(patterns: &[S], origin: &str) -> bool {
    AllowedOrigins::parse(patterns).allows(origin)
}

/// A brand's origin patterns, parsed once. Patterns that do not parse (that could never
/// match) are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    patterns: Vec<OriginPattern>,
}

impl AllowedOrigins {
    /// Parses patterns, e.g. a brand's `allowedOrigins` (or every brand's, chained).
    pub fn parse<I>(patterns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        AllowedOrigins {
            patterns: patterns
                .into_iter()
                .filter_map(|pattern| OriginPattern::parse(pattern.as_ref()).ok())
                .collect(),
        }
    }

    /// Whether `origin` (an `Origin` header) matches one of the patterns. An origin that
    /// is not exactly as a browser sends it (`scheme://host[:port]`) matches none.
    pub fn allows(&self, origin: &str) -> bool {
        Origin::parse(origin)
            .is_some_and(|origin| self.patterns.iter().any(|pattern| pattern.matches(&origin)))
    }

    /// Whether no pattern is left (nothing is allowed).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// One origin pattern, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    /// This host.
    Exactly(Host<String>),
    /// Any subdomain of this domain, at any depth (not the domain itself).
    SubdomainOf(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PortPattern {
    /// This port (`None`: the scheme's default, which browsers leave out).
    Exactly(Option<u16>),
    /// Any port written out (`:*`).
    Any,
}

impl OriginPattern {
    /// Parses a pattern, or says why it could never match an origin.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let (scheme, rest) = pattern
            .split_once("://")
            .ok_or("is not scheme://host[:port]")?;
        let (subdomains, rest) = match rest.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let (any_port, rest) = match rest.strip_suffix(":*") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        if subdomains && any_port {
            return Err("may have a wildcard subdomain or a wildcard port, not both".into());
        }
        let written = format!("{scheme}://{rest}");
        let url = Url::parse(&written).map_err(|e| format!("is not an origin ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must be http or https".into());
        }
        let origin = url.origin().ascii_serialization();
        if origin != written {
            return Err(format!(
                "must be written as browsers send it, {origin:?} (lowercase, no default port, \
                 no path)"
            ));
        }
        let Some(host) = url.host() else {
            return Err("has no host".into());
        };
        let host = match host {
            Host::Domain(name) if !valid_domain(name) => {
                return Err("needs a host name of a-z, 0-9, - and dots".into())
            }
            Host::Domain(name) if subdomains => HostPattern::SubdomainOf(name.to_string()),
            _ if subdomains => {
                return Err("has subdomains only under a domain name, not an address".into())
            }
            host => HostPattern::Exactly(host.to_owned()),
        };
        let port = match (any_port, url.port()) {
            (false, port) => PortPattern::Exactly(port),
            (true, None) => PortPattern::Any,
            (true, Some(_)) => return Err("has a port and a wildcard port".into()),
        };
        Ok(OriginPattern {
            scheme: url.scheme().to_string(),
            host,
            port,
        })
    }

    fn matches(&self, origin: &Origin) -> bool {
        let host = match (&self.host, &origin.host) {
            (HostPattern::Exactly(host), found) => host == found,
            (HostPattern::SubdomainOf(domain), Host::Domain(found)) => found
                .strip_suffix(domain.as_str())
                .and_then(|sub| sub.strip_suffix('.'))
                .is_some_and(|sub| !sub.is_empty()),
            (HostPattern::SubdomainOf(_), _) => false,
        };
        let port = match self.port {
            PortPattern::Exactly(port) => port == origin.port,
            PortPattern::Any => origin.port.is_some(),
        };
        self.scheme == origin.scheme && host && port
    }
}

/// Labels of a-z, 0-9 and `-` (IDNs in their `xn--` form), none empty; one trailing dot
/// (a fully qualified name) is allowed.
fn valid_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// An `Origin` header, parsed: only what a browser sends is taken.
struct Origin {
    scheme: String,
    host: Host<String>,
    port: Option<u16>,
}

impl Origin {
    fn parse(origin: &str) -> Option<Self> {
        let url = Url::parse(origin).ok()?;
        let host = url.host()?;
        let well_formed = url.origin().ascii_serialization() == origin
            && match host {
                Host::Domain(name) => valid_domain(name),
                Host::Ipv4(_) | Host::Ipv6(_) => true,
            };
        well_formed.then(|| Origin {
            scheme: url.scheme().to_string(),
            host: host.to_owned(),
            port: url.port(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns and origins, and whether the origin is allowed: origins are what browsers
    /// send (scheme://host[:port], lowercase, no default port, no path), anything else in an
    /// `Origin` header is refused.
    #[test]
    fn matches_origins() {
        let mut wrong = Vec::new();
        for (pattern, origin, expected) in [
            ("https://shop.example", "https://shop.example", true),
            ("https://shop.example", "http://shop.example", false),
            ("https://shop.example", "https://shop.example.evil", false),
            ("https://shop.example", "https://shop.example:8443", false),
            ("https://shop.example", "https://shop.example:443", false),
            ("https://shop.example", "https://shop.example/", false),
            ("https://shop.example", "https://SHOP.example", false),
            ("https://shop.example", "https://user@shop.example", false),
            ("https://shop.example", "https://shop.example.", false),
            ("https://shop.example", " https://shop.example", false),
            ("https://shop.example", "null", false),
            ("https://shop.example", "", false),
            ("https://shop.example.", "https://shop.example.", true),
            (
                "https://xn--bcher-kva.example",
                "https://xn--bcher-kva.example",
                true,
            ),
            ("http://localhost:8080", "http://localhost:8080", true),
            ("http://localhost:8080", "http://localhost:8081", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:8787", true),
            ("http://127.0.0.1:*", "http://127.0.0.1:1", true),
            ("http://127.0.0.1:*", "http://127.0.0.1:65535", true),
            ("http://127.0.0.1:*", "http://127.0.0.1", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:80", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:080", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:65536", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:99999", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:80x", false),
            ("http://127.0.0.1:*", "http://127.0.0.1:", false),
            ("http://127.0.0.1:*", "http://127.0.0.10:80", false),
            ("http://127.0.0.1:*", "http://127.0.0.1.evil:80", false),
            ("http://127.0.0.1:*", "https://127.0.0.1:8787", false),
            ("http://localhost:*", "http://localhost:5173", true),
            ("http://[::1]:*", "http://[::1]:8787", true),
            ("http://[::1]:*", "http://[::2]:8787", false),
            ("https://*.shop.example", "https://www.shop.example", true),
            ("https://*.shop.example", "https://a.b.shop.example", true),
            ("https://*.shop.example", "https://shop.example", false),
            ("https://*.shop.example", "https://.shop.example", false),
            ("https://*.shop.example", "https://evilshop.example", false),
            ("https://*.shop.example", "http://www.shop.example", false),
            ("https://*.shop.example", "https://x/y.shop.example", false),
            (
                "https://*.shop.example",
                "https://www.shop.example:8443",
                false,
            ),
            (
                "https://*.shop.example",
                "https://www.shop.example:443",
                false,
            ),
            (
                "https://*.shop.example",
                "https://www.shop.example.evil",
                false,
            ),
            (
                "https://*.shop.example:8443",
                "https://www.shop.example:8443",
                true,
            ),
            (
                "https://*.shop.example:8443",
                "https://www.shop.example",
                false,
            ),
            // Patterns that could never match allow nothing.
            (
                "https://*.shop.example:*",
                "https://www.shop.example:8443",
                false,
            ),
            ("https://*.127.0.0.1", "https://a.127.0.0.1", false),
            ("https://*", "https://*", false),
            ("https://Shop.Example", "https://Shop.Example", false),
            (
                "https://shop.example:443",
                "https://shop.example:443",
                false,
            ),
            ("https://shop.example/", "https://shop.example/", false),
            ("null", "null", false),
            ("", "", false),
        ] {
            if origin_allowed(&[pattern], origin) != expected {
                wrong.push(format!(
                    "pattern {pattern:?}, origin {origin:?}: not {expected}"
                ));
            }
        }
        assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    }

    #[test]
    fn a_parsed_list_answers_as_the_patterns_do() {
        let brand: Vec<String> = [
            "https://shop.example",
            "https://*.shop.example",
            "https://*.x:*",
            "https://Shop.Example",
            "http://127.0.0.1:*",
        ]
        .map(String::from)
        .to_vec();
        let allowed = AllowedOrigins::parse(&brand);
        // Patterns that could never match are left out.
        assert_eq!(
            allowed,
            AllowedOrigins::parse([
                "https://shop.example",
                "https://*.shop.example",
                "http://127.0.0.1:*"
            ])
        );
        for (origin, expected) in [
            ("https://shop.example", true),
            ("https://www.shop.example", true),
            ("http://127.0.0.1:8787", true),
            ("https://www.x:8443", false),
            ("https://Shop.Example", false),
            ("https://evil.example", false),
            ("null", false),
        ] {
            assert_eq!(allowed.allows(origin), expected, "{origin}");
            assert_eq!(origin_allowed(&brand, origin), expected, "{origin}");
        }
        // Every brand's lists, chained, in one.
        let other = vec!["https://other.example".to_string()];
        let every = AllowedOrigins::parse([&brand, &other].into_iter().flatten());
        assert!(every.allows("https://other.example") && every.allows("https://shop.example"));
        assert!(AllowedOrigins::parse(["https://*.x:*"]).is_empty());
        assert!(AllowedOrigins::default().is_empty());
        assert!(!AllowedOrigins::default().allows("https://shop.example"));
    }

    #[test]
    fn no_patterns_allow_nothing() {
        assert!(!origin_allowed::<&str>(&[], "https://shop.example"));
    }
}
