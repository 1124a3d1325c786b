-- The brand's threads, for the agent API's list. A row is added when a session starts a
-- thread; the thread's object keeps its last activity up to date (within seconds).
CREATE TABLE threads (
    thread_id TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    last_text TEXT
);
CREATE INDEX threads_by_activity ON threads (brand_id, last_message_at DESC);
