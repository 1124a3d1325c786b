-- The brand (tenant) registry. A brand's settings are one JSON document (see
-- relay/src/brand.rs, BrandSettings), so new settings need no migration. Settings name Worker
-- secrets; they never hold one.
CREATE TABLE brands (
    id TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000)
);

-- Agent API keys, stored as hex SHA-256 only; the key itself is shown once.
CREATE TABLE agent_keys (
    hash TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL REFERENCES brands (id),
    created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000)
);

-- Verified users (userId signed by the brand) and their one thread, for every device.
CREATE TABLE identities (
    brand_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    PRIMARY KEY (brand_id, user_id)
);
CREATE INDEX identities_by_thread ON identities (thread_id);
