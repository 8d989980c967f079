import type { BenchServer } from './bench-server.js';
import { bounded } from './wait.js';

/** One HTTP call that must answer `expected`; returns the parsed body (or null when empty). */
export const call = async (
  bench: BenchServer,
  method: string,
  urlPath: string,
  expected: number,
  body?: unknown,
): Promise<unknown> => {
  const res = await bench.server.request(method, urlPath, body);
  const text = await res.text();
  if (res.status !== expected) {
    throw new Error(`${method} ${urlPath}: ${res.status} (expected ${expected}) ${text.slice(0, 300)}`);
  }
  return text === '' ? null : (JSON.parse(text) as unknown);
};

export interface Timeouts {
  qrMs: number;
  readyMs: number;
}

export const quickTimeouts: Timeouts = { qrMs: 60_000, readyMs: 60_000 };

/** POST → QR → scan → READY; returns the two durations (ms, from the server's log timestamps). */
export const startToReady = async (
  bench: BenchServer,
  id: string,
  timeouts: Timeouts = quickTimeouts,
): Promise<{ qrMs: number; readyMs: number }> => {
  const t0 = Date.now();
  await call(bench, 'POST', `/sessions/${id}`, 201);
  const qrAt = await bench.stateAt(id, 'QR', timeouts.qrMs);
  const t1 = Date.now();
  await call(bench, 'POST', `/sessions/${id}/simulator/scan`, 200);
  const readyAt = await bench.stateAt(id, 'READY', timeouts.readyMs);
  return { qrMs: qrAt - t0, readyMs: readyAt - t1 };
};

/** Is the session still in the server's Map? */
export const exists = async (bench: BenchServer, id: string): Promise<boolean> => {
  const res = await bench.server.request('GET', `/sessions/${id}`);
  await res.body?.cancel();
  if (res.status !== 200 && res.status !== 404) throw new Error(`GET /sessions/${id}: ${res.status}`);
  return res.status === 200;
};

/** A request whose answer does not matter to the figure, only that it settled (bounded). */
export const settle = async (work: Promise<Response>, ms: number): Promise<string> => {
  try {
    const res = await bounded(work, ms, 'request');
    await res.body?.cancel();
    return String(res.status);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
};
