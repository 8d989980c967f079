import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listProcesses } from '../../src/browser/process-table.js';
import { freePort } from './free-port.js';

export { freePort };

const root = path.resolve(import.meta.dirname, '..', '..');

/** The config that ships (docker-compose.yml mounts it into the nginx container). */
export const SHIPPED_NGINX_CONF = path.join(root, 'deploy', 'nginx.conf');

/** The nginx binary on PATH (or in /usr/sbin, which is not on every PATH), or null. */
export const findNginx = (): string | null => {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
};

/** Temp-file paths the binary was built with, set in the config so that none points to /var/lib. */
const tempPathDirectives = (nginx: string): string[] => {
  // `nginx -V` prints its configure flags on stderr; a module built out has no directive to set.
  const configure = execFileSync(nginx, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const built = (module: string) => !configure.includes(`--without-http_${module}_module`);
  return [
    'client_body_temp_path',
    'proxy_temp_path',
    ...(built('fastcgi') ? ['fastcgi_temp_path'] : []),
    ...(built('uwsgi') ? ['uwsgi_temp_path'] : []),
    ...(built('scgi') ? ['scgi_temp_path'] : []),
  ];
};

export interface AdaptOptions {
  /** Where nginx listens (127.0.0.1). */
  listenPort: number;
  /** The wa-sessions server, e.g. 127.0.0.1:41234. */
  upstream: string;
  /**
   * Several upstream servers instead (deploy/cluster/nginx.conf): each shipped name (`wa-1:3000`)
   * mapped to the test server's address; their parameters (max_fails, fail_timeout) are kept.
   */
  upstreams?: Readonly<Record<string, string>>;
  /** A private folder for the pid file, logs and temp files. */
  dir: string;
  /** Directives for temp paths (see tempPathDirectives). */
  tempDirectives: string[];
  /** Running as root: workers need a user that exists here (the image's `nginx` may not). */
  runningAsRoot: boolean;
  /** Turns on the config's commented path-prefix location (`/wa/`). */
  pathPrefix?: boolean;
}

/**
 * The shipped config, made runnable on this machine without root paths. Each rewrite replaces one
 * line of deploy/nginx.conf (and must match exactly once, so a change to the shipped file that the
 * test no longer understands fails loudly instead of testing something else); everything else —
 * headers, timeouts, buffering, body limits, error pages — runs as shipped:
 * - `user nginx;`: that user exists in the nginx image; here root runs workers as root, anyone else
 *   as themselves (the directive is then dropped);
 * - `pid`, `error_log`, `access_log`: into `dir`;
 * - `listen 80;` → `listen 127.0.0.1:<listenPort>;`;
 * - the upstream's `server app:3000 resolve` → the test server's address (`resolve`, for Docker's
 *   DNS, needs nginx 1.27.3; the test runs Debian's, which may be older); with `upstreams`, each
 *   `server <name> resolve <parameters>;` → `server <address> <parameters>;`;
 * - after `http {`: temp paths into `dir` (they default to /var/lib/nginx);
 * - with `pathPrefix`: the commented `location ^~ /wa/` line, uncommented as a user would.
 */
export const adaptNginxConf = (source: string, options: AdaptOptions): string => {
  const file = (name: string) => path.join(options.dir, name);
  const rewrites: Array<[RegExp, string]> = [
    [/^user\s+\S+;$/m, options.runningAsRoot ? 'user root;' : ''],
    [/^pid\s+\S+;$/m, `pid ${file('nginx.pid')};`],
    [/^error_log\s+\S+(\s+\w+)?;$/m, `error_log ${file('error.log')} info;`],
    [/^(\s*access_log\s+)\S+(\s+\w+;)$/m, `$1${file('access.log')}$2`],
    [/^(\s*)listen\s+80;$/m, `$1listen 127.0.0.1:${options.listenPort};`],
    ...(options.upstreams
      ? Object.entries(options.upstreams).map(([name, address]): [RegExp, string] => [
          new RegExp(
            `^(\\s*)server\\s+${name.replace(/[.]/g, '\\.')}(?:\\s+resolve)?((?:\\s+[a-z_]+=\\S+)*);$`,
            'm',
          ),
          `$1server ${address}$2;`,
        ])
      : [[/^(\s*)server\s+app:3000(\s+resolve)?;$/m, `$1server ${options.upstream};`] as [RegExp, string]]),
    [
      /^http\s*\{$/m,
      `http {\n${options.tempDirectives.map((d) => `  ${d} ${file(d.replace('_temp_path', '-temp'))};`).join('\n')}`,
    ],
  ];
  if (options.pathPrefix) rewrites.push([/^(\s*)# (location \^~ \/wa\/ .*)$/m, '$1$2']);
  let text = source;
  for (const [pattern, replacement] of rewrites) {
    const matches = text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0;
    if (matches !== 1) {
      throw new Error(`nginx config: expected one line matching ${pattern}, found ${matches}`);
    }
    text = text.replace(pattern, replacement);
  }
  return text;
};

/** A port that was free a moment ago (nginx cannot be told to pick one and report it). */

export interface NginxProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly configFile: string;
  /** nginx's error log so far (start-up problems, upstream errors). */
  errorLog(): Promise<string>;
  /** SIGTERM, bounded; then SIGKILL for the master and any worker left. Idempotent. */
  stop(): Promise<void>;
}

const exitedWithin = (child: ChildProcess, exited: Promise<unknown>, ms: number): Promise<boolean> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(true)
    : Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
      ]);

/**
 * Runs deploy/nginx.conf, adapted, in the foreground (`daemon off`) in front of `upstream`, and
 * waits (bounded) until it answers.
 */
export const startNginx = async (options: {
  nginx: string;
  upstream: string;
  dir: string;
  pathPrefix?: boolean;
  /** The shipped config to run; deploy/nginx.conf unless said. */
  source?: string;
  /** See AdaptOptions.upstreams. */
  upstreams?: Readonly<Record<string, string>>;
}): Promise<NginxProcess> => {
  const listenPort = await freePort();
  const config = adaptNginxConf(await readFile(options.source ?? SHIPPED_NGINX_CONF, 'utf8'), {
    listenPort,
    upstream: options.upstream,
    ...(options.upstreams ? { upstreams: options.upstreams } : {}),
    dir: options.dir,
    tempDirectives: tempPathDirectives(options.nginx),
    runningAsRoot: process.getuid?.() === 0,
    ...(options.pathPrefix ? { pathPrefix: true } : {}),
  });
  const configFile = path.join(options.dir, 'nginx.conf');
  await writeFile(configFile, config);
  // -p: the prefix for relative paths; -e (nginx >= 1.19.5) keeps start-up errors away from the
  // compiled-in /var/log/nginx/error.log, which may not be writable.
  const child = spawn(
    options.nginx,
    [
      '-p',
      options.dir,
      '-e',
      path.join(options.dir, 'startup-error.log'),
      '-c',
      configFile,
      '-g',
      'daemon off;',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${listenPort}`;

  const readLog = async (name: string) => readFile(path.join(options.dir, name), 'utf8').catch(() => '');
  const errorLog = async () => `${await readLog('startup-error.log')}${await readLog('error.log')}`;

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const master = child.pid;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      if (await exitedWithin(child, exited, 5000)) return;
      // The master did not stop: kill it and its workers (they would outlive it).
      const workers = (await listProcesses()).filter((p) => p.ppid === master);
      child.kill('SIGKILL');
      for (const worker of workers) {
        try {
          process.kill(worker.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exitedWithin(child, exited, 5000);
    })();
    return stopped;
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nginx exited at start: ${output.join('')} ${await errorLog()}`);
    }
    try {
      // Any answer will do (the upstream may refuse it): nginx is listening.
      await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not answer within 10 s: ${output.join('')} ${await errorLog()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { child, baseUrl, configFile, errorLog, stop };
};
