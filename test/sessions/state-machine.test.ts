import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import type { AnyWaEvent } from '../../src/events/types.js';
import { createLogger } from '../../src/logger.js';
import { Session } from '../../src/sessions/session.js';
import { allowedTransitions, canTransition } from '../../src/sessions/state-machine.js';
import { liveStates, type SessionState, sessionStates } from '../../src/sessions/types.js';
import { createManagerHarness, type ManagerHarness, readySession } from '../helpers/manager-harness.js';

const makeSession = () => {
  const lines: Array<{ level: number; msg: string; from?: string; to?: string }> = [];
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const bus = createEventBus({ logger });
  const events: AnyWaEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const session = new Session('s1', { logger, bus, now: () => new Date('2026-01-01T00:00:00Z') }, null);
  return { session, lines, events };
};

/** Legal paths from STARTING to each state, to start a refusal test from there. */
const pathTo: Record<SessionState, SessionState[]> = {
  STARTING: [],
  QR: ['QR'],
  AUTHENTICATED: ['AUTHENTICATED'],
  READY: ['AUTHENTICATED', 'READY'],
  DISCONNECTED: ['DISCONNECTED'],
  CLOSING: ['CLOSING'],
  STOPPED: ['CLOSING', 'STOPPED'],
  FAILED: ['FAILED'],
};

const reach = (session: Session, state: SessionState): void => {
  for (const step of pathTo[state]) expect(session.transition(step)).toBe(true);
};

describe('session state machine', () => {
  describe('the edges a session takes in the lifecycle scenarios (real manager, fake clients)', () => {
    let h: ManagerHarness | undefined;
    afterEach(async () => {
      await h?.dispose();
      h = undefined;
    });
    const edges = (harness: ManagerHarness): string[] =>
      harness.eventsOf('session.status', 's1').map((e) => {
        const { previous, state } = e.payload as { previous: string | null; state: string };
        return `${previous ?? '-'}>${state}`;
      });

    it('link by QR, LOGOUT, automatic cleanup', async () => {
      h = await createManagerHarness();
      const client = await readySession(h, 's1');
      client.emitDisconnected('LOGOUT');
      await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
      await h.idle();
      expect(edges(h)).toEqual([
        '->STARTING',
        'STARTING>QR',
        'QR>AUTHENTICATED',
        'AUTHENTICATED>READY',
        'READY>DISCONNECTED',
        'DISCONNECTED>CLOSING',
      ]);
    });

    it('stop, start again, delete', async () => {
      h = await createManagerHarness();
      await readySession(h, 's1');
      await h.drive(h.manager.stop('s1'));
      await h.manager.create('s1');
      await h.drive(h.manager.delete('s1'));
      expect(edges(h).slice(4)).toEqual([
        'READY>CLOSING',
        'CLOSING>STOPPED',
        'STOPPED>STARTING',
        'STARTING>CLOSING',
      ]);
    });

    it('a browser that dies, then a start again and a disconnect that keeps the session listed', async () => {
      h = await createManagerHarness();
      const first = await readySession(h, 's1');
      first.crashBrowser();
      await h.idle();
      await h.manager.create('s1');
      h.clients.last('s1').emitDisconnected('CONFLICT');
      await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
      await h.idle();
      expect(edges(h).slice(4)).toEqual(['READY>FAILED', 'FAILED>STARTING', 'STARTING>DISCONNECTED']);
      expect(h.has('s1')).toBe(true);
    });

    it('every edge taken is one the table allows', async () => {
      h = await createManagerHarness();
      const client = await readySession(h, 's1');
      client.emitDisconnected('LOGOUT');
      await h.advance(h.config.LOGOUT_CLEANUP_DELAY_MS);
      await h.idle();
      for (const edge of edges(h).slice(1)) {
        const [from, to] = edge.split('>') as [SessionState, SessionState];
        expect(canTransition(from, to), edge).toBe(true);
      }
    });
  });

  it('every live state can be disconnected, fail, or be closed; every ended state can start again or be closed', () => {
    for (const state of liveStates) {
      for (const to of ['DISCONNECTED', 'FAILED', 'CLOSING'] as const)
        expect(canTransition(state, to)).toBe(true);
    }
    for (const state of ['DISCONNECTED', 'STOPPED', 'FAILED'] as const) {
      expect(canTransition(state, 'STARTING')).toBe(true);
      expect(canTransition(state, 'CLOSING')).toBe(true);
    }
  });

  it.each<[SessionState, SessionState]>([
    ['READY', 'QR'],
    ['READY', 'STARTING'],
    ['CLOSING', 'STARTING'],
    ['CLOSING', 'READY'],
    ['STOPPED', 'READY'],
    ['DISCONNECTED', 'READY'],
    ['FAILED', 'READY'],
    ['QR', 'QR'],
  ])('refuses %s -> %s: logged as an error, not thrown, state and events unchanged', (from, to) => {
    const { session, lines, events } = makeSession();
    reach(session, from);
    const before = events.length;
    expect(() => session.transition(to)).not.toThrow();
    expect(session.transition(to)).toBe(false);
    expect(session.state).toBe(from);
    expect(events).toHaveLength(before);
    expect(lines.filter((l) => l.level === 50).map((l) => [l.msg, l.from, l.to])).toContainEqual([
      'Illegal session state transition refused',
      from,
      to,
    ]);
  });

  it('a legal transition publishes session.status with the previous state and reason, and clears the QR', () => {
    const { session, events } = makeSession();
    expect(session.transition('QR')).toBe(true);
    session.qr = { qr: 'x', at: '2026-01-01T00:00:00Z' };
    expect(session.transition('DISCONNECTED', 'LOGOUT')).toBe(true);
    expect(session.snapshot()).toMatchObject({
      state: 'DISCONNECTED',
      reason: 'LOGOUT',
      hasQr: false,
      disconnectedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(events.map((e) => e.payload)).toEqual([
      { state: 'QR', previous: 'STARTING', reason: null },
      { state: 'DISCONNECTED', previous: 'QR', reason: 'LOGOUT' },
    ]);
  });

  it('covers every state', () => {
    expect(Object.keys(allowedTransitions).sort()).toEqual([...sessionStates].sort());
  });
});
