import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_FILE, apiKeyFingerprint, apiKeyStrength, resolveApiKey } from '../../src/api-key.js';
import { ConfigError } from '../../src/config.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'wa-api-key-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const printed = () => {
  const chunks: string[] = [];
  return { chunks, write: (text: string) => void chunks.push(text) };
};

describe('resolveApiKey', () => {
  it('uses API_KEY when set, writes no file and prints nothing', async () => {
    const out = printed();
    const resolved = await resolveApiKey({ configured: 'from-env', dataDir, write: out.write });
    expect(resolved).toEqual({ key: 'from-env', generated: false, source: 'env' });
    expect(out.chunks).toEqual([]);
    await expect(stat(path.join(dataDir, API_KEY_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('generates a 32-byte base64url key, stores it with mode 0600 and prints its file and fingerprint, never the key', async () => {
    const out = printed();
    const resolved = await resolveApiKey({ configured: undefined, dataDir, write: out.write });
    expect(resolved.generated).toBe(true);
    expect(resolved.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(resolved.key, 'base64url')).toHaveLength(32);
    const file = path.join(dataDir, API_KEY_FILE);
    expect((await readFile(file, 'utf8')).trim()).toBe(resolved.key);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(out.chunks).toHaveLength(1);
    expect(out.chunks[0]).not.toContain(resolved.key);
    expect(out.chunks[0]).toContain(file);
    expect(out.chunks[0]).toContain(apiKeyFingerprint(resolved.key));
    const digest = createHash('sha256').update(resolved.key).digest('hex');
    expect(apiKeyFingerprint(resolved.key)).toBe(`sha256:${digest.slice(0, 16)}`);
  });

  it('reuses the stored key on later starts and prints nothing', async () => {
    const first = await resolveApiKey({ configured: undefined, dataDir, write: () => undefined });
    const out = printed();
    const again = await resolveApiKey({ configured: undefined, dataDir, write: out.write });
    expect(again).toEqual({ key: first.key, generated: false, source: 'file' });
    expect(out.chunks).toEqual([]);
  });

  it('gives every start its own key only once: concurrent first starts agree on one key', async () => {
    const outs = [printed(), printed(), printed()];
    const keys = await Promise.all(
      outs.map((out) => resolveApiKey({ configured: undefined, dataDir, write: out.write })),
    );
    expect(new Set(keys.map((k) => k.key)).size).toBe(1);
    expect(outs.flatMap((o) => o.chunks)).toHaveLength(1);
  });

  it('tightens a stored key file readable by others to 0600', async () => {
    const file = path.join(dataDir, API_KEY_FILE);
    await writeFile(file, 'copied-key\n');
    await chmod(file, 0o644);
    const resolved = await resolveApiKey({ configured: undefined, dataDir, write: () => undefined });
    expect(resolved.key).toBe('copied-key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses an empty key file with a ConfigError naming it, instead of running with an empty key', async () => {
    await writeFile(path.join(dataDir, API_KEY_FILE), '\n');
    await expect(resolveApiKey({ configured: undefined, dataDir, write: () => undefined })).rejects.toThrow(
      ConfigError,
    );
  });

  it('creates DATA_DIR when it does not exist yet', async () => {
    const nested = path.join(dataDir, 'a', 'b');
    const resolved = await resolveApiKey({ configured: undefined, dataDir: nested, write: () => undefined });
    expect((await readFile(path.join(nested, API_KEY_FILE), 'utf8')).trim()).toBe(resolved.key);
  });
});

describe('apiKeyStrength', () => {
  const long = 'k'.repeat(32);
  it.for([
    [long, '0.0.0.0', 'ok'],
    [long, '127.0.0.1', 'ok'],
    ['short-key', '0.0.0.0', 'refused'],
    ['short-key', '::', 'refused'],
    ['short-key', '192.168.1.5', 'refused'],
    ['k'.repeat(31), '0.0.0.0', 'refused'],
    ['short-key', '127.0.0.1', 'weak'],
    ['short-key', '::1', 'weak'],
    ['short-key', 'localhost', 'weak'],
  ] as const)('%s on %s: %s', ([key, host, verdict]) => {
    const result = apiKeyStrength(key, host);
    expect(result.verdict).toBe(verdict);
    if (result.verdict !== 'ok') expect(result.message).not.toContain(key);
  });
});
