-- A brand's knowledge, the entries its assistant answers from (relay/src/knowledge.rs):
-- brand data, written only by the admin API (never derived from a thread). The question
-- variants are a JSON array of strings; the language a canonical BCP 47 tag. Search reads
-- every entry of a brand at once (at most 1,000), by the primary key's prefix.
CREATE TABLE knowledge (
    brand_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    language TEXT NOT NULL,
    questions TEXT NOT NULL,
    answer TEXT NOT NULL,
    link TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (brand_id, entry_id)
);
