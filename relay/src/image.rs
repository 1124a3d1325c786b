//! Brand logos and team members' avatars, served through the relay.
//!
//! Visitors' browsers never contact a third party: a brand's `logoUrl` and an agent
//! answer's `sender.avatarUrl` are checked once ([`check_source`]) and replaced by a
//! *signed relay path*,
//!
//! `/v1/images?src=<the source URL, form-urlencoded>&sig=<base64url HMAC-SHA256>`,
//!
//! which the widget resolves against the relay's origin. The signature is the relay's own
//! (keyed with `TOKEN_SECRET`, over `"i1." + source`, so it is never a token or a ticket),
//! so `GET /v1/images` fetches only URLs the relay itself accepted and signed: it is no open
//! proxy. What comes back is served only if it is a PNG, JPEG, WebP, GIF or AVIF image by
//! both its `Content-Type` and its first bytes ([`sniff`]), at most [`MAX_IMAGE_BYTES`];
//! never SVG, which can carry script. The answer is marked [`RESPONSE_HEADERS`].
//!
//! Paths are stored where they were made (in a message's sender, for history, sockets and
//! webhooks alike), so changing `TOKEN_SECRET` turns stored avatars into 403s (the widget
//! then shows initials); logos are signed afresh with every session.

use crate::connector::webhook::{is_local_name, is_public};
use crate::error::RelayError;
use crate::token::TokenSigner;
use std::net::{IpAddr, Ipv4Addr};
use url::{Host, Url};

/// The path the relay serves images at.
pub const PATH: &str = "/v1/images";

/// The longest source URL accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 2048;

/// The largest image served, in bytes (512 KiB): a logo or an avatar, never a photo album.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// How long a source may take to send a whole image, in seconds.
pub const FETCH_TIMEOUT_SECONDS: u64 = 10;

/// Headers of every image the relay serves (besides `Content-Type`, the checked type):
/// never sniffed into another type, never a document that could run anything, embeddable
/// on any page (the widget lives on the brand's pages), cached for a day.
pub const RESPONSE_HEADERS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'"),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("Cache-Control", "public, max-age=86400"),
];

/// What the relay asks sources for.
pub const ACCEPT: &str = "image/avif,image/webp,image/png,image/jpeg,image/gif";

/// Magic bytes that must stand at an offset.
type Magic = (usize, &'static [u8]);

/// A file signature: magic bytes that must all match.
type Signature = &'static [Magic];

/// The image types served, each with its signatures: a type's image must match one of
/// them. SVG is absent on purpose, as is every other type.
const SIGNATURES: &[(&str, &[Signature])] = &[
    ("image/png", &[&[(0, b"\x89PNG\r\n\x1a\n")]]),
    ("image/jpeg", &[&[(0, b"\xff\xd8\xff")]]),
    ("image/gif", &[&[(0, b"GIF87a")], &[(0, b"GIF89a")]]),
    ("image/webp", &[&[(0, b"RIFF"), (8, b"WEBP")]]),
    // An ISO-BMFF `ftyp` box whose major brand is AVIF (a still image or a sequence).
    ("image/avif", &[&[(4, b"ftypavif")], &[(4, b"ftypavis")]]),
];

/// The image type a `Content-Type` header names, if it is one the relay serves (its
/// essence, case-insensitive; parameters such as `charset` are ignored).
pub fn served_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    SIGNATURES
        .iter()
        .map(|(mime, _)| *mime)
        .find(|mime| mime.eq_ignore_ascii_case(essence))
}

/// Whether `bytes` begin as an image of `mime` (one of the served types) must begin.
pub fn sniff(mime: &str, bytes: &[u8]) -> bool {
    SIGNATURES
        .iter()
        .filter(|(served, _)| *served == mime)
        .flat_map(|(_, signatures)| signatures.iter())
        .any(|signature| {
            signature.iter().all(|(offset, magic)| {
                bytes
                    .get(*offset..offset + magic.len())
                    .is_some_and(|found| found == *magic)
            })
        })
}

/// Checks an image's source URL, as an admin or a brand's backend gives it, and returns it
/// parsed (the relay fetches exactly what was judged): at most [`MAX_SOURCE_BYTES`], no
/// user name or password, no back slash, white space or control character, and `https` to a
/// public host. In `development` (`CONFAB_ENV`), hosts on this machine or network are
/// accepted over `https`, and plain `http` only on a loopback host (`127.0.0.1`,
/// `localhost`, `[::1]`), which is how tests reach a local fake.
///
/// The reason of a refusal names the rule, never echoes the URL.
pub fn check_source(raw: &str, development: bool) -> Result<Url, String> {
    if raw.len() > MAX_SOURCE_BYTES {
        return Err(format!("must be at most {MAX_SOURCE_BYTES} bytes"));
    }
    if raw
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    {
        return Err("has a back slash, a space or a control character".into());
    }
    let Ok(url) = Url::parse(raw) else {
        return Err("is not an absolute URL".into());
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    // What is signed, fetched and checked again is the parsed form, which percent-encoding
    // and punycode can make longer than what was given.
    if url.as_str().len() > MAX_SOURCE_BYTES {
        return Err(format!(
            "must be at most {MAX_SOURCE_BYTES} bytes, percent-encoded"
        ));
    }
    let (public, loopback) = match url.host() {
        None => return Err("must use https".into()),
        Some(Host::Domain(name)) => (
            !is_local_name(name),
            name.trim_end_matches('.') == "localhost",
        ),
        Some(Host::Ipv4(ip)) => (is_public(IpAddr::V4(ip)), ip == Ipv4Addr::LOCALHOST),
        Some(Host::Ipv6(ip)) => (is_public(IpAddr::V6(ip)), ip.is_loopback()),
    };
    match (url.scheme(), public, development) {
        ("https", true, _) | ("https", false, true) => Ok(url),
        ("https", false, false) => Err("points at a private or loopback address".into()),
        ("http", _, true) if loopback => Ok(url),
        _ => Err("must use https".into()),
    }
}

/// Makes and checks signed relay paths to images.
pub struct ImageSigner {
    tokens: TokenSigner,
    development: bool,
}

impl ImageSigner {
    /// A signer with the relay's key (`TOKEN_SECRET`'s [`TokenSigner`]); `development` as
    /// in [`check_source`].
    pub fn new(tokens: TokenSigner, development: bool) -> Self {
        ImageSigner {
            tokens,
            development,
        }
    }

    /// The signed relay path of an image's source, if [`check_source`] accepts it (else
    /// why not).
    pub fn signed_path(&self, raw: &str) -> Result<String, String> {
        let source = check_source(raw, self.development)?;
        let signature = self.tokens.sign_image(source.as_str());
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("src", source.as_str())
            .append_pair("sig", &signature)
            .finish();
        Ok(format!("{PATH}?{query}"))
    }

    /// The source a signed path's query names, if the relay signed it and its rules still
    /// accept it; else [`RelayError::InvalidImageSignature`] (a missing `src` or `sig`
    /// included).
    pub fn verify(&self, query: &str) -> Result<Url, RelayError> {
        let first = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        let (Some(source), Some(signature)) = (first("src"), first("sig")) else {
            return Err(RelayError::InvalidImageSignature);
        };
        if !self.tokens.verify_image(&source, &signature) {
            return Err(RelayError::InvalidImageSignature);
        }
        check_source(&source, self.development)
            .ok()
            .filter(|url| url.as_str() == source)
            .ok_or(RelayError::InvalidImageSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(development: bool) -> ImageSigner {
        ImageSigner::new(TokenSigner::new(b"test-secret"), development)
    }

    fn query_of(path: &str) -> &str {
        path.strip_prefix("/v1/images?")
            .expect("a relay image path")
    }

    #[test]
    fn the_scheme_and_host_rule() {
        let long = format!("https://cdn.example/{}", "a".repeat(MAX_SOURCE_BYTES));
        let mut wrong = Vec::new();
        // (source, accepted in production, accepted in development)
        for (raw, production, development) in [
            ("https://cdn.example/logo.png", true, true),
            ("https://cdn.example:8443/a.png?v=2", true, true),
            ("HTTPS://CDN.example/a.png", true, true),
            ("https://93.184.216.34/a.png", true, true),
            ("http://cdn.example/logo.png", false, false),
            ("http://example.com/x.png", false, false),
            ("http://127.0.0.1:9000/a.png", false, true),
            ("http://localhost:9000/a.png", false, true),
            ("http://localhost./a.png", false, true),
            ("http://[::1]:9000/a.png", false, true),
            ("http://127.0.0.2/a.png", false, false),
            ("http://10.0.0.1/a.png", false, false),
            ("http://printer.local/a.png", false, false),
            ("http://2130706433/a.png", false, true),
            ("https://127.0.0.1/a.png", false, true),
            ("https://10.0.0.1/a.png", false, true),
            ("https://localhost/a.png", false, true),
            ("https://intranet/a.png", false, true),
            ("https://[fd00::1]/a.png", false, true),
            ("javascript:alert(1)", false, false),
            ("data:image/png;base64,iVBORw0KGgo=", false, false),
            ("file:///etc/passwd", false, false),
            ("ftp://cdn.example/a.png", false, false),
            ("//cdn.example/a.png", false, false),
            ("/v1/images?src=x", false, false),
            ("https://user@cdn.example/a.png", false, false),
            ("https://user:pw@cdn.example/a.png", false, false),
            ("http://user@127.0.0.1/a.png", false, false),
            ("https://cdn.example/a b.png", false, false),
            ("https://cdn.example\\@evil.example/a.png", false, false),
            (" https://cdn.example/a.png", false, false),
            ("https://cdn.example/a.png\n", false, false),
            ("https://", false, false),
            ("", false, false),
            (&long, false, false),
        ] {
            for (env, expected) in [(false, production), (true, development)] {
                let verdict = check_source(raw, env);
                if verdict.is_ok() != expected {
                    wrong.push(format!("{raw:?} (development: {env}): {verdict:?}"));
                }
            }
        }
        assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
        // Percent-encoded, this one is over the limit: refused, or its path would not verify.
        let encoded = format!("https://cdn.example/{}", "ü".repeat(700));
        assert!(encoded.len() <= MAX_SOURCE_BYTES);
        assert!(check_source(&encoded, false).is_err());
        assert!(check_source("https://bücher.example/ü.png", false).is_ok());
        let exactly = format!(
            "https://cdn.example/{}",
            "a".repeat(MAX_SOURCE_BYTES - "https://cdn.example/".len())
        );
        assert!(check_source(&exactly, false).is_ok());
    }

    #[test]
    fn signed_paths_verify_and_tampered_ones_do_not() {
        let images = signer(false);
        let path = images
            .signed_path("https://cdn.example/team/ana.png?size=64&v=a b")
            .unwrap_err();
        assert!(path.contains("space"), "{path}");
        let path = images
            .signed_path("https://CDN.example/team/ana.png?size=64&v=2")
            .unwrap();
        assert!(
            path.starts_with("/v1/images?src=https%3A%2F%2Fcdn.example%2F"),
            "{path}"
        );
        let source = images.verify(query_of(&path)).unwrap();
        assert_eq!(
            source.as_str(),
            "https://cdn.example/team/ana.png?size=64&v=2"
        );
        // The parameters' order does not matter.
        let (src, sig) = query_of(&path).split_once('&').unwrap();
        assert_eq!(images.verify(&format!("{sig}&{src}")), Ok(source));

        let refused = |query: &str| {
            assert_eq!(
                images.verify(query),
                Err(RelayError::InvalidImageSignature),
                "{query}"
            );
        };
        // Another source under the same signature.
        refused(&query_of(&path).replace("ana.png", "bo.png"));
        // A changed signature.
        let mut tampered = query_of(&path).to_string();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        refused(&tampered);
        // Another relay's signature.
        let other = ImageSigner::new(TokenSigner::new(b"other"), false);
        refused(query_of(
            &other.signed_path("https://cdn.example/a.png").unwrap(),
        ));
        // Missing or empty parts.
        refused("");
        refused(src);
        refused(sig);
        refused(&format!("{src}&sig="));
        refused("src=&sig=");
        // A visitor token's signature is no image signature.
        let tokens = TokenSigner::new(b"test-secret");
        refused(&format!(
            "src=https%3A%2F%2Fcdn.example%2Fa.png&sig={}",
            tokens.sign_ticket(&crate::token::TicketClaims {
                thread: confab_protocol::ThreadId::new("t0123456789abcdefghijk"),
                expires_at: confab_protocol::Timestamp(1),
                nonce: "n".into(),
                team: None,
            })
        ));
    }

    #[test]
    fn development_paths_do_not_work_in_production() {
        let local = signer(true)
            .signed_path("http://127.0.0.1:9000/a.png")
            .unwrap();
        assert!(signer(true).verify(query_of(&local)).is_ok());
        assert_eq!(
            signer(false).verify(query_of(&local)),
            Err(RelayError::InvalidImageSignature)
        );
        assert!(signer(false)
            .signed_path("http://127.0.0.1:9000/a.png")
            .is_err());
    }

    #[test]
    fn only_the_served_types_by_name() {
        for (header, expected) in [
            ("image/png", Some("image/png")),
            ("IMAGE/PNG", Some("image/png")),
            ("image/jpeg; charset=binary", Some("image/jpeg")),
            (" image/webp ", Some("image/webp")),
            ("image/gif", Some("image/gif")),
            ("image/avif", Some("image/avif")),
            ("image/svg+xml", None),
            ("image/jpg", None),
            ("image/x-icon", None),
            ("text/html", None),
            ("application/octet-stream", None),
            ("image/png2", None),
            ("", None),
        ] {
            assert_eq!(served_type(header), expected, "{header:?}");
        }
    }

    #[test]
    fn magic_numbers() {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
        const GIF: &[u8] = b"GIF89a\x01\0\x01\0";
        const WEBP: &[u8] = b"RIFF\x24\0\0\0WEBPVP8 ";
        const AVIF: &[u8] = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1";
        const SVG: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
        let mut wrong = Vec::new();
        for (mime, bytes, expected) in [
            ("image/png", PNG, true),
            ("image/jpeg", JPEG, true),
            ("image/gif", GIF, true),
            ("image/gif", &b"GIF87a\x01\0"[..], true),
            ("image/webp", WEBP, true),
            ("image/avif", AVIF, true),
            ("image/avif", &b"\0\0\0\x1cftypavis\0\0\0\0"[..], true),
            // Labels that lie.
            ("image/png", SVG, false),
            ("image/png", JPEG, false),
            ("image/jpeg", PNG, false),
            ("image/gif", b"GIF90a", false),
            ("image/webp", b"RIFF\x24\0\0\0WAVEfmt ", false),
            ("image/avif", b"\0\0\0\x1cftypheic\0\0\0\0", false),
            // Too short to tell.
            ("image/png", &PNG[..7], false),
            ("image/webp", &WEBP[..10], false),
            ("image/png", b"", false),
            // Types that are never served, whatever the bytes.
            ("image/svg+xml", SVG, false),
            ("text/html", PNG, false),
        ] {
            if sniff(mime, bytes) != expected {
                wrong.push(format!("{mime} {bytes:?}: expected {expected}"));
            }
        }
        assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
        // Every served type has a signature, and every signature's type is served.
        for (mime, signatures) in SIGNATURES {
            assert_eq!(served_type(mime), Some(*mime));
            assert!(!signatures.is_empty() && signatures.iter().all(|s| !s.is_empty()));
        }
    }
}
