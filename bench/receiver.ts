import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a receiver saw of one delivery: when it arrived (epoch ms) and the event's id and payload id. */
export interface Arrival {
  at: number;
  eventId: string;
  payloadId: string | null;
}

export interface Receiver {
  url: string;
  arrivals: Arrival[];
  /** Resolves with the arrival time of the delivery matching `match`, bounded. */
  arrivalOf(match: (a: Arrival) => boolean, timeoutMs: number): Promise<number>;
  /** Resolves once `count` deliveries have arrived, bounded; returns when the last came. */
  count(count: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that answers 204 at once and notes each arrival. */
export const startReceiver = async (): Promise<Receiver> => {
  const arrivals: Arrival[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      let eventId = '';
      let payloadId: string | null = null;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          id?: unknown;
          payload?: { id?: unknown };
        };
        eventId = String(body.id ?? '');
        payloadId = typeof body.payload?.id === 'string' ? body.payload.id : null;
      } catch {
        // Not JSON: counted, with no ids.
      }
      arrivals.push({ at, eventId, payloadId });
      res.writeHead(204).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const until = <T>(found: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what}: not within ${timeoutMs} ms (${arrivals.length} arrived)`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    arrivalOf: (match, timeoutMs) => until(() => arrivals.find(match)?.at, timeoutMs, 'webhook delivery'),
    count: (n, timeoutMs) => until(() => arrivals[n - 1]?.at, timeoutMs, `${n} webhook deliveries`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
