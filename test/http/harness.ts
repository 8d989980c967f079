import type { Router } from 'express';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createFakeManager, type FakeManager } from '../helpers/fake-manager.js';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** Every line the app logged, parsed, plus a way to wait for one without sleeping. */
export interface CapturedLogs {
  readonly lines: LogLine[];
  readonly raw: string[];
  waitFor(predicate: (line: LogLine) => boolean): Promise<LogLine>;
}

const captureLogs = (): { logs: CapturedLogs; write: (chunk: string) => void } => {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const waiters: Array<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  const write = (chunk: string): void => {
    raw.push(chunk);
    const line = JSON.parse(chunk) as LogLine;
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  const waitFor = (predicate: (line: LogLine) => boolean): Promise<LogLine> => {
    const found = lines.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => waiters.push({ predicate, resolve }));
  };
  return { logs: { lines, raw, waitFor }, write };
};

export interface Harness {
  app: ReturnType<typeof createApp>;
  manager: FakeManager;
  logs: CapturedLogs;
  /** Waits for the access-log line of the request with this id. */
  accessLine(reqId: string): Promise<LogLine>;
}

export const buildApp = (
  options: { env?: Record<string, string>; routers?: Router[]; bodyLimit?: string } = {},
): Harness => {
  const manager = createFakeManager();
  const { logs, write } = captureLogs();
  const logger = createLogger({ level: 'debug' }, { write });
  const config = loadConfig({ API_KEY: 'secret-api-key-123', ...options.env });
  const app = createApp({
    manager,
    config,
    logger,
    ...(options.routers ? { routers: options.routers } : {}),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  const accessLine = (reqId: string): Promise<LogLine> =>
    logs.waitFor((line) => line.msg === 'request completed' && line.reqId === reqId);
  return { app, manager, logs, accessLine };
};

export const PROBLEM_TYPE = /^application\/problem\+json; charset=utf-8$/;
