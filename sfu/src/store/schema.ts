/**
 * The tables as the query layer sees them (Kysely's types), the same on SQLite and PostgreSQL.
 * Times are epoch milliseconds (BIGINT on PostgreSQL, read back as numbers: see db.ts).
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  /** `username` with ASCII letters lower-cased: the one case-insensitive unique key on both engines. */
  username_key: string;
  display_name: string;
  password_hash: string;
  created_at: number;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  label: string;
  created_at: number;
  last_seen_at: number;
}

export interface CallsTable {
  id: string;
  caller_id: string;
  callee_id: string;
  created_at: number;
  answered_at: number | null;
  ended_at: number | null;
  end_reason: string | null;
  ended_by: string | null;
  callee_seen_at: number | null;
  /** The node that held the call (its state machine and router): who finalises it if that node dies. */
  home_node: Generated<string>;
}

/** What each party's page reported of its receiving side (`QualitySummary` as JSON). */
export interface CallQualitySummariesTable {
  call_id: string;
  user_id: string;
  summary: string;
}

type Party = 'caller' | 'callee';
type Direction = 'c2e' | 'e2c';

/** One party's side of a quality record (migration 015: column names `caller_…` / `callee_…`). */
type QualityParty<P extends Party> = {
  [K in `${P}_platform` | `${P}_os` | `${P}_os_version` | `${P}_app_version` | `${P}_engine`]: string;
} & { [K in `${P}_model` | `${P}_path` | `${P}_watchdog`]: string | null } & {
  [K in `${P}_did_activate_ms`]: number | null;
} & { [K in `${P}_activation_failed` | `${P}_page_frozen`]: Generated<number> };

/** One direction of a quality record: `c2e` caller → callee, `e2c` callee → caller. */
type QualityDirection<D extends Direction> = { [K in `${D}_first_rtp_ms`]: number | null } & {
  [K in `${D}_packets` | `${D}_stalls` | `${D}_heard`]: number;
};

/** One record per ended call (issue 21), names of people left out. */
export type CallQualityTable = {
  call_id: string;
  ended_at: number;
  outcome: string;
  end_reason: string;
  verdict: string;
} & QualityParty<'caller'> &
  QualityParty<'callee'> &
  QualityDirection<'c2e'> &
  QualityDirection<'e2c'>;

export interface VoipRegistrationsTable {
  device_id: string;
  user_id: string;
  token: string;
  environment: string;
  bundle_id: string;
  app_version: string;
  updated_at: number;
}

export interface WebPushSubscriptionsTable {
  device_id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  updated_at: number;
}

export interface ServerKeysTable {
  name: string;
  value: string;
  created_at: number;
}

export interface CallDirectionsTable {
  call_id: string;
  direction: string;
  packets: number;
  first_rtp_ms: number | null;
  stalls: number;
  stalled_ms: number;
  last_cause: string | null;
}

export interface CallMicPermissionsTable {
  call_id: string;
  user_id: string;
  state: string;
  at: number;
}

export interface ContactsTable {
  user_id: string;
  contact_id: string;
  created_at: number;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface Tables {
  users: UsersTable;
  sessions: SessionsTable;
  devices: DevicesTable;
  calls: CallsTable;
  call_quality_summaries: CallQualitySummariesTable;
  call_quality: CallQualityTable;
  voip_registrations: VoipRegistrationsTable;
  web_push_subscriptions: WebPushSubscriptionsTable;
  server_keys: ServerKeysTable;
  call_directions: CallDirectionsTable;
  call_mic_permissions: CallMicPermissionsTable;
  contacts: ContactsTable;
  schema_migrations: SchemaMigrationsTable;
}
