-- Where each device can be woken when it is not connected (issue 5): at most one VoIP token and one
-- Web Push subscription per device. A token or endpoint belongs to one device only: a reinstall
-- that gets the same token moves it.
CREATE TABLE voip_registrations (
  device_id    TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token        TEXT NOT NULL UNIQUE,
  environment  TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
  bundle_id    TEXT NOT NULL,
  app_version  TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX voip_registrations_user ON voip_registrations (user_id);

CREATE TABLE web_push_subscriptions (
  device_id   TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  endpoint    TEXT NOT NULL UNIQUE,
  p256dh      TEXT NOT NULL,
  auth        TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX web_push_subscriptions_user ON web_push_subscriptions (user_id);

-- Keys the server generates once and must keep across restarts (the VAPID key pair).
CREATE TABLE server_keys (
  name        TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
