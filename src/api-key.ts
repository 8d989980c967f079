import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './config.js';

export const API_KEY_FILE = 'api-key';

export interface ResolvedApiKey {
  key: string;
  /** True only on the start that created DATA_DIR/api-key (and printed it). */
  generated: boolean;
  source: 'env' | 'file';
}

export interface ResolveApiKeyInput {
  /** API_KEY from the config, undefined when unset. */
  configured: string | undefined;
  dataDir: string;
  /** Where the newly generated key is shown, once: stderr in main. Never the logger. */
  write: (text: string) => void;
}

const isErrno = (err: unknown, code: string): boolean =>
  typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;

/** Shorter keys are refused unless the server listens on loopback only (then a warning). */
export const MIN_API_KEY_LENGTH = 32;

/**
 * Names a key without giving it away: the first 16 hex digits of its SHA-256, enough to tell which
 * key a client holds (`printf %s "$KEY" | sha256sum`), of no use to whoever reads a log.
 */
export const apiKeyFingerprint = (key: string): string =>
  `sha256:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16)}`;

/**
 * The generated key is not printed: stderr is kept by `docker logs` and log collectors for as long
 * as they like. The file it is in and its fingerprint are enough to find it and to recognise it.
 */
const banner = (key: string, file: string): string =>
  [
    '',
    '================================================================================',
    ' wa-sessions: no API_KEY was set, so one was generated.',
    '',
    ` It is in ${file} (mode 0600), fingerprint ${apiKeyFingerprint(key)}.`,
    ` Read it there (docker compose exec app cat /data/api-key) and send it as`,
    ` "X-Api-Key: <key>" or "Authorization: Bearer <key>". It is reused on every start;`,
    ' set API_KEY to use your own, or delete the file to generate a new one.',
    '================================================================================',
    '',
    '',
  ].join('\n');

const isLoopbackHost = (host: string): boolean => {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
};

/**
 * Whether a key is long enough for where the server listens: a short key on a reachable address is
 * refused (a key is all that stands between the network and every WhatsApp account here); on
 * loopback it is only warned about. The message never contains the key.
 */
export const apiKeyStrength = (
  key: string,
  host: string,
): { verdict: 'ok' } | { verdict: 'weak' | 'refused'; message: string } => {
  if (key.length >= MIN_API_KEY_LENGTH) return { verdict: 'ok' };
  if (isLoopbackHost(host)) {
    return {
      verdict: 'weak',
      message: `API_KEY is shorter than ${MIN_API_KEY_LENGTH} characters; accepted only because HOST is loopback`,
    };
  }
  return {
    verdict: 'refused',
    message:
      `API_KEY is ${key.length} characters long: at least ${MIN_API_KEY_LENGTH} are required when HOST=${host} ` +
      'is reachable from other machines. Use a long random key (openssl rand -base64 32), unset API_KEY to ' +
      'have one generated, or set HOST=127.0.0.1.',
  };
};

const readKeyFile = async (file: string): Promise<string> => {
  const key = (await readFile(file, 'utf8')).trim();
  if (key === '') {
    throw new ConfigError(`${file} is empty: delete it to generate a new API key, or set API_KEY`);
  }
  // Tighten a file that was copied around with loose permissions: it is as good as a password.
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) await chmod(file, 0o600);
  return key;
};

/**
 * The API key every route but health requires. API_KEY wins; otherwise the key stored in
 * DATA_DIR/api-key; otherwise a new random key (32 bytes, base64url) is written there (0600) and
 * shown through `write` exactly once. Logs never see it: a log collector is not the place for it.
 */
export const resolveApiKey = async (input: ResolveApiKeyInput): Promise<ResolvedApiKey> => {
  if (input.configured !== undefined && input.configured !== '') {
    return { key: input.configured, generated: false, source: 'env' };
  }
  const file = path.join(input.dataDir, API_KEY_FILE);
  try {
    return { key: await readKeyFile(file), generated: false, source: 'file' };
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const key = randomBytes(32).toString('base64url');
  await mkdir(input.dataDir, { recursive: true, mode: 0o700 });
  // Written whole under a temporary name, then linked into place: link() fails if the file exists,
  // so two instances starting on one volume agree on one key, and no reader sees a half-written file.
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${key}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given to writeFile is filtered by the umask; this makes 0600 exact.
    await chmod(temporary, 0o600);
    await link(temporary, file).catch(async (err: unknown) => {
      // Some network and FUSE filesystems have no hard links: create it exclusively instead.
      if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'].some((code) => isErrno(err, code))) throw err;
      await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(file, 0o600);
    });
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return { key: await readKeyFile(file), generated: false, source: 'file' };
    throw err;
  } finally {
    await rm(temporary, { force: true });
  }
  input.write(banner(key, file));
  return { key, generated: true, source: 'file' };
};
