-- Whose presence each user is told (issue 19, review M7): a row (user, contact) means the user's
-- devices learn when the contact comes online, falls asleep or goes offline. Made by adding someone
-- by username (one row) and by a call between two people (a row each way).
CREATE TABLE contacts (
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  contact_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (user_id, contact_id),
  CHECK (user_id <> contact_id)
);

-- Everyone who has called or been called by someone already knows them: each call so far makes
-- a contact both ways.
INSERT OR IGNORE INTO contacts (user_id, contact_id, created_at)
  SELECT caller_id, callee_id, MIN(created_at) FROM calls WHERE caller_id <> callee_id GROUP BY caller_id, callee_id;
INSERT OR IGNORE INTO contacts (user_id, contact_id, created_at)
  SELECT callee_id, caller_id, MIN(created_at) FROM calls WHERE caller_id <> callee_id GROUP BY callee_id, caller_id;
