import { hostname } from 'node:os';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { pickBrowserEnv } from './browser/browser-env.js';
import { SESSION_ID_PATTERN } from './domain/session-id.js';
import { webhookUrlProblem } from './domain/webhook-url.js';
import { compileTrust } from './http/client-address.js';
import { startConcurrency } from './sessions/start-concurrency.js';

/** A boolean setting: only these spellings, so a typo is an error and not a silent false. */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'accepts true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((v, ctx) => {
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `accepts a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Turns the TRUST_PROXY setting into the value Express's `trust proxy` expects: `true`/`false`, a hop
 * count, or a (comma-separated) list of addresses, subnets and names such as `loopback`. Express would
 * read the strings 'true', 'false' and '1' as address lists, trusting nothing or failing, so they are
 * converted here.
 */
export const parseTrustProxy = (value: string): boolean | number | string => {
  const trimmed = value.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false' || trimmed === '') return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(',');
};

/** `7d`, `12h`, `30m` or `45s`, in milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const match = /^(\d{1,6})([smhd])$/.exec(v.trim());
      if (match === null || match[1] === undefined || match[2] === undefined || Number(match[1]) === 0) {
        ctx.addIssue({ code: 'custom', message: 'accepts a duration such as 7d, 12h, 30m or 45s' });
        return z.NEVER;
      }
      const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
      return Number(match[1]) * unit;
    });

/** A PostgreSQL URL; only its shape is checked here (the password never appears in a message). */
const databaseUrl = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    try {
      const parsed = new URL(v.trim());
      if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error('protocol');
      return v.trim();
    } catch {
      ctx.addIssue({ code: 'custom', message: 'accepts a postgres:// or postgresql:// URL' });
      return z.NEVER;
    }
  });

const schema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  API_KEY: optionalString,
  DATA_DIR: z.string().default('./data'),
  AUTO_CLEANUP_ON_LOGOUT: bool(true),
  LOGOUT_CLEANUP_DELAY_MS: int(3000, 0, 600_000),
  DESTROY_TIMEOUT_MS: int(5000, 100, 600_000),
  LOGOUT_TIMEOUT_MS: int(5000, 100, 600_000),
  INIT_TIMEOUT_MS: int(90_000, 1000, 600_000),
  PROTOCOL_TIMEOUT_MS: int(30_000, 1000, 600_000),
  SHUTDOWN_TIMEOUT_MS: int(15_000, 1000, 600_000),
  // puppeteer's own launch limit: Chromium started and its DevTools endpoint answering.
  LAUNCH_TIMEOUT_MS: int(30_000, 1000, 600_000),
  // Media in a message, downloaded or base64: WhatsApp's own limit for documents is far higher, the
  // request body's is 16 MB.
  MEDIA_MAX_BYTES: int(12 * 1024 * 1024, 1, 16 * 1024 * 1024),
  MEDIA_TIMEOUT_MS: int(30_000, 1000, 600_000),
  CHROME_PATH: optionalString,
  // lean: the project's flags (memory per session); library: whatsapp-web.js's own, for comparison;
  // single-process: lean in one process per session (opt-in: Chromium does not support it).
  CHROME_FLAGS_PRESET: z
    .enum(['lean', 'library', 'single-process'], { message: 'accepts lean, library or single-process' })
    .default('lean'),
  CHROME_ARGS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const args = v.split(/\s+/).filter((arg) => arg !== '');
      // DevTools runs over a pipe: a debugging port or address would open every session to any
      // local user (and puppeteer would drop the pipe for it).
      if (args.some((arg) => arg.startsWith('--remote-debugging-'))) {
        ctx.addIssue({ code: 'custom', message: 'accepts Chromium flags but no --remote-debugging-*' });
        return z.NEVER;
      }
      return args;
    }),
  // Chromium's own sandbox around renderers; needs a non-root user (see README "Chromium").
  CHROME_SANDBOX: bool(false),
  HEADLESS: z.enum(['shell', 'new'], { message: 'accepts shell or new' }).optional(),
  WA_WEB_VERSION: optionalString,
  WA_WEB_CACHE_DIR: optionalString,
  // Automatic restarts of a FAILED session (launch or navigation failure, start timeout, a crashed
  // browser): this many in a row at most (0 = off), the first after about RESTART_BACKOFF_MS.
  RESTART_MAX_ATTEMPTS: int(5, 0, 1000),
  RESTART_BACKOFF_MS: int(2000, 100, 600_000),
  // Browsers launching at once: by default derived from the cores and free memory
  // (sessions/start-concurrency.ts).
  LAUNCH_CONCURRENCY: int(startConcurrency(), 1, 256),
  RESTORE_ON_START: bool(true),
  // 0: every session at once, LAUNCH_CONCURRENCY bounding the browsers (sessions/restore.ts).
  RESTORE_CONCURRENCY: int(0, 0, 64),
  MAX_SESSIONS: int(100, 1, 10_000),
  DEFAULT_SESSION: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      if (!SESSION_ID_PATTERN.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: 'accepts a session id: 1 to 64 of A-Z a-z 0-9 _ -' });
        return z.NEVER;
      }
      return v.trim();
    }),
  WEBHOOK_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const problem = webhookUrlProblem(v.trim());
      if (problem !== null) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return new URL(v.trim()).toString();
    }),
  // Taken exactly as the Standard Webhooks libraries take it (see events/webhook-signer.ts).
  WEBHOOK_SECRET: optionalString.transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      new Webhook(v);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          'accepts a Standard Webhooks secret, base64 with an optional whsec_ prefix ' +
          '(generate one with: echo "whsec_$(openssl rand -base64 32)")',
      });
      return z.NEVER;
    }
    return v;
  }),
  WEBHOOK_EVENTS: z
    .string()
    .default('*')
    .transform((v) =>
      v
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== ''),
    ),
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v, ctx) => {
      const value = parseTrustProxy(v);
      try {
        // Compiled as the app compiles it (for Express and the fast lane): refused here, not there.
        // Not through express itself: that would load Express (~90 ms) before a restore can begin.
        compileTrust(value);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message:
            'accepts true, false, a hop count, or addresses, subnets and loopback/linklocal/uniquelocal, comma-separated',
        });
        return z.NEVER;
      }
      return value;
    }),
  // Slow and numerous clients: the request head, the whole request, and open connections at once.
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1000, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(60_000, 1000, 3_600_000),
  HTTP_MAX_CONNECTIONS: int(1000, 1, 1_000_000),
  // Open event streams (GET /events, /sessions/:id/events) per API key.
  SSE_MAX_STREAMS_PER_KEY: int(20, 1, 10_000),
  RATE_LIMIT_PER_MINUTE: int(600, 0, 1_000_000),
  RATE_LIMIT_LOOPBACK: bool(false),
  // Failed authentications per client address a minute, counted before the key is checked; 0 = off.
  AUTH_FAILURES_PER_MINUTE: int(30, 0, 1_000_000),
  DOCS_PUBLIC: bool(false),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'accepts fatal, error, warn, info, debug, trace or silent',
    })
    .default('info'),
  LOG_PRETTY: bool(false),
  MEDIA_ALLOW_PRIVATE_NETWORKS: bool(false),
  // Per-session webhook URLs (chosen by API clients) may reach this host and private networks.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool(false),
  // Received files served by GET /sessions/:id/messages/:messageId/media: whatsapp-web.js hands the
  // whole file over as base64, so this bounds the memory one download takes.
  MEDIA_DOWNLOAD_MAX_BYTES: int(32 * 1024 * 1024, 1024, 512 * 1024 * 1024),
  MEDIA_DOWNLOAD_TIMEOUT_MS: int(60_000, 1000, 600_000),
  // The store (src/store): SQLite in DATA_DIR unless DATABASE_URL names a PostgreSQL database.
  DATABASE_URL: databaseUrl,
  DATABASE_CONNECT_RETRY_MS: int(30_000, 0, 600_000),
  WEBHOOK_RETENTION: duration('7d'),
  WEBHOOK_MAX_ATTEMPTS: int(10, 1, 1000),
  WEBHOOK_MAX_DELAY_MS: int(60_000, 100, 86_400_000),
  SIMULATOR: bool(false),
  // Cluster mode (src/cluster): several instances on one PostgreSQL, sessions moving between them.
  CLUSTER: bool(false),
  // This instance's name in the cluster; two live instances never share one.
  INSTANCE_ID: z
    .string()
    .default(hostname())
    .transform((v, ctx) => {
      const id = v.trim();
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(id)) {
        ctx.addIssue({
          code: 'custom',
          message: 'accepts 1 to 63 of A-Z a-z 0-9 . _ -, starting with a letter or digit',
        });
        return z.NEVER;
      }
      return id;
    }),
  // Where the other instances reach this one (forwarded requests): http(s)://host:port, no path.
  ADVERTISE_URL: optionalString.transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      const url = new URL(v);
      if (
        (url.protocol !== 'http:' && url.protocol !== 'https:') ||
        url.username ||
        url.password ||
        url.search ||
        url.hash
      )
        throw new Error('shape');
      return url.origin;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'accepts an http:// or https:// origin such as http://10.0.0.5:3000',
      });
      return z.NEVER;
    }
  }),
  // A lease (a session's owner) lasts LEASE_TTL_MS past its last renewal, renewed every LEASE_RENEW_MS;
  // an instance that cannot renew stops its browsers before its leases can expire.
  LEASE_TTL_MS: int(15_000, 3000, 600_000),
  LEASE_RENEW_MS: int(3000, 500, 60_000),
  // How often a READY session's profile archive is saved to PostgreSQL (also saved at READY and at
  // hand-over); whatsapp-web.js's RemoteAuth takes nothing under a minute.
  AUTH_BACKUP_INTERVAL_MS: int(300_000, 60_000, 86_400_000),
  // Sessions this instance takes at most when sessions are placed or taken over (MAX_SESSIONS still caps it).
  INSTANCE_CAPACITY: int(100, 1, 10_000),
  // Takeovers (archive restore + browser start) running at once on one instance.
  TAKEOVER_CONCURRENCY: int(2, 1, 64),
  // A request forwarded to the session's owner: the owner's whole answer within this.
  FORWARD_TIMEOUT_MS: int(30_000, 1000, 600_000),
});

export type Config = z.infer<typeof schema> & {
  readonly dataDir: string;
  /** The PATH to look Chromium up in. */
  readonly pathEnv: string | undefined;
  /** The allow-listed environment every Chromium gets: none of the server's secrets. */
  readonly browserEnv: Readonly<Record<string, string>>;
};

const secretSettings: ReadonlySet<string> = new Set(['API_KEY', 'WEBHOOK_SECRET', 'DATABASE_URL']);

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses every setting. The only reader of `process.env` in the project. A bad value throws a
 * ConfigError whose message names the variable and what it accepts, one line each.
 */
export const loadConfig = (env: NodeJS.ProcessEnv = readProcessEnv()): Config => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'setting');
      // A secret's value never reaches an error message (it goes to the terminal and the logs).
      if (secretSettings.has(name)) return `Invalid setting ${name}: ${issue.message}`;
      const value = env[name];
      return `Invalid setting ${name}=${JSON.stringify(value ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const clusterProblems = clusterSettingProblems(parsed.data);
  if (clusterProblems.length > 0) throw new ConfigError(clusterProblems.join('\n'));
  return {
    ...parsed.data,
    dataDir: path.resolve(parsed.data.DATA_DIR),
    pathEnv: env.PATH,
    browserEnv: pickBrowserEnv(env),
  };
};

/** Settings that only make sense together: cluster mode needs the shared database and its own address. */
const clusterSettingProblems = (settings: z.infer<typeof schema>): string[] => {
  if (!settings.CLUSTER) return [];
  const problems: string[] = [];
  if (settings.DATABASE_URL === undefined)
    problems.push(
      'Invalid setting DATABASE_URL: CLUSTER=true needs a PostgreSQL database shared by every instance',
    );
  if (settings.ADVERTISE_URL === undefined)
    problems.push(
      'Invalid setting ADVERTISE_URL: CLUSTER=true needs the address other instances reach this one at',
    );
  if (settings.LEASE_RENEW_MS * 3 > settings.LEASE_TTL_MS)
    problems.push(
      `Invalid setting LEASE_RENEW_MS=${settings.LEASE_RENEW_MS}: at most a third of LEASE_TTL_MS (${settings.LEASE_TTL_MS}), so a lease survives two missed renewals`,
    );
  return problems;
};

/** Loads `.env` or ENV_FILE (without overriding the real environment) and returns the environment. */
export const readProcessEnv = (): NodeJS.ProcessEnv => {
  // ENV_FILE names another file; empty reads none (the test suite's servers must not pick up a
  // developer's own .env).
  const file = process.env.ENV_FILE ?? '.env';
  if (file !== '') loadDotenv({ path: file, quiet: true });
  return process.env;
};
