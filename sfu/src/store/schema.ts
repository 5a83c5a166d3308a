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

/** What each party's page reported of its side when the call ended (001, renamed by 015). */
export interface CallPartySummariesTable {
  call_id: string;
  user_id: string;
  summary: string;
}

/** Per party of {@link CallQualityTable}. */
interface PartyColumns {
  platform: string | null;
  os: string | null;
  os_version: string | null;
  model: string | null;
  app_version: string | null;
  engine: string | null;
  path: string | null;
  did_activate_ms: number | null;
  /** 0/1 (SQLite has no boolean). */
  activation_failed: number;
  watchdog: string | null;
  page_frozen: number;
}

/** `T`'s columns named `<p>_<column>`. */
type Prefixed<P extends string, T> = { [K in keyof T & string as `${P}_${K}`]: T[K] };

interface DirectionColumns {
  first_rtp_ms: number | null;
  packets: number;
  stalls: number;
  /** 0/1. */
  heard: number;
}

/** The quality record of an ended call (issue 21, migration 015): nobody's name in it. */
export type CallQualityTable = {
  call_id: string;
  ended_at: number;
  outcome: string;
  end_reason: string;
  verdict: string;
} & Prefixed<'caller', PartyColumns> &
  Prefixed<'callee', PartyColumns> &
  Prefixed<'c2e', DirectionColumns> &
  Prefixed<'e2c', DirectionColumns>;

/** The daily rollup of {@link CallQualityTable} (migration 016): a day's calls under one key of one dimension. */
export interface CallQualityDailyTable {
  dimension: string;
  /** Days since the epoch (UTC). */
  day: number;
  /** The dimension's value; '' for the dimension `day`. */
  key: string;
  calls: number;
  two_way: number;
  one_way_c2e: number;
  one_way_e2c: number;
  no_audio: number;
  failed: number;
}

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
  call_party_summaries: CallPartySummariesTable;
  call_quality: CallQualityTable;
  call_quality_daily: CallQualityDailyTable;
  voip_registrations: VoipRegistrationsTable;
  web_push_subscriptions: WebPushSubscriptionsTable;
  server_keys: ServerKeysTable;
  call_directions: CallDirectionsTable;
  call_mic_permissions: CallMicPermissionsTable;
  contacts: ContactsTable;
  schema_migrations: SchemaMigrationsTable;
}
