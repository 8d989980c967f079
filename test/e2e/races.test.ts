import { describe, expect, it } from 'vitest';
import { browsersUnder, getSession, sessionFolder, waitUntil } from '../helpers/e2e.js';
import { sandboxServer } from './harness.js';

describe('races with a real browser', () => {
  it('DELETE right after POST, while Chromium is still launching, leaves no browser behind', async (context) => {
    const server = await sandboxServer(context);
    for (const id of ['quebec', 'romeo', 'sierra']) {
      expect((await server.request('POST', `/sessions/${id}`)).status).toBe(201);
      expect((await server.request('DELETE', `/sessions/${id}`)).status).toBe(204);
      expect(await getSession(server, id)).toBeNull();
      // 204 means the browser is gone, not that it will be.
      expect(await browsersUnder(sessionFolder(server, id))).toEqual([]);
    }
    await waitUntil(
      'no browser of the deleted sessions is alive',
      async () => (await browsersUnder(server.dataDir)).length === 0,
    );
  });

  it('20 concurrent POST and DELETE on one id end consistent: at most one browser, none after a final DELETE', async (context) => {
    const server = await sandboxServer(context);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.request(i % 2 === 0 ? 'POST' : 'DELETE', '/sessions/tango').then((res) => res.status),
      ),
    );
    expect(answers.every((status) => [200, 201, 204, 404, 409].includes(status))).toBe(true);
    const session = await getSession(server, 'tango');
    const browsers = await browsersUnder(server.dataDir);
    const mainProcesses = browsers.filter((p) => p.pid === p.pgid);
    expect(mainProcesses.length).toBeLessThanOrEqual(session === null ? 0 : 1);

    if (session !== null) expect((await server.request('DELETE', '/sessions/tango')).status).toBe(204);
    await waitUntil('no browser is alive', async () => (await browsersUnder(server.dataDir)).length === 0);
  });
});
