-- Development brands, local only: they allow any port on the loopback host names.
-- `demo` is what the demo site (www/) uses, with default limits and web push (the demo's
-- index page hosts the service worker); `consent` asks visitors to
-- accept a privacy notice first (www/consent.html); `bench` raises the visitor
-- rate limit for load tests and benchmarks.
INSERT INTO brands (id, settings) VALUES
('demo', '{
  "name": "Acme Outdoor",
  "allowedOrigins": ["http://127.0.0.1:*", "http://localhost:*"],
  "themeColor": "#14532d",
  "greeting": "Hi! Ask us anything about our gear. 有问题请随时问我们。",
  "businessHours": {"timeZone": "Asia/Shanghai", "weekly": [
    {"day": 1, "open": "09:00", "close": "18:00"}, {"day": 2, "open": "09:00", "close": "18:00"},
    {"day": 3, "open": "09:00", "close": "18:00"}, {"day": 4, "open": "09:00", "close": "18:00"},
    {"day": 5, "open": "09:00", "close": "18:00"}]},
  "awayMessage": "We are away right now; we answer here, or on WhatsApp, when we are back.",
  "identitySecret": "DEMO_IDENTITY_SECRET",
  "push": {"delaySeconds": 10}
}'),
('consent', '{
  "name": "Acme Europe",
  "allowedOrigins": ["http://127.0.0.1:*", "http://localhost:*"],
  "consent": {"text": "We keep this conversation for 180 days to answer you.", "privacyUrl": "https://acme.example/privacy"}
}'),
('bench', '{
  "name": "Bench",
  "allowedOrigins": ["http://127.0.0.1:*", "http://localhost:*"],
  "visitorRateLimit": {"burst": 100000, "perMinute": 6000000}
}')
ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = unixepoch() * 1000;
