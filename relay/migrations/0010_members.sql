-- The brand console's members, their sign-in links and their sessions
-- (relay/src/member.rs, relay/src/edge/console.rs). Links and sessions are stored only as
-- hex SHA-256 of their random secret: a copy of the database signs nobody in.

-- A brand's team: who may sign in to its console, and as what (`owner` or `agent`).
-- Addresses are stored in lower case, so one mailbox is one member.
CREATE TABLE members (
    brand_id TEXT NOT NULL REFERENCES brands (id),
    email TEXT NOT NULL,
    name TEXT,
    role TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (brand_id, email)
);
-- "Email me a link" looks an address up across brands.
CREATE INDEX members_by_email ON members (email);

-- Single-use sign-in links. A link is spent by one conditional UPDATE
-- (`... WHERE spent_at IS NULL AND expires_at > now`), so two racing uses cannot both
-- change the row: only the one that did signs in.
CREATE TABLE sign_in_links (
    hash TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL,
    email TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    spent_at INTEGER
);
CREATE INDEX sign_in_links_by_expiry ON sign_in_links (expires_at);

-- Console sessions (the `confab_console` cookie's id, hashed). `expires_at` slides forward
-- with use; signing out deletes the row, signing out everywhere (or removing the member)
-- deletes all of the member's rows.
CREATE TABLE console_sessions (
    hash TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_by_member ON console_sessions (brand_id, email);
