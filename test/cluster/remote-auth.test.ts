import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import wwebjs from 'whatsapp-web.js';
import { CorruptArchiveError, MissingArchiveError } from '../../src/cluster/auth-archives.js';
import { ArchivedAuth } from '../../src/cluster/remote-auth.js';
import type { AuthArchives } from '../../src/cluster/types.js';
import { createLogger } from '../../src/logger.js';
import { removeDir } from '../helpers/server-process.js';
// The same tripwire the e2e LOGOUT test loads into the server: proven here to catch the library.
import '../e2e/fixtures/trace-library-rm.mjs';

/**
 * AuthArchives in memory, each method able to fail: the strategy's error paths. The PostgreSQL
 * store itself is tested in test/store/auth-archives.test.ts.
 */
const memoryArchives = () => {
  const stored = new Map<string, Buffer>();
  const fail: Partial<Record<keyof AuthArchives, Error>> = {};
  const check = (method: keyof AuthArchives) => {
    const err = fail[method];
    if (err) throw err;
  };
  const archives: AuthArchives = {
    async exists(id) {
      check('exists');
      return stored.has(id);
    },
    async save(id, file) {
      check('save');
      stored.set(id, await readFile(file));
    },
    async extract(id, file) {
      check('extract');
      const data = stored.get(id);
      if (!data) throw new MissingArchiveError(id);
      await writeFile(file, data);
    },
    async remove(id) {
      check('remove');
      stored.delete(id);
    },
  };
  return { archives, stored, fail };
};

let root: string;
let lines: Array<Record<string, unknown>>;
let tripped: string[];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'wa-sessions-remote-auth-'));
  lines = [];
  tripped = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    if (!text.includes('whatsapp-web.js removed a folder')) return write(chunk);
    tripped.push(text);
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  await removeDir(root);
});

const logger = () =>
  createLogger(
    { level: 'debug' },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );

const authRoot = () => path.join(root, 'sessions');
const profileOf = (id: string) => path.join(authRoot(), `session-${id}`);

const newAuth = (archives: AuthArchives, id = 'alpha') => {
  const auth = new ArchivedAuth({
    sessionId: id,
    authRoot: authRoot(),
    stagingRoot: path.join(root, 'auth-staging'),
    archives,
    backupIntervalMs: 60_000,
    logger: logger(),
    ioTimeoutMs: 2000,
  });
  auth.client = { options: { puppeteer: {} } };
  return auth;
};

/** What Chromium writes: the link in IndexedDB, under Default. */
const writeProfile = async (id: string, content = 'the link') => {
  const dir = path.join(profileOf(id), 'Default', 'IndexedDB');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, '000003.log'), content);
};

const linkedArchive = async (id = 'alpha') => {
  const memory = memoryArchives();
  await writeProfile(id);
  const auth = newAuth(memory.archives, id);
  await auth.beforeBrowserInitialized();
  await auth.afterAuthReady();
  await auth.destroy();
  await removeDir(profileOf(id));
  return memory;
};

/** A real zip of the given files, made with archiver (the library's own zip writer). */
const zipOf = async (files: Record<string, string>): Promise<Buffer> => {
  const archiver = createRequire(import.meta.url)('archiver') as (format: 'zip') => ZipWriter;
  const archive = archiver('zip');
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) archive.append(content, { name });
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
};

interface ZipWriter {
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'end', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  append(content: string, options: { name: string }): void;
  finalize(): Promise<void>;
}

const logged = (msg: string) => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(msg));

describe('the archived auth strategy (cluster mode)', () => {
  it('saves at READY at once (no 60 s wait), and a fresh folder restored from it holds the profile', async () => {
    const memory = await linkedArchive();
    expect(memory.stored.get('alpha')?.subarray(0, 2).toString()).toBe('PK');
    expect(logged('Auth archive saved')[0]).toMatchObject({ why: 'ready' });

    const auth = newAuth(memory.archives);
    await auth.beforeBrowserInitialized();
    expect(await readFile(path.join(profileOf('alpha'), 'Default', 'IndexedDB', '000003.log'), 'utf8')).toBe(
      'the link',
    );
    expect(auth.client.options.puppeteer?.userDataDir).toBe(profileOf('alpha'));
    // No zip nor staging copy left.
    expect(await readdir(path.join(root, 'auth-staging'))).toEqual([]);
  });

  it('saves nothing before READY: a hand-over of a session never linked keeps the stored archive', async () => {
    const memory = memoryArchives();
    await writeProfile('alpha');
    const auth = newAuth(memory.archives);
    await auth.beforeBrowserInitialized();
    await auth.backup('hand-over');
    expect(memory.stored.has('alpha')).toBe(false);
  });

  it('saves again every interval; a failing save is logged, rejects only for the caller who asked, and later saves go on', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const memory = memoryArchives();
    await writeProfile('alpha');
    const auth = newAuth(memory.archives);
    await auth.beforeBrowserInitialized();
    memory.fail.save = new Error('connection terminated');
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      await auth.afterAuthReady();
      expect(logged('Could not save the auth archive')).toHaveLength(1);
      await expect(auth.backup('hand-over')).rejects.toThrow('connection terminated');

      delete memory.fail.save;
      await writeProfile('alpha', 'newer link');
      vi.advanceTimersByTime(60_000);
      await vi.waitFor(() => expect(memory.stored.has('alpha')).toBe(true));
      expect(logged('Auth archive saved').at(-1)).toMatchObject({ why: 'interval' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await auth.destroy();
    }
  });

  it('on LOGOUT: removes the archive, keeps the folder, saves nothing more, and leaves the folder alone when the library re-initialises', async () => {
    const memory = await linkedArchive();
    const auth = newAuth(memory.archives);
    await auth.beforeBrowserInitialized();
    await auth.afterAuthReady();
    await auth.logout();
    expect(memory.stored.has('alpha')).toBe(false);
    // What the library does after a LOGOUT, with the browser still running.
    await auth.beforeBrowserInitialized();
    await auth.disconnect();
    expect(existsSync(path.join(profileOf('alpha'), 'Default', 'IndexedDB', '000003.log'))).toBe(true);
    await auth.backup('hand-over');
    expect(memory.stored.has('alpha')).toBe(false);
    expect(tripped).toEqual([]);
  });

  it('a LOGOUT whose archive cannot be removed does not throw (it runs inside a library listener)', async () => {
    const memory = await linkedArchive();
    const auth = newAuth(memory.archives);
    await auth.beforeBrowserInitialized();
    memory.fail.remove = new Error('database gone');
    await expect(auth.logout()).resolves.toBeUndefined();
    expect(logged('Could not remove the stored auth archive after the logout')).toHaveLength(1);
  });

  it('the stock RemoteAuth removes the folder on disconnect, and the tripwire sees it', async () => {
    const memory = memoryArchives();
    await writeProfile('alpha');
    const stock = new wwebjs.RemoteAuth({
      clientId: 'alpha',
      dataPath: authRoot(),
      backupSyncIntervalMs: 60_000,
      store: {
        sessionExists: () => memory.archives.exists('alpha'),
        save: () => undefined,
        extract: () => undefined,
        delete: () => undefined,
      },
    });
    Object.assign(stock, { userDataDir: profileOf('alpha') });
    await stock.disconnect();
    expect(existsSync(profileOf('alpha'))).toBe(false);
    expect(tripped).toHaveLength(1);
  });

  it.each([
    [
      'a zip cut short',
      async (zip: Buffer) => zip.subarray(0, Math.floor(zip.length / 2)),
      /not a readable zip/,
    ],
    ['bytes that are no zip', async () => Buffer.from('garbage, not a zip at all'), /not a readable zip/],
  ])(
    '%s: logged with the reason, removed, and the session starts on an empty profile (QR)',
    async (_name, spoil, reason) => {
      const memory = await linkedArchive();
      memory.stored.set('alpha', await spoil(memory.stored.get('alpha') ?? Buffer.alloc(0)));
      await writeProfile('alpha', 'a stale local copy');
      const auth = newAuth(memory.archives);
      await auth.beforeBrowserInitialized();
      expect(logged('Stored auth archive of session alpha cannot be used')[0]?.reason).toMatch(reason);
      expect(memory.stored.has('alpha')).toBe(false);
      expect(await readdir(profileOf('alpha'))).toEqual([]);
      expect(await readdir(path.join(root, 'auth-staging'))).toEqual([]);
    },
  );

  it('an archive that holds no profile is corrupt too', async () => {
    const memory = await linkedArchive();
    memory.stored.set('alpha', await zipOf({ 'notes.txt': 'not a Chromium profile' }));
    await newAuth(memory.archives).beforeBrowserInitialized();
    expect(logged('Stored auth archive of session alpha cannot be used')[0]?.reason).toMatch(
      /no Chromium profile/,
    );
    expect(memory.stored.has('alpha')).toBe(false);
  });

  it('a checksum mismatch reported by the store is treated as corrupt', async () => {
    const memory = await linkedArchive();
    memory.fail.extract = new CorruptArchiveError('alpha', 'its sha256 does not match the one saved with it');
    await newAuth(memory.archives).beforeBrowserInitialized();
    expect(memory.stored.has('alpha')).toBe(false);
    expect(logged('Stored auth archive of session alpha cannot be used')[0]?.reason).toMatch(/sha256/);
  });

  it('a database that cannot be read fails the start with the reason and keeps the archive (no QR over a good link)', async () => {
    const memory = await linkedArchive();
    memory.fail.exists = new Error('ECONNREFUSED');
    await expect(newAuth(memory.archives).beforeBrowserInitialized()).rejects.toThrow(
      'Could not read the stored auth archive: ECONNREFUSED',
    );
    delete memory.fail.exists;
    memory.fail.extract = new Error('read timeout');
    await expect(newAuth(memory.archives).beforeBrowserInitialized()).rejects.toThrow(/read timeout/);
    expect(memory.stored.has('alpha')).toBe(true);
    expect(await readdir(path.join(root, 'auth-staging'))).toEqual([]);
  });

  it('without a stored archive keeps the local folder (a LocalAuth instance switching to cluster mode keeps its links)', async () => {
    const memory = memoryArchives();
    await writeProfile('alpha', 'local link');
    await newAuth(memory.archives).beforeBrowserInitialized();
    expect(await readFile(path.join(profileOf('alpha'), 'Default', 'IndexedDB', '000003.log'), 'utf8')).toBe(
      'local link',
    );
  });
});
