import type { CloseOptions } from '../browser/client-closer.js';
import { parseDisconnectReason, type RemovalReason } from '../domain/reasons.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { AutoRestart } from './auto-restart.js';
import { STARTED_STATES, wireClientEvents } from './client-events.js';
import { afterDisconnect } from './disconnect-policy.js';
import { waitForInit } from './init-wait.js';
import { logoutFirst } from './logout-first.js';
import type { ManagedSessionDeps } from './managed-session-deps.js';
import { PendingWork } from './pending-work.js';
import { Session } from './session.js';
import { liveStates, type SessionClient, type SessionSnapshot, type WebhookSettings } from './types.js';

/**
 * One session and everything it owns: its record (state, QR, me), its client, the client's
 * generation, the pending teardown after a disconnect and the fact "its credentials are dead".
 * Nothing outside this class writes those. Every method that changes them is called under the
 * session id's lock (the registry takes it; delayed work takes it through `exclusive`).
 *
 * The lifecycle in one place: `start` launches a client, `release` closes it (the session stays
 * listed), `teardown` ends the session (client closed, folder removed, out of the registry).
 */
export class ManagedSession {
  readonly record: Session;
  protected client: SessionClient | null = null;
  /** Bumped for every new client, so events of a client that was replaced are recognised and ignored. */
  private generation = 0;
  /** The delayed work after a disconnect, cancelled when anything else ends or restarts the session first. */
  protected readonly pendingTeardown: PendingWork;
  /** Set once when the phone unlinked the device; cleared only when the folder is gone. */
  protected credentialsDead = false;
  /** Ends the wait on the current client's initialize() when that client is released. */
  private stopWaitingForInit: (() => void) | null = null;
  /** FAILED → restarted later, with backoff; cancelled whenever anything else acts on the session. */
  protected readonly autoRestart: AutoRestart;

  constructor(
    protected readonly deps: ManagedSessionDeps,
    id: string,
    webhook: WebhookSettings | null,
    /** Listed again at start as the registry kept it: STOPPED, no browser. */
    restored?: { state: 'STOPPED'; createdAt: Date; updatedAt: Date },
  ) {
    this.record = new Session(id, { logger: deps.logger, bus: deps.bus, now: deps.now }, webhook, restored);
    this.pendingTeardown = new PendingWork(this.record.log);
    this.autoRestart = new AutoRestart({
      ...deps,
      record: this.record, // Whatever acted on it meanwhile (stop, delete, a start by hand) wins:
      restart: () =>
        deps.exclusive(async () => {
          if (this.record.state !== 'FAILED' || !deps.isListed()) return false;
          await this.restart(undefined, true);
          return true;
        }),
    });
  }

  get id(): string {
    return this.record.id;
  }

  get log(): Logger {
    return this.record.log;
  }

  snapshot(): SessionSnapshot {
    return this.record.snapshot();
  }

  /** The current client, read-only: session-actions.ts calls into it; only this class replaces it. */
  get currentClient(): SessionClient | null {
    return this.client;
  }

  /** A browser runs or is being closed: the session may not be started again now. */
  get occupied(): boolean {
    return liveStates.has(this.record.state) || this.record.state === 'CLOSING';
  }

  /** Launches a client for the session; returns once it is launching, with its initialize() to await. */
  async start(): Promise<{ initializing: Promise<void> }> {
    const { folders, config } = this.deps;
    await this.deps.guard.ensureUsable(this.id);
    // A browser that was killed leaves Singleton* locks that make the next Chromium refuse the profile.
    await folders.clearStaleLocks(this.id);
    // Without a registry the folder keeps the webhook; written when null too, so a removed webhook
    // stays removed after a restart (privacy).
    if (!this.deps.records) await folders.writeMeta(this.id, { webhook: this.record.webhook });
    this.record.me = null;
    const client = this.deps.clientFactory({ sessionId: this.id, authRoot: folders.root });
    const generation = ++this.generation;
    this.client = client;
    wireClientEvents({
      session: this.record,
      client,
      current: () => this.generation === generation && this.client === client,
      bus: this.deps.bus,
      now: this.deps.now,
      onDisconnected: (reason) => this.onDisconnected(generation, reason),
      onBrowserExited: () => this.onBrowserExited(generation),
    });
    const wait = waitForInit({
      initialize: () => client.initialize(),
      launches: this.deps.launches,
      timeoutMs: config.INIT_TIMEOUT_MS,
      onSettled: () => {
        if (this.stopWaitingForInit === wait.end) this.stopWaitingForInit = null;
      },
      onFailed: (err) => this.onInitFailed(generation, err),
    });
    this.stopWaitingForInit = wait.end;
    // Wrapped: returning the bare promise from an async function would make callers wait for it.
    return { initializing: wait.initializing };
  }

  /** Starts a DISCONNECTED, STOPPED or FAILED session again (fresh credentials if its are dead). */
  async restart(
    webhook: WebhookSettings | null | undefined,
    automatic = false,
  ): Promise<{ initializing: Promise<void> }> {
    this.pendingTeardown.cancel();
    // A start by hand starts the count of automatic restarts over.
    this.autoRestart.cancel(!automatic);
    await this.release();
    if (this.credentialsDead) await this.dropCredentials();
    const next = webhook !== undefined ? webhook : this.record.webhook;
    // Registry first: when it cannot be written (503) the session stays as it was.
    await this.deps.records?.save(this.id, { desired: 'running', webhook: next });
    this.record.webhook = next;
    this.record.transition('STARTING');
    this.log.info(`Starting session ${this.id} again`);
    try {
      return await this.start();
    } catch (err) {
      // start() refused (folder_locked) or failed before any client existed: without this the
      // session would stay STARTING with no client, and every later create would be 409.
      this.autoRestart.fail(toError(err).message);
      throw err;
    }
  }

  /** Closes the client, if any, and forgets it; the session stays listed. */
  async release(options: CloseOptions = {}): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    this.generation += 1;
    this.stopWaitingForInit?.();
    this.stopWaitingForInit = null;
    await this.deps.closeClient(this.id, this.log, client, options);
  }

  /**
   * The end of the session: CLOSING, client closed (or killed), folder removed (or moved aside),
   * out of the registry, `session.removed` published. Never throws.
   */
  async teardown(reason: RemovalReason, options: CloseOptions = {}): Promise<void> {
    this.autoRestart.end();
    this.pendingTeardown.cancel();
    if (this.record.state !== 'CLOSING') this.record.transition('CLOSING', reason);
    try {
      await this.release(options);
    } catch (err) {
      this.log.error({ err: toError(err) }, 'Unexpected error while closing the client');
    }
    await this.dropCredentials();
    // Registry: a session that ends is forgotten; a failure is logged (the teardown itself is done).
    await this.deps.records?.remove(this.id).catch((err: unknown) => {
      this.log.error({ err: toError(err) }, 'Could not remove the session from the registry');
    });
    if (this.deps.isListed()) this.deps.unlist();
    this.deps.bus.publish('session.removed', this.id, { reason });
  }

  /** Closes the browser, keeps the folder (unless its credentials are dead): STOPPED. */
  async stop(): Promise<SessionSnapshot> {
    this.pendingTeardown.cancel();
    this.autoRestart.cancel();
    if (this.record.state === 'STOPPED') return this.snapshot();
    // Registry first: a stop that cannot be written (503) leaves the session running.
    await this.deps.records?.save(this.id, { desired: 'stopped', webhook: this.record.webhook });
    this.record.transition('CLOSING', 'STOPPED');
    await this.release();
    // The pending LOGOUT teardown was just cancelled: remove the dead credentials now.
    if (this.credentialsDead) await this.dropCredentials();
    this.record.transition('STOPPED', 'STOPPED');
    this.log.info(`Session ${this.id} stopped; its auth folder is kept`);
    return this.snapshot();
  }

  /** Logs out when connected (bounded; not a browser that does not answer), then tears down. */
  async delete(): Promise<void> {
    // Registry first: a delete that cannot be written (503) leaves the session as it was.
    await this.deps.records?.remove(this.id);
    this.autoRestart.cancel();
    const client = this.client;
    const connected = this.record.state === 'READY';
    this.record.transition('CLOSING', 'DELETED');
    const options: CloseOptions =
      connected && client
        ? await logoutFirst({
            id: this.id,
            client,
            log: this.log,
            logoutTimeoutMs: this.deps.config.LOGOUT_TIMEOUT_MS,
            probeBrowser: this.deps.probeBrowser,
          })
        : {};
    await this.teardown('DELETED', options);
    this.log.info(`Session ${this.id} deleted`);
  }

  /** Server shutdown: closes the client without logging out; a LOGOUT still pending is finished. */
  async shutdown(): Promise<void> {
    this.autoRestart.end();
    this.pendingTeardown.cancel();
    if (this.credentialsDead) {
      // Its cleanup was still waiting: finish it, or the next start would restore dead credentials.
      await this.teardown('LOGOUT');
      return;
    }
    if (!this.client) return;
    if (this.record.state !== 'CLOSING' && this.record.state !== 'STOPPED') {
      this.record.transition('CLOSING', 'SHUTDOWN');
    }
    await this.release();
  }

  /** Removes (or moves aside) the folder: whatever credentials it held are gone. */
  protected async dropCredentials(): Promise<void> {
    // Never under a live browser: it would write the folder again after it is gone.
    await this.deps.killProfile();
    await this.deps.guard.remove(this.id);
    this.credentialsDead = false;
  }

  private onDisconnected(generation: number, reason: string): void {
    const { state } = this.record;
    if (this.generation !== generation || !liveStates.has(state)) {
      this.log.debug({ reason, state }, 'Disconnect of a client no longer in charge ignored');
      return;
    }
    this.record.transition('DISCONNECTED', reason);
    this.log.warn({ reason }, `Session ${this.id} disconnected: ${reason}`);
    const next = afterDisconnect(parseDisconnectReason(reason), this.deps.config);
    if (next.dropCredentials) this.credentialsDead = true;
    if (next.action === 'teardown') {
      this.log.info(`Auto-cleaning session ${this.id} after logout...`);
      this.pendingTeardown.schedule(next.delayMs, () => this.cleanUp());
      return;
    }
    this.pendingTeardown.schedule(next.delayMs, () =>
      this.deps.exclusive(async () => {
        if (this.record.state !== 'DISCONNECTED' || !this.deps.isListed()) return;
        await this.release();
        // Dead credentials: the session stays listed, but starts again on an empty folder, fresh QR.
        if (this.credentialsDead) await this.dropCredentials();
      }),
    );
  }

  /** The delayed teardown after a LOGOUT. Never throws. */
  private cleanUp(): Promise<void> {
    return this.deps
      .exclusive(async () => {
        if (!this.deps.isListed()) return;
        this.log.info(`Cleaning up session ${this.id}`);
        await this.teardown('LOGOUT');
        this.log.info(`Session ${this.id} cleaned up`);
      })
      .catch((err: unknown) => this.log.error({ err: toError(err) }, 'Cleanup failed'));
  }

  private onBrowserExited(generation: number): void {
    const { state } = this.record;
    if (this.generation !== generation || !liveStates.has(state)) return;
    this.log.error({ state }, `Browser of session ${this.id} exited unexpectedly`);
    this.failAndRelease(generation, 'BROWSER_EXITED', 'Release after browser exit failed');
  }

  private onInitFailed(generation: number, err: unknown): void {
    const error = toError(err);
    if (this.generation !== generation || !STARTED_STATES.has(this.record.state)) {
      this.log.debug({ err: error }, 'initialize() of a client no longer in charge failed');
      return;
    }
    this.log.error({ err: error }, `Session ${this.id} failed to start: ${error.message}`);
    this.failAndRelease(generation, error.message, 'Release after a failed start failed');
  }

  private failAndRelease(generation: number, reason: string, what: string): void {
    this.autoRestart.fail(reason);
    void this.deps
      .exclusive(async () => {
        if (this.generation === generation) await this.release();
      })
      .catch((err: unknown) => this.log.error({ err: toError(err) }, what));
  }
}
