import type { Generated } from 'kysely';

/**
 * The tables of wa-sessions, the same on SQLite and PostgreSQL. Times are milliseconds since the
 * epoch (INTEGER / BIGINT, parsed back to numbers), so both backends compare and sort them alike.
 * Every name starts with `wa_`, so a shared PostgreSQL database keeps them apart from others.
 */
export interface Database {
  wa_schema_version: SchemaVersionTable;
  wa_meta: MetaTable;
  wa_sessions: SessionsTable;
  wa_events: EventsTable;
  wa_deliveries: DeliveriesTable;
  wa_instances: InstancesTable;
  wa_leases: LeasesTable;
  wa_auth_archives: AuthArchivesTable;
}

export interface SchemaVersionTable {
  version: number;
  applied_at: number;
}

/** One-off markers, e.g. that the `wa-sessions.json` files were imported. */
export interface MetaTable {
  key: string;
  value: string;
}

export interface SessionsTable {
  id: string;
  /** What the user asked for last: restore starts exactly the `running` ones. */
  desired: 'running' | 'stopped';
  /** JSON of `{url, events}`, or null when the session has no webhook of its own. */
  webhook: string | null;
  created_at: number;
  updated_at: number;
  last_state: string | null;
  last_reason: string | null;
}

/** Every event published, for SSE replay across restarts; pruned after the retention. */
export interface EventsTable {
  pos: Generated<number>;
  id: string;
  /** The id's two parts (`evt_<run>_<seq>`): replay is "after (run, seq)", even for an id pruned since. */
  run: string;
  seq: number;
  type: string;
  session_id: string;
  created_at: number;
  /** The event as JSON, byte for byte what SSE clients and webhook receivers get. */
  body: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** The webhook outbox: one row per event and receiver. */
export interface DeliveriesTable {
  id: Generated<number>;
  event_id: string;
  event_type: string;
  session_id: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** When a pending delivery may be tried (again); null once it is delivered or failed. */
  next_attempt_at: number | null;
  /** Cluster mode: the instance sending it now, until `claimed_until` (so only one sends it). */
  claimed_by: string | null;
  claimed_until: number | null;
}

/** Cluster mode: one row per instance, its address and heartbeat (times by the database's clock). */
export interface InstancesTable {
  instance_id: string;
  /** ADVERTISE_URL: where the others forward requests for its sessions. */
  url: string;
  /** Random per process: tells a restart of this INSTANCE_ID from a second live copy of it. */
  boot_id: string;
  capacity: number;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

/** Cluster mode: who runs a session, until when. `epoch` grows with every claim (a fencing token). */
export interface LeasesTable {
  session_id: string;
  instance_id: string;
  epoch: number;
  acquired_at: number;
  expires_at: number;
}

/** Cluster mode: a session's profile archive (RemoteAuth's zip), so another instance can run it. */
export interface AuthArchivesTable {
  session_id: string;
  archive: Buffer;
  bytes: number;
  sha256: string;
  saved_by: string;
  updated_at: number;
}
