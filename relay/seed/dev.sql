-- The development brand used by the demo site (www/) and the tests. Local only: it allows any
-- port on the loopback host names.
INSERT INTO brands (id, name, allowed_origins)
VALUES ('demo', 'Acme Outdoor', '["http://127.0.0.1:*", "http://localhost:*"]')
ON CONFLICT (id) DO UPDATE SET
    name = excluded.name,
    allowed_origins = excluded.allowed_origins,
    updated_at = unixepoch() * 1000;
