//! The brand console's members and sessions, in pure code: addresses, roles, the session
//! cookie (built and read by the `cookie` crate), the `Origin` rule for state-changing
//! calls, sliding expiry, and the rule that a brand keeps at least one owner. The edge
//! (`edge/console.rs`) does the D1 and email IO around these.

pub mod email;

use crate::error::RelayError;
use confab_protocol::console::{Member, NewMember, Role};
use confab_protocol::Timestamp;
use cookie::time::Duration;
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "confab_console";
/// How long a sign-in link works when `CONSOLE_LINK_SECONDS` is not set: 15 minutes.
pub const DEFAULT_LINK_SECONDS: u64 = 900;
/// How long a session lasts unused when `CONSOLE_SESSION_SECONDS` is not set: a week.
pub const DEFAULT_SESSION_SECONDS: u64 = 604_800;
/// The longest member name, in characters (a message's sender name allows as many).
pub const MAX_NAME_CHARS: usize = confab_protocol::Sender::MAX_NAME_CHARS;

/// A member's address as the relay keeps it: trimmed and lower case, so one mailbox is one
/// member whatever case it is typed in. The shape rules are those of visitors' addresses
/// ([`crate::email::validate_address`]).
pub fn normalise_email(raw: &str) -> Result<String, RelayError> {
    crate::email::validate_address(raw)
        .map(|address| address.to_lowercase())
        .map_err(|error| RelayError::InvalidMember(error.to_string()))
}

/// Checks a member to add or change: the address normalised, the name trimmed (1 to
/// [`MAX_NAME_CHARS`] characters on one line, or none), the role a known one.
pub fn check_new_member(member: NewMember) -> Result<NewMember, RelayError> {
    let email = normalise_email(&member.email)?;
    let name = match member.name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name)
            if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) =>
        {
            return Err(RelayError::InvalidMember(format!(
                "a name has 1 to {MAX_NAME_CHARS} characters on one line"
            )))
        }
        Some(name) => Some(name.to_string()),
    };
    if member.role == Role::Unknown {
        return Err(RelayError::InvalidMember(
            "role must be \"owner\" or \"agent\"".into(),
        ));
    }
    Ok(NewMember {
        email,
        name,
        role: member.role,
    })
}

/// The stored form of a sign-in token or a session id: hex SHA-256. Both are 256 random
/// bits, so a plain hash is enough; the secret itself is never stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret))
}

/// The `Set-Cookie` value that opens a session: `HttpOnly` (no script reads it), `Secure`,
/// `SameSite=Strict` (no other site's page sends it), the whole origin, `max_age` seconds.
pub fn session_cookie(id: &str, max_age_seconds: u64) -> String {
    let seconds = i64::try_from(max_age_seconds).unwrap_or(i64::MAX);
    Cookie::build((COOKIE_NAME, id.to_string()))
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(Duration::seconds(seconds))
        .build()
        .to_string()
}

/// The `Set-Cookie` value that ends a session in the browser (empty, `Max-Age=0`).
pub fn cleared_cookie() -> String {
    session_cookie("", 0)
}

/// The session id in a `Cookie` header, if it carries the console's cookie.
pub fn session_id(cookie_header: &str) -> Option<String> {
    Cookie::split_parse(cookie_header)
        .flatten()
        .find(|cookie| cookie.name() == COOKIE_NAME)
        .map(|cookie| cookie.value().to_string())
        .filter(|value| !value.is_empty())
}

/// The `Origin` rule of cookie-authenticated calls: a method other than GET or HEAD must
/// come from the relay's own origin (`own`, the request URL's), else `origin_not_allowed`.
/// `SameSite=Strict` already keeps other sites' requests cookie-less; this holds even where
/// a browser does not honour it.
pub fn check_origin(method: &str, origin: Option<&str>, own: &str) -> Result<(), RelayError> {
    if matches!(method, "GET" | "HEAD") {
        return Ok(());
    }
    match origin {
        Some(origin) if origin == own => Ok(()),
        other => Err(RelayError::OriginNotAllowed(
            other.unwrap_or("(none)").to_string(),
        )),
    }
}

/// Owners only: `owner_only` for anyone else (an unknown role counts as an agent).
pub fn require_owner(role: Role) -> Result<(), RelayError> {
    match role {
        Role::Owner => Ok(()),
        Role::Agent | Role::Unknown => Err(RelayError::OwnerOnly),
    }
}

/// A sign-in link: the console page, which posts the token (a mail scanner that follows
/// the link spends nothing).
pub fn sign_in_url(origin: &str, token: &str) -> String {
    format!("{origin}/console/#token={token}")
}

/// A session's new expiry when it is used at `now` (ms), if it is worth writing: sessions
/// last `ttl_ms` after their last use, but D1 is written at most once per tenth of that.
pub fn extended_expiry(expires_at: u64, now: u64, ttl_ms: u64) -> Option<u64> {
    let extended = now.saturating_add(ttl_ms);
    (extended.saturating_sub(expires_at) >= ttl_ms / 10 && extended > expires_at)
        .then_some(extended)
}

/// Whether the brand keeps an owner if `email` is removed (`change` None) or given the
/// role `change`: `last_owner` (409) otherwise.
pub fn check_owners_remain(
    members: &[Member],
    email: &str,
    change: Option<Role>,
) -> Result<(), RelayError> {
    let owners_after = members
        .iter()
        .filter(|member| {
            let role = if member.email == email {
                change.unwrap_or(Role::Unknown)
            } else {
                member.role
            };
            role == Role::Owner
        })
        .count();
    let was_owner = members
        .iter()
        .any(|member| member.email == email && member.role == Role::Owner);
    if was_owner && owners_after == 0 {
        Err(RelayError::LastOwner)
    } else {
        Ok(())
    }
}

/// A role as D1 stores it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Agent | Role::Unknown => "agent",
    }
}

/// A row of D1's `members`.
#[derive(Clone, Debug, Deserialize)]
pub struct MemberRow {
    /// `members.email`.
    pub email: String,
    /// `members.name`.
    pub name: Option<String>,
    /// `members.role`.
    pub role: String,
    /// `members.added_at` (D1 numbers are doubles).
    pub added_at: f64,
}

impl From<MemberRow> for Member {
    fn from(row: MemberRow) -> Member {
        Member {
            email: row.email,
            name: row.name,
            role: serde_json::from_value(serde_json::Value::String(row.role))
                .unwrap_or(Role::Unknown),
            added_at: Timestamp(row.added_at as u64),
        }
    }
}

/// The name a member's console replies carry: their name, else their address.
pub fn sender_name(member: &Member) -> String {
    let name = member.name.clone().unwrap_or_else(|| member.email.clone());
    name.chars().take(MAX_NAME_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(email: &str, role: Role) -> Member {
        Member {
            email: email.into(),
            name: None,
            role,
            added_at: Timestamp(0),
        }
    }

    #[test]
    fn normalises_addresses() {
        let mut wrong = Vec::new();
        for (raw, expected) in [
            ("Ann@Shop.Example", Some("ann@shop.example")),
            ("  bo@shop.example ", Some("bo@shop.example")),
            ("no-at-sign", None),
            ("a b@shop.example", None),
            ("ann@localhost", None),
            ("", None),
        ] {
            let actual = normalise_email(raw).ok();
            if actual.as_deref() != expected {
                wrong.push(format!("{raw:?}: {actual:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(normalise_email("x").unwrap_err().code(), "member_invalid");
    }

    #[test]
    fn checks_new_members() {
        let new = |name: Option<&str>, role| NewMember {
            email: "Ann@Shop.Example".into(),
            name: name.map(str::to_string),
            role,
        };
        let checked = check_new_member(new(Some("  Ann "), Role::Owner)).unwrap();
        assert_eq!(checked.email, "ann@shop.example");
        assert_eq!(checked.name.as_deref(), Some("Ann"));
        assert_eq!(
            check_new_member(new(Some(" "), Role::Agent)).unwrap().name,
            None
        );
        for bad in [
            new(Some(&"x".repeat(MAX_NAME_CHARS + 1)), Role::Agent),
            new(Some("a\nb"), Role::Agent),
            new(None, Role::Unknown),
        ] {
            assert_eq!(
                check_new_member(bad.clone()).map_err(|e| e.code().to_string()),
                Err("member_invalid".to_string()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn builds_the_session_cookie() {
        let cookie = session_cookie("abc", 604_800);
        let parsed = Cookie::parse(cookie.clone()).unwrap();
        assert_eq!((parsed.name(), parsed.value()), (COOKIE_NAME, "abc"));
        assert_eq!(parsed.http_only(), Some(true));
        assert_eq!(parsed.secure(), Some(true));
        assert_eq!(parsed.same_site(), Some(SameSite::Strict));
        assert_eq!(parsed.path(), Some("/"));
        assert_eq!(parsed.max_age(), Some(Duration::seconds(604_800)));
        let cleared = Cookie::parse(cleared_cookie()).unwrap();
        assert_eq!(
            (cleared.value(), cleared.max_age()),
            ("", Some(Duration::ZERO))
        );
    }

    #[test]
    fn reads_the_session_id_from_a_cookie_header() {
        for (header, expected) in [
            ("confab_console=abc", Some("abc")),
            ("a=1; confab_console=abc; b=2", Some("abc")),
            ("a=1;confab_console=abc", Some("abc")),
            ("confab_console=", None),
            ("confab_consolex=abc", None),
            ("other=abc", None),
            ("", None),
            (";;;", None),
        ] {
            assert_eq!(session_id(header).as_deref(), expected, "{header:?}");
        }
    }

    #[test]
    fn state_changes_need_the_relays_own_origin() {
        let own = "http://127.0.0.1:8787";
        for (method, origin, ok) in [
            ("GET", None, true),
            ("HEAD", Some("https://evil.example"), true),
            ("GET", Some("https://evil.example"), true),
            ("POST", Some(own), true),
            ("DELETE", Some(own), true),
            ("PUT", Some(own), true),
            ("POST", None, false),
            ("POST", Some("https://evil.example"), false),
            ("DELETE", Some("http://127.0.0.1:8788"), false),
            ("PUT", Some("null"), false),
        ] {
            let verdict = check_origin(method, origin, own).map_err(|e| e.code().to_string());
            let expected = if ok {
                Ok(())
            } else {
                Err("origin_not_allowed".to_string())
            };
            assert_eq!(verdict, expected, "{method} {origin:?}");
        }
    }

    #[test]
    fn only_owners_pass_owner_checks() {
        assert!(require_owner(Role::Owner).is_ok());
        for role in [Role::Agent, Role::Unknown] {
            assert_eq!(require_owner(role).unwrap_err().code(), "owner_only");
        }
    }

    #[test]
    fn sessions_slide_but_write_rarely() {
        let ttl = 1_000_000;
        assert_eq!(extended_expiry(ttl, 0, ttl), None, "fresh");
        assert_eq!(extended_expiry(ttl, 99_999, ttl), None, "under a tenth");
        assert_eq!(extended_expiry(ttl, 100_000, ttl), Some(1_100_000));
        assert_eq!(extended_expiry(ttl, 900_000, ttl), Some(1_900_000));
    }

    #[test]
    fn a_brand_keeps_an_owner() {
        let members = [
            member("a@x.example", Role::Owner),
            member("b@x.example", Role::Agent),
        ];
        let check = |email, change| {
            check_owners_remain(&members, email, change).map_err(|e| e.code().to_string())
        };
        let last = Err("last_owner".to_string());
        assert_eq!(check("a@x.example", None), last);
        assert_eq!(check("a@x.example", Some(Role::Agent)), last);
        assert_eq!(check("a@x.example", Some(Role::Owner)), Ok(()));
        assert_eq!(check("b@x.example", None), Ok(()));
        assert_eq!(check("new@x.example", Some(Role::Agent)), Ok(()));
        let two = [members[0].clone(), member("c@x.example", Role::Owner)];
        assert_eq!(check_owners_remain(&two, "a@x.example", None), Ok(()));
    }

    #[test]
    fn reads_member_rows() {
        let row: MemberRow = serde_json::from_str(
            r#"{"email":"a@x.example","name":null,"role":"owner","added_at":1700000000000}"#,
        )
        .unwrap();
        let member = Member::from(row);
        assert_eq!(member.role, Role::Owner);
        assert_eq!(member.added_at, Timestamp(1_700_000_000_000));
        assert_eq!(sender_name(&member), "a@x.example");
        assert_eq!(role_name(Role::Agent), "agent");
        assert_eq!(
            sign_in_url("http://127.0.0.1:1", "t"),
            "http://127.0.0.1:1/console/#token=t"
        );
    }
}
