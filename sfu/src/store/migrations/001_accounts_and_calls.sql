-- Accounts, their sign-in sessions, their devices, and call history (issue 3).
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name  TEXT NOT NULL,
  -- "scrypt$N$r$p$salt$hash" (base64url); never logged
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);

-- Only a hash of each session token is stored: a leaked database does not sign anyone in.
CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A browser or app install of a user; its id is generated on the device and kept there.
CREATE TABLE devices (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  label         TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE calls (
  id           TEXT PRIMARY KEY,
  caller_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  callee_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  answered_at  INTEGER,
  ended_at     INTEGER,
  end_reason   TEXT,
  ended_by     TEXT,
  -- when the callee saw a missed call; NULL and missed = unread (the badge)
  callee_seen_at INTEGER
);
CREATE INDEX calls_caller ON calls (caller_id, created_at);
CREATE INDEX calls_callee ON calls (callee_id, created_at);

-- One row per party and call: that party's media engine's summary when the call ended.
CREATE TABLE call_quality (
  call_id  TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  summary  TEXT NOT NULL,
  PRIMARY KEY (call_id, user_id)
);
