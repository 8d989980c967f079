import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxServer } from '../e2e/harness.js';
import { startReceiver } from '../events/receiver.js';
import { browsersUnder, getSession, post, startToReady, waitForState } from '../helpers/e2e.js';
import { removeDir } from '../helpers/server-process.js';
import { backends, useBackend } from './backends.js';

describe.each(backends)('the sessions registry on %s', (backend) => {
  const store = useBackend(backend);

  it('keeps a stopped session stopped across a restart, and starts it again without a new scan', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-stopped-'));
    context.onTestFinished(() => removeDir(dataDir));
    // The receivers run on this host: the session webhook address guard is lifted.
    const env = { ...(await store.env()), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };

    const first = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    await startToReady(first, 'romeo');
    await startToReady(first, 'sierra');
    expect(await post(first, '/sessions/romeo/stop')).toMatchObject({ state: 'STOPPED' });
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const second = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    await waitForState(second, 'sierra', 'READY');
    expect(await getSession(second, 'romeo')).toMatchObject({ state: 'STOPPED', reason: 'STOPPED' });
    // Only sierra's browser runs: the stopped session got none.
    const browsers = await browsersUnder(dataDir);
    expect(browsers.some((b) => b.cmdline.includes('session-romeo'))).toBe(false);
    expect(browsers.some((b) => b.cmdline.includes('session-sierra'))).toBe(true);

    expect(await post(second, '/sessions/romeo', undefined, 200)).toMatchObject({ state: 'STARTING' });
    await waitForState(second, 'romeo', 'READY');
    const qrTransitions = second.logs.filter((l) => l.msg === 'Session state changed' && l.to === 'QR');
    expect(qrTransitions).toEqual([]);
  });

  it('keeps {"webhook": null} across a restart: the removed receiver gets nothing more', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-null-hook-'));
    context.onTestFinished(() => removeDir(dataDir));
    // The receivers run on this host: the session webhook address guard is lifted.
    const env = { ...(await store.env()), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    const removed = await startReceiver();
    context.onTestFinished(() => removed.close());
    const control = await startReceiver();
    context.onTestFinished(() => control.close());

    const first = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    await post(
      first,
      '/sessions/tango',
      { webhook: { url: removed.url, events: ['message.received'] } },
      201,
    );
    await waitForState(first, 'tango', 'QR');
    await post(first, '/sessions/tango/simulator/scan');
    await waitForState(first, 'tango', 'READY');
    await post(first, '/sessions/tango/stop');
    expect(await post(first, '/sessions/tango', { webhook: null }, 200)).toMatchObject({ webhook: null });
    await waitForState(first, 'tango', 'READY');
    expect((await first.stop('SIGTERM')).code).toBe(0);

    // The global webhook is the control: once it has the message, the session's would have had it.
    const second = await sandboxServer(
      context,
      { ...env, WEBHOOK_URL: control.url, WEBHOOK_EVENTS: 'message.received' },
      { dataDir, keepDataDir: true },
    );
    expect(await waitForState(second, 'tango', 'READY')).toMatchObject({ webhook: null });
    await post(second, '/sessions/tango/simulator/messages', { from: '4915123456789', body: 'private' }, 201);
    await control.received(1);
    expect(JSON.parse(control.requests[0]?.body ?? '{}')).toMatchObject({ payload: { body: 'private' } });
    expect(removed.requests).toEqual([]);
  });

  it('upgrades an old DATA_DIR: each folder and its wa-sessions.json are imported once, then the file is gone', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-upgrade-'));
    context.onTestFinished(() => removeDir(dataDir));
    // The receivers run on this host: the session webhook address guard is lifted.
    const env = { ...(await store.env()), WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    const hook = 'http://127.0.0.1:9/hook';
    // As the previous version left them: one folder per session, the webhook beside the profile.
    for (const id of ['uniform', 'victor'])
      await mkdir(path.join(dataDir, 'sessions', `session-${id}`), { recursive: true });
    const meta = path.join(dataDir, 'sessions', 'session-uniform', 'wa-sessions.json');
    await writeFile(meta, JSON.stringify({ webhook: { url: hook, events: ['message.received'] } }));

    const first = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    // Empty profiles: restored, but not linked, so they wait for a scan.
    expect(await waitForState(first, 'uniform', 'QR')).toMatchObject({
      webhook: { url: hook, events: ['message.received'] },
    });
    expect(await waitForState(first, 'victor', 'QR')).toMatchObject({ webhook: null });
    expect(first.logs.some((l) => l.msg === 'Imported 2 session folder(s) into the sessions registry')).toBe(
      true,
    );
    expect(existsSync(meta)).toBe(false);
    const deleted = await first.request('DELETE', '/sessions/victor');
    expect(deleted.status).toBe(204);
    expect((await first.stop('SIGTERM')).code).toBe(0);

    // Imported once: a deleted session does not come back, the other keeps its webhook from the store.
    const second = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    expect(await waitForState(second, 'uniform', 'QR')).toMatchObject({ webhook: { url: hook } });
    expect(await getSession(second, 'victor')).toBeNull();
    expect(second.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('Imported'))).toBe(false);
  });
});
