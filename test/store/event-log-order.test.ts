import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/connect.js';
import { createEventLog } from '../../src/store/event-log.js';

const event = (run: string, seq: number) => {
  const id = `evt_${run}_${String(seq).padStart(8, '0')}`;
  return { id, run, seq, type: 'session.status', session_id: 's1', created_at: 0, body: id };
};

describe('the event log replay', () => {
  it('resumes after an id in the order events were written, so an instance with an older run is not skipped', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-log-'));
    context.onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    const connection = await openStore({ dataDir, logger: pino({ level: 'silent' }), connectRetryMs: 0 });
    context.onTestFinished(() => connection.close());
    // Two instances of a cluster: "mb1" started later than "ma9", whose next event is written after.
    await connection.db
      .insertInto('wa_events')
      .values([event('mb1', 1), event('ma9', 5), event('mb1', 2)])
      .execute();
    const log = createEventLog({ db: connection.db });

    expect(await log.eventsAfter('evt_mb1_00000001', 10)).toEqual(['evt_ma9_00000005', 'evt_mb1_00000002']);
    // An id no longer in the log (pruned): by run and sequence, as before.
    expect(await log.eventsAfter('evt_mb1_00000000', 10)).toEqual(['evt_mb1_00000001', 'evt_mb1_00000002']);
  });
});
