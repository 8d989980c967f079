import { createEventBus } from '../src/events/bus.js';
import { createWebhookDispatcher } from '../src/events/webhook-dispatcher.js';
import { createLogger } from '../src/logger.js';
import type { OutboxStore } from '../src/store/outbox.js';
import { openTestStore } from '../test/helpers/test-store.js';
import { startBenchServer } from './bench-server.js';
import { progress } from './progress.js';
import { startReceiver } from './receiver.js';
import type { Section } from './report.js';
import { call, startToReady } from './sessions.js';
import { fmtSummary, summarize } from './stats.js';
import { sleep } from './wait.js';

const SECRET = `whsec_${Buffer.from('bench-secret-0123456789abcdef012').toString('base64')}`;
const LATENCY_SAMPLES = 20;

/**
 * The dispatcher as main.ts wires it (its own defaults, the outbox in `outbox`), a real bus, K events
 * published at once; deliveries per second until the receiver has them all.
 */
export const throughputRound = async (events: number, outbox?: OutboxStore): Promise<number> => {
  const own = outbox === undefined ? await openTestStore() : null;
  const receiver = await startReceiver();
  const bus = createEventBus({ logger: createLogger({ level: 'silent' }) });
  const dispatcher = createWebhookDispatcher({
    bus,
    logger: createLogger({ level: 'silent' }),
    config: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, WEBHOOK_EVENTS: ['*'] },
    getSessionWebhook: () => null,
    outbox: outbox ?? (own as NonNullable<typeof own>).outbox,
  });
  try {
    const t0 = Date.now();
    for (let i = 0; i < events; i++) {
      bus.publish('message.received', 'bench', {
        id: `false_4915123456789@c.us_${i}`,
        from: '4915123456789@c.us',
        to: '4915000000000@c.us',
        body: `message ${i}`,
        type: 'chat',
        timestamp: Math.floor(t0 / 1000),
        fromMe: false,
        hasMedia: false,
        media: null,
      });
    }
    const last = await receiver.count(events, 120_000);
    return (events * 1000) / Math.max(1, last - t0);
  } finally {
    await dispatcher.close();
    await receiver.close();
    await own?.close();
  }
};

/** Incoming simulator message → webhook at a receiver, through the real server; ms each. */
export const latencySamples = async (
  count: number,
  env: Record<string, string> = {},
): Promise<{ samples: number[]; rejections: number }> => {
  const receiver = await startReceiver();
  const bench = await startBenchServer({
    ...env,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_EVENTS: 'message.received',
  });
  try {
    await startToReady(bench, 'hook');
    // The simulator refuses messages (409) until the library listens for them: wait for that once.
    for (let attempt = 0; ; attempt++) {
      const res = await bench.server.request('POST', '/sessions/hook/simulator/messages', {
        from: '4915123456789',
        body: 'warm-up',
      });
      await res.body?.cancel();
      if (res.status === 201) break;
      if (attempt >= 100) throw new Error(`simulator messages: ${res.status}`);
      await sleep(50);
    }
    await receiver.count(1, 10_000);
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = Date.now();
      const { id } = (await call(bench, 'POST', '/sessions/hook/simulator/messages', 201, {
        from: '4915123456789',
        body: `latency ${i}`,
      })) as { id: string };
      const at = await receiver.arrivalOf((a) => a.payloadId === id, 10_000);
      samples.push(at - t0);
    }
    return { samples, rejections: bench.unhandledRejections() };
  } finally {
    await bench.close();
    await receiver.close();
  }
};

export const runWebhooks = async (runs: number, events: number): Promise<Section[]> => {
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    progress(`webhooks: throughput run ${r + 1}/${runs} (${events} events)`);
    rates.push(await throughputRound(events));
  }
  const count = Math.max(LATENCY_SAMPLES, runs);
  progress(`webhooks: latency, ${count} messages`);
  const latency = await latencySamples(count);
  return [
    {
      title: 'Webhooks',
      header: ['Figure', 'median (min–max)', 'samples'],
      rows: [
        [
          `deliveries per second (${events} events published at once)`,
          fmtSummary(summarize(rates)),
          String(runs),
        ],
        [
          'incoming message → webhook received, ms',
          fmtSummary(summarize(latency.samples)),
          String(latency.samples.length),
        ],
      ],
      notes: [
        'Throughput: createWebhookDispatcher with its defaults (2 deliveries in flight per receiver, signed ' +
          'with a WEBHOOK_SECRET) on a real event bus and its durable outbox in SQLite (as main wires it by ' +
          'default; see the store section for PostgreSQL), in the bench’s process, to a node:http receiver on ' +
          '127.0.0.1 that answers 204 at once; timed from the first publish to the last arrival.',
        'Latency: the real server with WEBHOOK_URL (signed, WEBHOOK_EVENTS=message.received), one READY session; ' +
          'from just before POST /sessions/:id/simulator/messages to the receiver reading the delivery whose ' +
          `payload.id is the message’s; one message at a time. Unhandled rejections: ${latency.rejections}.`,
      ],
    },
  ];
};
