import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../src/events/bus.js';
import type { AnyWaEvent } from '../../src/events/types.js';
import { createLogger } from '../../src/logger.js';
import { Session } from '../../src/sessions/session.js';
import { allowedTransitions, canTransition } from '../../src/sessions/state-machine.js';
import { liveStates, type SessionState, sessionStates } from '../../src/sessions/types.js';

const makeSession = () => {
  const lines: Array<{ level: number; msg: string; from?: string; to?: string }> = [];
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const bus = createEventBus({ logger });
  const events: AnyWaEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const session = new Session('s1', { logger, bus, now: () => new Date('2026-01-01T00:00:00Z') }, null);
  return { session, lines, events };
};

describe('session state machine', () => {
  it('allows exactly the written-down edges', () => {
    expect(allowedTransitions).toEqual({
      STARTING: ['QR', 'AUTHENTICATED', 'READY', 'DISCONNECTED', 'FAILED', 'CLOSING'],
      QR: ['AUTHENTICATED', 'DISCONNECTED', 'FAILED', 'CLOSING'],
      AUTHENTICATED: ['READY', 'DISCONNECTED', 'FAILED', 'CLOSING'],
      READY: ['DISCONNECTED', 'FAILED', 'CLOSING'],
      DISCONNECTED: ['STARTING', 'CLOSING'],
      CLOSING: ['STOPPED'],
      STOPPED: ['STARTING', 'CLOSING'],
      FAILED: ['STARTING', 'CLOSING'],
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
    session.state = from;
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
