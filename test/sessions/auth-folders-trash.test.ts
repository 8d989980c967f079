import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthFolders } from '../../src/sessions/auth-folders.js';
import { captureLogger, warnings } from '../events/receiver.js';

let base: string;
let dataDir: string;
let victim: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'wa-trash-'));
  dataDir = path.join(base, 'data');
  victim = path.join(base, 'victim');
  await mkdir(dataDir);
  await mkdir(path.join(victim, 'nested'), { recursive: true });
  await writeFile(path.join(victim, 'precious.txt'), 'keep me');
  await writeFile(path.join(victim, 'nested', 'also.txt'), 'keep me too');
  // A name the sweep would take for its own, inside the link target.
  await mkdir(path.join(victim, 'session-x-1700000000000-0123abcd'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const folders = () => {
  const { logger, lines } = captureLogger();
  return { store: createAuthFolders({ dataDir, logger, retryDelaysMs: [] }), lines };
};

describe('the trash sweep', () => {
  it('never follows a `trash` that is a symlink: what it points to is left whole', async () => {
    await symlink(victim, path.join(dataDir, 'trash'));
    const { store, lines } = folders();
    expect(await store.sweepTrash()).toBe(0);
    expect((await readdir(victim)).sort()).toEqual([
      'nested',
      'precious.txt',
      'session-x-1700000000000-0123abcd',
    ]);
    expect(warnings(lines).map((l) => l.msg)).toContain(
      'The trash is not a folder (a symlink?); not sweeping it',
    );
  });

  it('removes only entries named as it names them, and a linked entry as a link, never its target', async () => {
    const trash = path.join(dataDir, 'trash');
    await mkdir(path.join(trash, 'session-s1-1700000000000-deadbeef', 'Default'), { recursive: true });
    await writeFile(path.join(trash, 'notes.txt'), 'not ours');
    await mkdir(path.join(trash, 'backup'));
    await symlink(victim, path.join(trash, 'session-s2-1700000000001-cafebabe'));
    const { store } = folders();
    expect(await store.sweepTrash()).toBe(0);
    expect((await readdir(trash)).sort()).toEqual(['backup', 'notes.txt']);
    expect(existsSync(path.join(victim, 'precious.txt'))).toBe(true);
    expect(existsSync(path.join(victim, 'nested', 'also.txt'))).toBe(true);
  });

  it('does not move a folder into a `trash` that is a symlink', async () => {
    await symlink(victim, path.join(dataDir, 'trash'));
    const { logger } = captureLogger();
    let calls = 0;
    const store = createAuthFolders({
      dataDir,
      logger,
      retryDelaysMs: [],
      ops: {
        rm: async () => {
          calls += 1;
          throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
        },
        rename: (from, to) => rename(from, to),
        mkdir: async (target) => void (await mkdir(target, { recursive: true })),
        readdir: (target) => readdir(target),
        exists: async (target) => existsSync(target),
      },
    });
    await mkdir(store.folderOf('s1'), { recursive: true });
    expect(await store.remove('s1')).toBe('stuck');
    expect(calls).toBe(1);
    expect(existsSync(store.folderOf('s1'))).toBe(true);
    expect((await readdir(victim)).sort()).toEqual([
      'nested',
      'precious.txt',
      'session-x-1700000000000-0123abcd',
    ]);
  });
});
