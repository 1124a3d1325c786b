-- Taking a thread elsewhere: single-use link codes (onto WhatsApp, or into another browser),
-- the WhatsApp users threads are linked to, and the WhatsApp ids of messages the relay sent
-- there (their delivery statuses come back by those ids).

CREATE TABLE link_codes (
    code TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX link_codes_by_thread ON link_codes (thread_id);

CREATE TABLE whatsapp_users (
    brand_id TEXT NOT NULL,
    wa_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    linked_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    PRIMARY KEY (brand_id, wa_id)
);
CREATE INDEX whatsapp_users_by_thread ON whatsapp_users (thread_id);

CREATE TABLE whatsapp_messages (
    wamid TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000)
);
CREATE INDEX whatsapp_messages_by_thread ON whatsapp_messages (thread_id);
