-- WhatsApp statuses that arrive before the relay has heard back from sending their message
-- (Meta's webhook can overtake the Cloud API's answer). They wait here until the message's
-- WhatsApp id is known, then move its ticks; unclaimed ones are dropped after a day.

CREATE TABLE whatsapp_early_statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wamid TEXT NOT NULL,
    status TEXT NOT NULL,
    failure TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX whatsapp_early_statuses_by_wamid ON whatsapp_early_statuses (wamid);
