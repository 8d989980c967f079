import type { RestartInfo } from '../domain/session.js';
import type { EventBus } from '../events/types.js';
import type { Logger } from '../logger.js';
import { canTransition } from './state-machine.js';
import type { MeInfo, QrCode, SessionSnapshot, SessionState, WebhookSettings } from './types.js';

/**
 * One session's record: its state and what the API shows. State changes only through `transition`,
 * which checks the edge against the written-down table and publishes the change. The client, its
 * generation and the pending teardown are the ManagedSession's (managed-session.ts), not the record's.
 */
export class Session {
  readonly id: string;
  readonly log: Logger;
  private current: SessionState = 'STARTING';
  private why: string | null = null;
  qr: QrCode | null = null;
  me: MeInfo | null = null;
  webhook: WebhookSettings | null;
  readonly createdAt: Date;
  updatedAt: Date;
  disconnectedAt: Date | null = null;
  /** The automatic restart scheduled while FAILED (set just before the change to FAILED); else null. */
  restart: RestartInfo | null = null;

  constructor(
    id: string,
    private readonly deps: { logger: Logger; bus: EventBus; now: () => Date },
    webhook: WebhookSettings | null,
    /** A session the registry kept as stopped, listed again at start without a browser. */
    restored?: { state: 'STOPPED'; createdAt: Date; updatedAt: Date },
  ) {
    this.id = id;
    this.log = deps.logger.child({ sessionId: id });
    this.webhook = webhook;
    this.createdAt = restored?.createdAt ?? deps.now();
    this.updatedAt = restored?.updatedAt ?? this.createdAt;
    if (restored) {
      this.current = restored.state;
      this.why = 'STOPPED';
    }
  }

  get state(): SessionState {
    return this.current;
  }

  get reason(): string | null {
    return this.why;
  }

  /** Moves to `to` if the edge is allowed; an illegal edge is logged as a bug and refused. */
  transition(to: SessionState, reason: string | null = null): boolean {
    const from = this.state;
    if (!canTransition(from, to)) {
      this.log.error({ from, to, reason }, 'Illegal session state transition refused');
      return false;
    }
    this.current = to;
    this.why = reason;
    this.updatedAt = this.deps.now();
    if (to === 'DISCONNECTED') this.disconnectedAt = this.updatedAt;
    if (to !== 'QR') this.qr = null;
    if (to !== 'FAILED') this.restart = null;
    this.log.debug({ from, to, reason }, 'Session state changed');
    this.deps.bus.publish('session.status', this.id, {
      state: to,
      previous: from,
      reason,
      ...(this.restart ? { restart: this.restart } : {}),
    });
    return true;
  }

  snapshot(): SessionSnapshot {
    return {
      id: this.id,
      state: this.state,
      reason: this.reason,
      me: this.me,
      hasQr: this.qr !== null,
      createdAt: this.createdAt.toISOString(),
      updatedAt: this.updatedAt.toISOString(),
      disconnectedAt: this.disconnectedAt?.toISOString() ?? null,
      webhook: this.webhook,
      restart: this.restart,
    };
  }
}
