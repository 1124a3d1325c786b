-- Forwarding to where the brand's team works.

-- Each thread's forum topic in its brand's Telegram group. Team replies in a topic find
-- their thread through (chat_id, topic_id).
CREATE TABLE telegram_topics (
    thread_id TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    UNIQUE (chat_id, topic_id)
);

-- Deliveries given up after their last attempt (the dead-letter queue's consumer writes
-- them), for the operator to see and replay.
CREATE TABLE dead_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    brand_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    job TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX dead_jobs_by_brand ON dead_jobs (brand_id, id);
