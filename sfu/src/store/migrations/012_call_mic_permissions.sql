-- Each party's microphone permission as its device joined the call (issue 18, S4): an iPhone whose
-- permission is denied, or was never given (a first call answered on the lock screen, where iOS
-- can't show its prompt), sends only silence, and this tells that apart from a network fault.
CREATE TABLE call_mic_permissions (
  call_id  TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  state    TEXT NOT NULL CHECK (state IN ('granted', 'denied', 'undetermined')),
  at       INTEGER NOT NULL,
  PRIMARY KEY (call_id, user_id)
);
