//! The console's rows in D1 (migration 0010): members, sign-in links and sessions. The
//! rules that must hold under races are single statements: a link is spent by one
//! conditional UPDATE, and the last owner is kept by the condition of the DELETE or UPSERT
//! that would remove them.

use super::super::d1::{number, text, Db};
use crate::directory::{Param, Statement};
use crate::error::RelayError;
use crate::member::{role_name, MemberRow};
use confab_protocol::console::{Member, NewMember};
use confab_protocol::BrandId;
use serde::Deserialize;
use worker::Env;

const MEMBER_COLUMNS: &str = "email, name, role, added_at";

/// A brand's members, by address.
pub async fn members(env: &Env, brand: &BrandId) -> Result<Vec<Member>, RelayError> {
    let rows: Vec<MemberRow> = Db::new(env)?
        .all(
            &format!("SELECT {MEMBER_COLUMNS} FROM members WHERE brand_id = ?1 ORDER BY email"),
            &[text(brand.as_str())],
        )
        .await?;
    Ok(rows.into_iter().map(Member::from).collect())
}

/// One member of a brand.
pub async fn member(env: &Env, brand: &BrandId, email: &str) -> Result<Option<Member>, RelayError> {
    let row: Option<MemberRow> = Db::new(env)?
        .first(
            &format!("SELECT {MEMBER_COLUMNS} FROM members WHERE brand_id = ?1 AND email = ?2"),
            &[text(brand.as_str()), text(email)],
            None,
        )
        .await?;
    Ok(row.map(Member::from))
}

/// Adds a member or changes an existing member's name and role; `None` if the change
/// would take the brand's last owner away (checked in the statement itself, so two owners
/// demoting each other at once cannot both succeed).
pub async fn put_member(
    env: &Env,
    brand: &BrandId,
    new: &NewMember,
    now: u64,
) -> Result<Option<Member>, RelayError> {
    let row: Option<MemberRow> = Db::new(env)?
        .first(
            "INSERT INTO members (brand_id, email, name, role, added_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (brand_id, email) DO UPDATE SET name = excluded.name, role = excluded.role \
             WHERE excluded.role = 'owner' OR members.role != 'owner' \
             OR (SELECT COUNT(*) FROM members WHERE brand_id = ?1 AND role = 'owner') > 1 \
             RETURNING email, name, role, added_at",
            &[
                text(brand.as_str()),
                text(&new.email),
                new.name.as_deref().map_or(worker::wasm_bindgen::JsValue::NULL, text),
                text(role_name(new.role)),
                number(now),
            ],
            None,
        )
        .await?;
    Ok(row.map(Member::from))
}

/// Removes a member, their sessions and their unspent links; `false` if nothing was
/// removed (no such member, or the brand's last owner, kept by the DELETE's condition).
pub async fn remove_member(env: &Env, brand: &BrandId, email: &str) -> Result<bool, RelayError> {
    let db = Db::new(env)?;
    let removed: Option<String> = db
        .first(
            "DELETE FROM members WHERE brand_id = ?1 AND email = ?2 AND (role != 'owner' \
             OR (SELECT COUNT(*) FROM members WHERE brand_id = ?1 AND role = 'owner') > 1) \
             RETURNING email",
            &[text(brand.as_str()), text(email)],
            Some("email"),
        )
        .await?;
    if removed.is_none() {
        return Ok(false);
    }
    let params = || vec![Param::Text(brand.to_string()), Param::Text(email.into())];
    db.batch(&[
        Statement {
            sql: "DELETE FROM console_sessions WHERE brand_id = ?1 AND email = ?2",
            params: params(),
        },
        Statement {
            sql: "DELETE FROM sign_in_links WHERE brand_id = ?1 AND email = ?2",
            params: params(),
        },
    ])
    .await?;
    Ok(true)
}

/// The brands whose member `email` is.
pub async fn brands_of(env: &Env, email: &str) -> Result<Vec<BrandId>, RelayError> {
    #[derive(Deserialize)]
    struct Row {
        brand_id: String,
    }
    let rows: Vec<Row> = Db::new(env)?
        .all(
            "SELECT brand_id FROM members WHERE email = ?1 ORDER BY brand_id",
            &[text(email)],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| BrandId::new(row.brand_id))
        .collect())
}

/// Keeps a new sign-in link (its token's hash), dropping links that expired before `now`.
pub async fn add_link(
    env: &Env,
    brand: &BrandId,
    email: &str,
    hash: &str,
    now: u64,
    expires_at: u64,
) -> Result<(), RelayError> {
    Db::new(env)?
        .batch(&[
            Statement {
                sql: "DELETE FROM sign_in_links WHERE expires_at <= ?1",
                params: vec![Param::Number(now)],
            },
            Statement {
                sql: "INSERT INTO sign_in_links (hash, brand_id, email, expires_at) \
                      VALUES (?1, ?2, ?3, ?4)",
                params: vec![
                    Param::Text(hash.into()),
                    Param::Text(brand.to_string()),
                    Param::Text(email.into()),
                    Param::Number(expires_at),
                ],
            },
        ])
        .await
}

/// Spends a sign-in link: one conditional UPDATE that only an unspent, unexpired link
/// passes, so of two racing uses only one gets the row back.
pub async fn spend_link(
    env: &Env,
    hash: &str,
    now: u64,
) -> Result<Option<(BrandId, String)>, RelayError> {
    #[derive(Deserialize)]
    struct Row {
        brand_id: String,
        email: String,
    }
    let row: Option<Row> = Db::new(env)?
        .first(
            "UPDATE sign_in_links SET spent_at = ?2 \
             WHERE hash = ?1 AND spent_at IS NULL AND expires_at > ?2 \
             RETURNING brand_id, email",
            &[text(hash), number(now)],
            None,
        )
        .await?;
    Ok(row.map(|row| (BrandId::new(row.brand_id), row.email)))
}

/// Opens a session (its id's hash).
pub async fn add_session(
    env: &Env,
    hash: &str,
    brand: &BrandId,
    email: &str,
    now: u64,
    expires_at: u64,
) -> Result<(), RelayError> {
    Db::new(env)?
        .batch(&[
            Statement {
                sql: "DELETE FROM console_sessions WHERE expires_at <= ?1",
                params: vec![Param::Number(now)],
            },
            Statement {
                sql:
                    "INSERT INTO console_sessions (hash, brand_id, email, created_at, expires_at) \
                      VALUES (?1, ?2, ?3, ?4, ?5)",
                params: vec![
                    Param::Text(hash.into()),
                    Param::Text(brand.to_string()),
                    Param::Text(email.into()),
                    Param::Number(now),
                    Param::Number(expires_at),
                ],
            },
        ])
        .await
}

/// A live session and its member (a removed member's sessions are gone with them).
pub struct SessionRow {
    /// The brand.
    pub brand: BrandId,
    /// The member.
    pub member: Member,
    /// When it ends unless used (ms).
    pub expires_at: u64,
}

/// The live session with this hash at `now`, if any.
pub async fn session(env: &Env, hash: &str, now: u64) -> Result<Option<SessionRow>, RelayError> {
    #[derive(Deserialize)]
    struct Row {
        brand_id: String,
        expires_at: f64,
        email: String,
        name: Option<String>,
        role: String,
        added_at: f64,
    }
    let row: Option<Row> = Db::new(env)?
        .first(
            "SELECT s.brand_id, s.expires_at, m.email, m.name, m.role, m.added_at \
             FROM console_sessions s JOIN members m \
             ON m.brand_id = s.brand_id AND m.email = s.email \
             WHERE s.hash = ?1 AND s.expires_at > ?2",
            &[text(hash), number(now)],
            None,
        )
        .await?;
    Ok(row.map(|row| SessionRow {
        brand: BrandId::new(row.brand_id),
        member: Member::from(MemberRow {
            email: row.email,
            name: row.name,
            role: row.role,
            added_at: row.added_at,
        }),
        expires_at: row.expires_at as u64,
    }))
}

/// Moves a session's expiry (it was used).
pub async fn extend_session(env: &Env, hash: &str, expires_at: u64) -> Result<(), RelayError> {
    Db::new(env)?
        .run(
            "UPDATE console_sessions SET expires_at = ?2 WHERE hash = ?1",
            &[text(hash), number(expires_at)],
        )
        .await
}

/// Ends one session.
pub async fn end_session(env: &Env, hash: &str) -> Result<(), RelayError> {
    Db::new(env)?
        .run(
            "DELETE FROM console_sessions WHERE hash = ?1",
            &[text(hash)],
        )
        .await
}

/// Ends every session of a member.
pub async fn end_sessions(env: &Env, brand: &BrandId, email: &str) -> Result<(), RelayError> {
    Db::new(env)?
        .run(
            "DELETE FROM console_sessions WHERE brand_id = ?1 AND email = ?2",
            &[text(brand.as_str()), text(email)],
        )
        .await
}
