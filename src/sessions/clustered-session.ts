import type { CloseOptions } from '../browser/client-closer.js';
import type { RemovalReason } from '../domain/reasons.js';
import { toError } from '../errors.js';
import { withTimeout } from '../timeout.js';
import { ManagedSession } from './managed-session.js';
import type { ManagedSessionDeps, SessionLease } from './managed-session-deps.js';
import type { SessionSnapshot, WebhookSettings } from './types.js';

/** Why a session leaves this instance while its record stays in the registry. */
export type LeaveReason = 'STOPPED' | 'HANDED_OVER' | 'FENCED' | 'LEASE_LOST';

/**
 * A session in cluster mode: it runs here only while this instance holds its lease. The lease is
 * claimed before every browser start and released when the session leaves; stop and shutdown make
 * it leave (the registry keeps it; another instance, or a later start, picks it up from its archive).
 */
export class ClusteredSession extends ManagedSession {
  constructor(
    deps: ManagedSessionDeps,
    private readonly lease: SessionLease,
    id: string,
    webhook: WebhookSettings | null,
  ) {
    super(deps, id, webhook);
  }

  override async start(): Promise<{ initializing: Promise<void> }> {
    await this.lease.claim();
    return super.start();
  }

  override async teardown(reason: RemovalReason, options: CloseOptions = {}): Promise<void> {
    await super.teardown(reason, options);
    await this.lease.release();
  }

  /** The record says stopped; the session leaves this instance (a stopped one lives in the registry only). */
  override async stop(): Promise<SessionSnapshot> {
    if (this.record.state === 'STOPPED') return this.snapshot();
    // Registry first: a stop that cannot be written (503) leaves the session running.
    await this.deps.records?.save(this.id, { desired: 'stopped', webhook: this.record.webhook });
    await this.leave('STOPPED');
    this.record.transition('STOPPED', 'STOPPED');
    return this.snapshot();
  }

  /** SIGTERM: hand-over (archive saved, browser closed, lease released) instead of a plain close. */
  override async shutdown(): Promise<void> {
    if (this.credentialsDead) return super.shutdown();
    await this.leave('HANDED_OVER');
  }

  /**
   * The session leaves this instance; its record stays. Unlisted first, so nothing else acts on it.
   * A READY session's archive is saved first (bounded) unless FENCED: then its browser is killed at
   * once, the leases may be running out. Then the browser is closed, the folder (a cache here, the
   * archive is the truth) removed, and the lease released (announced, so others claim at once) —
   * not when FENCED or LEASE_LOST: the database is out of reach, or the lease is someone else's.
   */
  async leave(why: LeaveReason): Promise<void> {
    this.autoRestart.end();
    this.pendingTeardown.cancel();
    if (this.deps.isListed()) this.deps.unlist();
    const client = this.client;
    if (why !== 'FENCED' && client && this.record.state === 'READY') {
      await withTimeout(client.backupAuth(), this.lease.backupTimeoutMs, 'auth backup').catch(
        (err: unknown) =>
          this.log.error({ err: toError(err) }, 'Could not save the auth archive before leaving'),
      );
    }
    if (this.record.state !== 'CLOSING') this.record.transition('CLOSING', why);
    if (why === 'FENCED') await this.deps.killProfile();
    try {
      await this.release();
    } catch (err) {
      this.log.error({ err: toError(err) }, 'Unexpected error while closing the client');
    }
    await this.dropCredentials();
    if (why !== 'FENCED' && why !== 'LEASE_LOST') await this.lease.release();
    this.log.info({ why }, `Session ${this.id} left this instance`);
  }
}
