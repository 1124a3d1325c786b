-- The inbox (the console's live thread list): each thread's summary as its object last
-- listed it, and a search over its messages' texts. Both are derived facts, written by the
-- queue's consumer in the batch of the thread's `Listed` fact.
--
-- `version` is the object's count of listings: a listing is written only if it is at least
-- as new as the row, so a late copy of an older one changes nothing. Rows from before this
-- migration keep version 0 and default values until their thread's next change.
ALTER TABLE threads ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN resolved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN awaiting_reply INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN assistant INTEGER NOT NULL DEFAULT 0;
-- The visitor's channels, first use first, as a JSON array of wire names.
ALTER TABLE threads ADD COLUMN channels TEXT NOT NULL DEFAULT '[]';
ALTER TABLE threads ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN language TEXT;
ALTER TABLE threads ADD COLUMN page TEXT;

-- Each message's text once (by `seq`), the content of the search index below.
CREATE TABLE thread_texts (
    thread_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (thread_id, seq)
);

-- Full-text search over `thread_texts` (FTS5, external content: the text is stored once).
-- Trigrams match any part of a word, in any script (Chinese has no spaces), case-blind; a
-- search needs at least three characters.
CREATE VIRTUAL TABLE thread_text USING fts5(
    body,
    content = 'thread_texts',
    tokenize = 'trigram'
);

-- The index follows its content: a text added is indexed, a thread forgotten leaves none.
CREATE TRIGGER thread_texts_indexed AFTER INSERT ON thread_texts BEGIN
    INSERT INTO thread_text (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER thread_texts_forgotten AFTER DELETE ON thread_texts BEGIN
    INSERT INTO thread_text (thread_text, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
