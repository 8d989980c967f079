import { register as globalRegister } from 'prom-client';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../../src/browser/process-table.js';
import { createEventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { type FullApp, fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';

const build = fullAppsClosedAfterEach();

const scrape = async (full: FullApp): Promise<string> => {
  const res = await request(full.app).get('/metrics').set('X-Api-Key', KEY).expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
};

/** The value of one sample line (`name{labels} value`), undefined when absent. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const browser = (pid: number): ProcessInfo => ({
  pid,
  ppid: 1,
  pgid: pid,
  state: 'S',
  cmdline: 'chromium',
  argv: ['chromium'],
});

describe('GET /metrics', () => {
  it('counts sessions by state from the manager at scrape time, every state present', async () => {
    const full = build();
    full.manager.seed('a', { state: 'READY' });
    full.manager.seed('b', { state: 'READY' });
    full.manager.seed('c', { state: 'QR' });
    const text = await scrape(full);
    expect(sample(text, 'wa_sessions_sessions{state="READY"}')).toBe(2);
    expect(sample(text, 'wa_sessions_sessions{state="QR"}')).toBe(1);
    expect(sample(text, 'wa_sessions_sessions{state="FAILED"}')).toBe(0);
    full.manager.sessions.delete('a');
    expect(sample(await scrape(full), 'wa_sessions_sessions{state="READY"}')).toBe(1);
  });

  it('counts starts, failures, disconnects and cleanups from the event bus', async () => {
    const full = build();
    const { bus } = full;
    bus.publish('session.status', 'a', { state: 'STARTING', previous: null, reason: null });
    bus.publish('session.status', 'b', { state: 'STARTING', previous: null, reason: null });
    bus.publish('session.status', 'b', { state: 'FAILED', previous: 'STARTING', reason: 'INIT_TIMEOUT' });
    bus.publish('session.removed', 'b', { reason: 'START_FAILED' });
    bus.publish('session.status', 'a', { state: 'DISCONNECTED', previous: 'READY', reason: 'CONFLICT' });
    bus.publish('session.status', 'a', { state: 'DISCONNECTED', previous: 'READY', reason: 'SOMETHING_NEW' });
    bus.publish('session.removed', 'a', { reason: 'DELETED' });
    const text = await scrape(full);
    expect(sample(text, 'wa_sessions_session_starts_total')).toBe(2);
    expect(sample(text, 'wa_sessions_session_failures_total')).toBe(1);
    expect(sample(text, 'wa_sessions_session_disconnects_total{reason="CONFLICT"}')).toBe(1);
    // A reason the server does not know is not a new series.
    expect(sample(text, 'wa_sessions_session_disconnects_total{reason="other"}')).toBe(1);
    expect(sample(text, 'wa_sessions_session_cleanups_total{reason="START_FAILED"}')).toBe(1);
    expect(sample(text, 'wa_sessions_session_cleanups_total{reason="DELETED"}')).toBe(1);
  });

  it('times a LOGOUT cleanup from the disconnect to the removal', async () => {
    let now = 1_000;
    const full = build({ now: () => now });
    full.bus.publish('session.status', 'a', { state: 'DISCONNECTED', previous: 'READY', reason: 'LOGOUT' });
    now += 3_000;
    full.bus.publish('session.status', 'a', { state: 'CLOSING', previous: 'DISCONNECTED', reason: 'LOGOUT' });
    now += 500;
    full.bus.publish('session.removed', 'a', { reason: 'LOGOUT' });
    const text = await scrape(full);
    expect(sample(text, 'wa_sessions_session_cleanup_duration_seconds_count')).toBe(1);
    expect(sample(text, 'wa_sessions_session_cleanup_duration_seconds_sum')).toBe(3.5);
    expect(sample(text, 'wa_sessions_session_cleanup_duration_seconds_bucket{le="3"}')).toBe(0);
    expect(sample(text, 'wa_sessions_session_cleanup_duration_seconds_bucket{le="4"}')).toBe(1);
  });

  it('does not time a logged-out session that was kept and started again, nor its later DELETE', async () => {
    let now = 0;
    const full = build({ now: () => now });
    full.bus.publish('session.status', 'a', { state: 'DISCONNECTED', previous: 'READY', reason: 'LOGOUT' });
    now += 60_000;
    full.bus.publish('session.status', 'a', { state: 'STARTING', previous: 'DISCONNECTED', reason: null });
    full.bus.publish('session.removed', 'a', { reason: 'DELETED' });
    expect(sample(await scrape(full), 'wa_sessions_session_cleanup_duration_seconds_count')).toBe(0);
  });

  it('counts live browser processes on every scrape', async () => {
    const full = build();
    full.browsers.push(browser(10), browser(11), browser(12));
    expect(sample(await scrape(full), 'wa_sessions_browser_processes')).toBe(3);
    full.browsers.splice(0, 2);
    expect(sample(await scrape(full), 'wa_sessions_browser_processes')).toBe(1);
  });

  it("reports the webhook dispatcher's totals", async () => {
    const full = build();
    Object.assign(full.webhookStats, {
      delivered: 7,
      failed: 2,
      retried: 4,
      queued: 3,
      inFlight: 1,
    });
    const text = await scrape(full);
    expect(sample(text, 'wa_sessions_webhook_deliveries_total{result="delivered"}')).toBe(7);
    expect(sample(text, 'wa_sessions_webhook_deliveries_total{result="failed"}')).toBe(2);
    expect(text).not.toContain('result="dropped"');
    // Pending and failed are counted in the store, so they hold across restarts.
    Object.assign(full.outboxStats, { pending: 5, failed: 2, oldestPendingAt: Date.now() - 90_000 });
    const stored = await scrape(full);
    expect(sample(stored, 'wa_sessions_webhook_outbox{status="pending"}')).toBe(5);
    expect(sample(stored, 'wa_sessions_webhook_outbox{status="failed"}')).toBe(2);
    expect(sample(stored, 'wa_sessions_webhook_oldest_pending_seconds')).toBeGreaterThanOrEqual(90);
    expect(sample(text, 'wa_sessions_webhook_retries_total')).toBe(4);
    expect(sample(text, 'wa_sessions_webhook_pending{phase="queued"}')).toBe(3);
    expect(sample(text, 'wa_sessions_webhook_pending{phase="in_flight"}')).toBe(1);
    full.webhookStats.delivered = 9;
    expect(sample(await scrape(full), 'wa_sessions_webhook_deliveries_total{result="delivered"}')).toBe(9);
  });

  it('labels request durations with the route pattern and status, never a session id', async () => {
    const full = build();
    full.manager.seed('secret-session-42', { state: 'READY' });
    await request(full.app).get('/sessions/secret-session-42').set('X-Api-Key', KEY).expect(200);
    await request(full.app).get('/sessions/other-session-7/qr').set('X-Api-Key', KEY).expect(404);
    await request(full.app).get('/sessions/secret-session-42').expect(401);
    await request(full.app).get('/nothing/here/99').set('X-Api-Key', KEY).expect(404);
    const text = await scrape(full);
    expect(
      sample(
        text,
        'wa_sessions_http_request_duration_seconds_count{method="GET",route="/sessions/:id",status="200"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'wa_sessions_http_request_duration_seconds_count{method="GET",route="/sessions/:id/qr",status="404"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'wa_sessions_http_request_duration_seconds_count{method="GET",route="unmatched",status="401"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'wa_sessions_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}',
      ),
    ).toBe(1);
    expect(text).not.toMatch(/secret-session-42|other-session-7|nothing\/here/);
  });

  it("includes Node's default process metrics", async () => {
    const text = await scrape(build());
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('createMetrics', () => {
  const deps = () => {
    const logger = createLogger({ level: 'silent' });
    const bus = createEventBus({ logger });
    return {
      bus,
      deps: {
        manager: { list: () => [] },
        bus,
        webhooks: {
          stats: () => ({ delivered: 0, failed: 0, retried: 0, queued: 0, inFlight: 0 }),
        },
        processes: { findOrphans: async () => [] },
        sessionsRoot: '/tmp/sessions',
        logger,
        defaultMetrics: false,
      },
    };
  };

  it("keeps its own registry: two instances don't share counts, and the global registry stays empty", async () => {
    const one = deps();
    const two = deps();
    const a = createMetrics(one.deps);
    const b = createMetrics(two.deps);
    one.bus.publish('session.status', 'x', { state: 'STARTING', previous: null, reason: null });
    expect(sample(await a.registry.metrics(), 'wa_sessions_session_starts_total')).toBe(1);
    expect(sample(await b.registry.metrics(), 'wa_sessions_session_starts_total')).toBe(0);
    expect(await globalRegister.metrics()).not.toContain('wa_sessions_');
    a.close();
    b.close();
  });

  it('leaves no bus listener behind once closed', () => {
    const { bus, deps: d } = deps();
    const metrics = createMetrics(d);
    expect(bus.listenerCount()).toBe(1);
    metrics.close();
    expect(bus.listenerCount()).toBe(0);
  });

  it('still answers a scrape when the process table cannot be read, keeping the last browser count', async () => {
    const { deps: d } = deps();
    let fail = false;
    const metrics = createMetrics({
      ...d,
      processes: {
        findOrphans: async () => {
          if (fail) throw new Error('no /proc');
          return [browser(1), browser(2)];
        },
      },
    });
    expect(sample(await metrics.registry.metrics(), 'wa_sessions_browser_processes')).toBe(2);
    fail = true;
    expect(sample(await metrics.registry.metrics(), 'wa_sessions_browser_processes')).toBe(2);
    metrics.close();
  });
});
