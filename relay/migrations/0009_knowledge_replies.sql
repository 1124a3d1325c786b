-- Quick replies on knowledge entries (relay/src/knowledge.rs, issue 17): the buttons the
-- bot's answer from an entry offers the visitor, a JSON array of strings (at most four of
-- at most 40 characters, checked by the admin API), `[]` for an entry that offers none and
-- for every entry stored before.
ALTER TABLE knowledge ADD COLUMN replies TEXT NOT NULL DEFAULT '[]';
