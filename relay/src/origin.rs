//! Which page origins may use a brand's widget.
//!
//! A brand lists origin patterns: an exact origin (`https://shop.example`), any port of a
//! host (`http://127.0.0.1:*`, for development), or any subdomain
//! (`https://*.shop.example`, which does not match `https://shop.example` itself).

/// Whether `origin` (the request's `Origin` header) matches one of `patterns`.
pub fn origin_allowed<S: AsRef<str>>(patterns: &[S], origin: &str) -> bool {
    patterns
        .iter()
        .any(|pattern| pattern_matches(pattern.as_ref(), origin))
}

fn pattern_matches(pattern: &str, origin: &str) -> bool {
    if pattern == origin {
        return true;
    }
    if let Some(prefix) = pattern.strip_suffix(":*") {
        if let Some(port) = origin
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(':'))
        {
            return !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        }
        return false;
    }
    if let Some((scheme, domain)) = pattern.split_once("://*.") {
        if let Some(host) = origin
            .strip_prefix(scheme)
            .and_then(|rest| rest.strip_prefix("://"))
        {
            return host
                .strip_suffix(domain)
                .and_then(|sub| sub.strip_suffix('.'))
                .is_some_and(|sub| {
                    !sub.is_empty()
                        && sub
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                });
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, origin: &str, expected: bool) {
        assert_eq!(
            origin_allowed(&[pattern], origin),
            expected,
            "pattern {pattern:?}, origin {origin:?}"
        );
    }

    #[test]
    fn matches_origins() {
        check("https://shop.example", "https://shop.example", true);
        check("https://shop.example", "http://shop.example", false);
        check("https://shop.example", "https://shop.example.evil", false);
        check("https://shop.example", "https://shop.example:8443", false);
        check("http://127.0.0.1:*", "http://127.0.0.1:8787", true);
        check("http://127.0.0.1:*", "http://127.0.0.1", false);
        check("http://127.0.0.1:*", "http://127.0.0.1:80x", false);
        check("http://127.0.0.1:*", "http://127.0.0.10:80", false);
        check("https://*.shop.example", "https://www.shop.example", true);
        check("https://*.shop.example", "https://a.b.shop.example", true);
        check("https://*.shop.example", "https://shop.example", false);
        check("https://*.shop.example", "https://evilshop.example", false);
        check("https://*.shop.example", "http://www.shop.example", false);
        check("https://*.shop.example", "https://x/y.shop.example", false);
        check("https://shop.example", "null", false);
    }

    #[test]
    fn no_patterns_allow_nothing() {
        assert!(!origin_allowed::<&str>(&[], "https://shop.example"));
    }
}
