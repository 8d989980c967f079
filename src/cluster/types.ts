/**
 * The contract between the parts of cluster mode (CLUSTER=true: several instances on one PostgreSQL).
 * Each interface has one implementation in src/cluster; the session registry, the HTTP layer and main
 * depend on these types only.
 */

/** A live instance as the others see it (wa_instances; times by the database's clock, epoch ms). */
export interface InstanceInfo {
  id: string;
  /** ADVERTISE_URL: an origin such as http://10.0.0.5:3000. */
  url: string;
  capacity: number;
  /** Sessions it holds a valid lease for. */
  sessions: number;
  expiresAt: number;
}

/** Where sessions run: read-only questions to wa_instances and wa_leases. */
export interface ClusterDirectory {
  readonly self: { id: string; url: string };
  /** The instance holding a valid lease on `sessionId`, or null when nobody does. */
  ownerOf(sessionId: string): Promise<{ instanceId: string; url: string } | null>;
  /** Instances whose heartbeat has not expired, with their lease counts. */
  liveInstances(): Promise<InstanceInfo[]>;
}

/**
 * Ownership of sessions as leases (wa_leases). The registry claims before it starts a browser and
 * releases when the session leaves this instance; a claim refused means another live instance runs it.
 */
export interface SessionOwnership {
  /** Takes (or renews) this instance's lease on `id`; false when another instance holds a valid one. */
  claim(id: string): Promise<boolean>;
  /** Gives the lease up; never throws (a lease not released expires on its own). */
  release(id: string): Promise<void>;
  /** Whether this instance still holds a valid lease on `id` (fencing checks it). */
  holds(id: string): boolean;
}

/**
 * A session's profile archive in PostgreSQL (wa_auth_archives): what whatsapp-web.js's RemoteAuth
 * saves and extracts, keyed by session id.
 */
export interface AuthArchives {
  exists(sessionId: string): Promise<boolean>;
  /** Stores the zip at `file` for `sessionId`, replacing the previous one. */
  save(sessionId: string, file: string): Promise<void>;
  /** Writes the stored zip to `file`; rejects when there is none. */
  extract(sessionId: string, file: string): Promise<void>;
  remove(sessionId: string): Promise<void>;
}
