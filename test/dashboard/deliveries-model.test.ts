import { describe, expect, it } from 'vitest';
import {
  type Delivery,
  deliveriesPath,
  deliveriesView,
  stateFromStatus,
} from '../../src/dashboard/deliveries-model.js';

const at = (iso: string) => `at ${iso.slice(11, 19)}`;

const delivery = (overrides: Partial<Delivery> = {}): Delivery => ({
  id: 'dlv_1',
  eventId: 'evt_a_1',
  eventType: 'message.received',
  sessionId: 'shop',
  url: 'https://hooks.example/wa',
  status: 'failed',
  attempts: 6,
  lastStatus: 503,
  lastError: 'Service Unavailable',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:05:00.000Z',
  nextAttemptAt: null,
  ...overrides,
});

const noProblem = { title: '', detail: '' };

describe('failed webhook deliveries panel', () => {
  it('asks for the failed deliveries of one session, the id encoded', () => {
    expect(deliveriesPath('shop')).toBe('webhooks/deliveries?status=failed&sessionId=shop&limit=20');
    expect(deliveriesPath('a&b', 5)).toBe('webhooks/deliveries?status=failed&sessionId=a%26b&limit=5');
  });

  it('is hidden when the server has no outbox (404)', () => {
    const state = stateFromStatus(404, null, { title: 'Not Found', detail: 'No route' });
    expect(state).toEqual({ kind: 'absent' });
    expect(deliveriesView(state, at)).toBeNull();
  });

  it('lists each failed delivery with its event, receiver, attempts, last answer and time', () => {
    const state = stateFromStatus(
      200,
      {
        items: [
          delivery(),
          delivery({ id: 'dlv_2', attempts: 1, lastStatus: null, lastError: 'connect ECONNREFUSED' }),
        ],
        nextCursor: null,
      },
      noProblem,
    );
    expect(deliveriesView(state, at)).toEqual({
      message: null,
      more: false,
      rows: [
        {
          id: 'dlv_1',
          event: 'message.received',
          url: 'https://hooks.example/wa',
          attempts: '6 attempts',
          outcome: 'HTTP 503: Service Unavailable',
          updatedAt: 'at 10:05:00',
        },
        {
          id: 'dlv_2',
          event: 'message.received',
          url: 'https://hooks.example/wa',
          attempts: '1 attempt',
          outcome: 'connect ECONNREFUSED',
          updatedAt: 'at 10:05:00',
        },
      ],
    });
  });

  it('says so when there is none, and when more exist than are listed', () => {
    expect(deliveriesView(stateFromStatus(200, { items: [], nextCursor: null }, noProblem), at)).toEqual({
      message: 'No failed deliveries.',
      rows: [],
      more: false,
    });
    const page = { items: [delivery({ lastStatus: 500, lastError: null })], nextCursor: 'c2' };
    const view = deliveriesView(stateFromStatus(200, page, noProblem), at);
    expect(view?.more).toBe(true);
    expect(view?.rows[0]?.outcome).toBe('HTTP 500');
  });

  it("shows the server's problem (title and detail) when the list cannot be read", () => {
    const state = stateFromStatus(503, null, { title: 'Service Unavailable', detail: 'The store is down' });
    expect(deliveriesView(state, at)).toEqual({
      message: 'Could not read the failed deliveries: Service Unavailable. The store is down',
      rows: [],
      more: false,
    });
  });

  it('treats a 2xx answer that is not a page as a failure, not as an empty list', () => {
    const state = stateFromStatus(200, { unexpected: true }, { title: 'Bad answer', detail: '' });
    expect(deliveriesView(state, at)?.message).toBe('Could not read the failed deliveries: Bad answer');
  });
});
