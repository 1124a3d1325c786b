-- The brand (tenant) registry. List and map settings are JSON text.
CREATE TABLE brands (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- Origin patterns allowed to use the widget: ["https://shop.example", "https://*.shop.example"].
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000)
);
