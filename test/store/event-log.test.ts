import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareEventIds, parseEventId } from '../../src/events/event-id.js';
import { sandboxServer } from '../e2e/harness.js';
import { connectSse } from '../events/sse-client.js';
import { startToQr, waitForState } from '../helpers/e2e.js';
import { removeDir, TEST_API_KEY } from '../helpers/server-process.js';
import { backends, useBackend } from './backends.js';

interface Seen {
  id: string;
  type: string;
  state?: string;
}

const sorted = (ids: string[]): boolean =>
  ids.every((id, i) => {
    const prev = ids[i - 1];
    if (prev === undefined) return true;
    const a = parseEventId(prev);
    const b = parseEventId(id);
    return a !== null && b !== null && compareEventIds(a, b) < 0;
  });

describe.each(backends)('the event log on %s', (backend) => {
  const store = useBackend(backend);

  it('Last-Event-ID resumes across a restart, and event ids keep increasing', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-sse-'));
    context.onTestFinished(() => removeDir(dataDir));
    const env = await store.env();
    const headers = { 'x-api-key': TEST_API_KEY };

    const first = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    const live = await connectSse(`${first.baseUrl}/events`, headers);
    context.onTestFinished(() => live.close());
    await startToQr(first, 'xray');
    const seen: Seen[] = [];
    while (!seen.some((e) => e.type === 'session.qr')) {
      const frame = await live.nextEvent();
      seen.push({ id: frame.id ?? '', type: frame.event ?? '' });
    }
    const [resumeFrom, ...missedBefore] = seen;
    if (resumeFrom === undefined) throw new Error('no event');
    live.close();
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const second = await sandboxServer(context, env, { dataDir, keepDataDir: true });
    await waitForState(second, 'xray', 'QR');
    const resumed = await connectSse(`${second.baseUrl}/events`, {
      ...headers,
      'Last-Event-ID': resumeFrom.id,
    });
    context.onTestFinished(() => resumed.close());
    const replay: Seen[] = [];
    // Until the restored session's QR of the second run: everything after the id, across both runs.
    while (replay.filter((e) => e.type === 'session.qr').length < 2) {
      const frame = await resumed.nextEvent();
      const data = JSON.parse(frame.data ?? '{}') as { payload?: { state?: string } };
      replay.push({
        id: frame.id ?? '',
        type: frame.event ?? '',
        ...(data.payload?.state ? { state: data.payload.state } : {}),
      });
    }
    const ids = replay.map((e) => e.id);
    // What the first client missed comes first, in order, then the shutdown, then the second run.
    expect(ids.slice(0, missedBefore.length)).toEqual(missedBefore.map((e) => e.id));
    expect(ids).not.toContain(resumeFrom.id);
    expect(replay.some((e) => e.type === 'session.status' && e.state === 'CLOSING')).toBe(true);
    expect(sorted([resumeFrom.id, ...ids])).toBe(true);
    const runs = new Set(ids.map((id) => parseEventId(id)?.run));
    expect(runs.size).toBe(2);
  });
});
