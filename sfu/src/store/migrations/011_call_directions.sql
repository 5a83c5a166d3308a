-- What the SFU saw of each direction of an answered call (issue 17): the packets it forwarded to the
-- listener, answer → first packet, and the media stalls (a direction that carried nothing for a few
-- seconds). Written while the call runs (at each stall and recovery) and when it ends.
CREATE TABLE call_directions (
  call_id       TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  direction     TEXT NOT NULL CHECK (direction IN ('caller->callee', 'callee->caller')),
  packets       INTEGER NOT NULL,
  first_rtp_ms  INTEGER,
  stalls        INTEGER NOT NULL,
  stalled_ms    INTEGER NOT NULL,
  last_cause    TEXT CHECK (last_cause IN ('no-rtp-from-sender', 'not-forwarded', 'producer-gone')),
  PRIMARY KEY (call_id, direction)
);
