import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startReceiver } from '../events/receiver.js';
import {
  aliveInGroup,
  browserOf,
  browsersUnder,
  post,
  startToReady,
  waitForSession,
  waitForState,
} from '../helpers/e2e.js';
import { removeDir, startServer } from '../helpers/server-process.js';
import { sandboxEnv, sandboxServer } from './harness.js';

describe('a restart of the server', () => {
  it('brings three READY sessions back READY without a QR, and leaves no process of the first run', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-restart-'));
    context.onTestFinished(() => removeDir(dataDir));
    const ids = ['india', 'juliet', 'kilo'];

    const first = await sandboxServer(context, {}, { dataDir, keepDataDir: true });
    await Promise.all(ids.map((id) => startToReady(first, id)));
    const firstBrowsers = await Promise.all(ids.map((id) => browserOf(first, id)));
    const { code } = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(await browsersUnder(dataDir)).toEqual([]);

    const second = await sandboxServer(context, {}, { dataDir, keepDataDir: true });
    await Promise.all(ids.map((id) => waitForState(second, id, 'READY')));
    const qrTransitions = second.logs.filter((l) => l.msg === 'Session state changed' && l.to === 'QR');
    expect(qrTransitions).toEqual([]);
    const secondBrowsers = await Promise.all(ids.map((id) => browserOf(second, id)));
    const firstPids = new Set(firstBrowsers.map((b) => b.pid));
    expect(secondBrowsers.some((b) => firstPids.has(b.pid))).toBe(false);
  });

  it('begins the restore before it listens, and answers every restored session STARTING from its first request', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-restore-early-'));
    context.onTestFinished(() => removeDir(dataDir));
    const ids = ['mike', 'november', 'oscar'];
    const first = await sandboxServer(context, {}, { dataDir, keepDataDir: true });
    await Promise.all(ids.map((id) => startToReady(first, id)));
    expect((await first.stop('SIGTERM')).code).toBe(0);

    // One browser at a time: the last ones are still waiting for theirs when the first request comes.
    const second = await sandboxServer(context, { LAUNCH_CONCURRENCY: '1' }, { dataDir, keepDataDir: true });
    const response = await second.request('GET', '/sessions');
    expect(response.status).toBe(200);
    const { sessions: listed } = (await response.json()) as {
      sessions: Array<{ id: string; state: string }>;
    };
    expect(listed.map((s) => s.id).sort()).toEqual(ids);
    expect(listed.filter((s) => s.state === 'STARTING').length).toBeGreaterThan(0);
    expect(listed.every((s) => ['STARTING', 'AUTHENTICATED', 'READY'].includes(s.state))).toBe(true);
    const order = second.logs.flatMap((l) =>
      l.msg === 'Startup step' && (l.step === 'restore begun' || l.step === 'listening') ? [l.step] : [],
    );
    expect(order).toEqual(['restore begun', 'listening']);
    await Promise.all(ids.map((id) => waitForState(second, id, 'READY')));
  });

  it('on a port already taken, closes the sessions its restore began before exiting 1: no browser left', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-port-taken-'));
    context.onTestFinished(() => removeDir(dataDir));
    const first = await sandboxServer(context, {}, { dataDir, keepDataDir: true });
    await startToReady(first, 'papa');
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    context.onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const second = await startServer(
      { ...sandboxEnv, PORT: String(port), LOG_LEVEL: 'debug' },
      { dataDir, waitForListening: false },
    );
    context.onTestFinished(() => second.stop('SIGKILL').then(() => undefined));
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stderr.join('')).toMatch(/Cannot listen on 127\.0\.0\.1:\d+ \(PORT, HOST\)/);
    expect(second.logs.some((l) => l.msg === 'Startup step' && l.step === 'restore begun')).toBe(true);
    expect(await browsersUnder(dataDir)).toEqual([]);
  });

  it('after a kill -9 of the server: kills the orphaned browsers, clears their locks and restores the session', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-orphans-'));
    context.onTestFinished(() => removeDir(dataDir));

    const first = await startServer({ ...sandboxEnv }, { dataDir });
    context.onTestFinished(() => first.stop('SIGKILL').then(() => undefined));
    await startToReady(first, 'lima');
    const orphan = await browserOf(first, 'lima');
    // Over a DevTools pipe Chromium quits by itself when the server's end closes; a frozen one
    // (stopped here) cannot, and outlives the server that was killed: that is the orphan to reap.
    process.kill(orphan.pid, 'SIGSTOP');
    await first.stop('SIGKILL');
    expect((await aliveInGroup(orphan.pgid)).length).toBeGreaterThan(0);

    const second = await sandboxServer(context, {}, { dataDir, keepDataDir: true });
    await waitForSession(second, 'lima', (s) => s?.state === 'READY' || s?.state === 'QR');
    expect(await aliveInGroup(orphan.pgid)).toEqual([]);
    expect(second.logs.some((l) => l.msg === 'Killed browsers left by an earlier run')).toBe(true);
  });

  it('keeps a session webhook across a restart: the restored session delivers to it', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-webhook-restart-'));
    context.onTestFinished(() => removeDir(dataDir));
    const hook = await startReceiver();
    context.onTestFinished(() => hook.close());

    // The receiver is on this host: allowed for session webhooks only with this setting.
    const allowLocalHook = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    const first = await sandboxServer(context, allowLocalHook, { dataDir, keepDataDir: true });
    await post(first, '/sessions/oscar', { webhook: { url: hook.url, events: ['message.received'] } }, 201);
    await waitForState(first, 'oscar', 'QR');
    await post(first, '/sessions/oscar/simulator/scan');
    await waitForState(first, 'oscar', 'READY');
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const second = await sandboxServer(context, allowLocalHook, { dataDir, keepDataDir: true });
    const restored = await waitForState(second, 'oscar', 'READY');
    expect(restored).toMatchObject({ webhook: { url: hook.url, events: ['message.received'] } });
    await post(
      second,
      '/sessions/oscar/simulator/messages',
      { from: '4915123456789', body: 'after the restart' },
      201,
    );
    await hook.received(1);
    expect(JSON.parse(hook.requests[0]?.body ?? '{}')).toMatchObject({
      type: 'message.received',
      sessionId: 'oscar',
      payload: { body: 'after the restart' },
    });
  });

  it('keeps a removed session webhook removed across a restart: nothing reaches the old receiver', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-webhook-null-'));
    context.onTestFinished(() => removeDir(dataDir));
    const hook = await startReceiver();
    context.onTestFinished(() => hook.close());

    // The receivers run on this host: the address guard is lifted so that only the removal is tested.
    const allowLocalHook = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    const first = await sandboxServer(context, allowLocalHook, { dataDir, keepDataDir: true });
    await post(first, '/sessions/papa', { webhook: { url: hook.url, events: ['message.received'] } }, 201);
    await waitForState(first, 'papa', 'QR');
    await post(first, '/sessions/papa/simulator/scan');
    await waitForState(first, 'papa', 'READY');
    await post(first, '/sessions/papa/stop');
    expect(await post(first, '/sessions/papa', { webhook: null }, 200)).toMatchObject({ webhook: null });
    await waitForState(first, 'papa', 'READY');
    expect((await first.stop('SIGTERM')).code).toBe(0);

    // A global webhook as the control: once it has the message, the session's would have had it too.
    const control = await startReceiver();
    context.onTestFinished(() => control.close());
    const second = await sandboxServer(
      context,
      { ...allowLocalHook, WEBHOOK_URL: control.url, WEBHOOK_EVENTS: 'message.received' },
      { dataDir, keepDataDir: true },
    );
    expect(await waitForState(second, 'papa', 'READY')).toMatchObject({ webhook: null });
    await post(second, '/sessions/papa/simulator/messages', { from: '4915123456789', body: 'private' }, 201);
    await control.received(1);
    expect(JSON.parse(control.requests[0]?.body ?? '{}')).toMatchObject({ payload: { body: 'private' } });
    expect(hook.requests).toEqual([]);
  });
});
