import { expect, type TestContext } from 'vitest';
import { startToReady } from '../helpers/e2e.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';

/** A sandbox server with one READY session `id` (QR → the phone scans as 15550000001). */
export const readySandbox = async (
  context: TestContext,
  id: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> => {
  const server = await sandboxServer(context, env);
  await startToReady(server, id);
  return server;
};

/** One request, its status checked (with the body in the message when it is not the expected one). */
export const call = async (
  server: ServerProcess,
  method: string,
  urlPath: string,
  expected: number,
  body?: unknown,
): Promise<unknown> => {
  const res = await server.request(method, urlPath, body);
  const text = await res.text();
  expect(res.status, `${method} ${urlPath}: ${text}`).toBe(expected);
  if (expected >= 400) expect(res.headers.get('content-type')).toContain('application/problem+json');
  return text === '' ? {} : (JSON.parse(text) as unknown);
};
