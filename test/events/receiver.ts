import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../src/logger.js';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1. `answer(n)` decides the reply to the n-th request (0-based):
 * a status, or 'hang' to never answer (the connection is destroyed on close()).
 */
export const startReceiver = async (answer: (n: number) => number | 'hang' = () => 200, port = 0) => {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const n = requests.length;
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const w of waiters.filter((w) => requests.length >= w.count)) w.resolve();
      const reply = answer(n);
      if (reply === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(reply, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    requests,
    /** Resolves once `count` requests have arrived. */
    received: (count: number) =>
      new Promise<void>((resolve) => {
        if (requests.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines land in an array, to assert on warnings. */
export const captureLogger = (): { logger: Logger; lines: LogLine[] } => {
  const lines: LogLine[] = [];
  // A plain { write } object: pino calls it synchronously, so a line is there as soon as it is logged.
  const destination = { write: (line: string) => lines.push(JSON.parse(line) as LogLine) };
  return { logger: createLogger({ level: 'debug' }, destination), lines };
};

export const warnings = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.level === 40);
