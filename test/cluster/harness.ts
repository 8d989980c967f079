import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listProcesses, type ProcessInfo } from '../../src/browser/process-table.js';
import { sandboxEnv } from '../e2e/harness.js';
import { browsersUnder, unhandledRejections } from '../helpers/e2e.js';
import { findNginx, freePort, type NginxProcess, startNginx } from '../helpers/nginx.js';
import { type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { type ServerProcess, startServer, TEST_API_KEY } from '../helpers/server-process.js';

/**
 * The cluster of issue 11 on one machine, every part real and on loopback: a throw-away PostgreSQL
 * (initdb on a free port), three server processes in sandbox mode with CLUSTER=true on it, and
 * Debian's nginx running the shipped deploy/cluster/nginx.conf (only ports and file paths rewritten)
 * in front of them, round-robin. The scenarios (test/cluster/*.test.ts) and `npm run bench -- --only
 * cluster` drive it over HTTP and read the process table for which instance runs which browser.
 */

const root = path.resolve(import.meta.dirname, '..', '..');
export const CLUSTER_NGINX_CONF = path.join(root, 'deploy', 'cluster', 'nginx.conf');

/** What every instance gets on top of the e2e sandbox settings. */
export const clusterEnv: Readonly<Record<string, string>> = {
  ...sandboxEnv,
  CLUSTER: 'true',
  // nginx on 127.0.0.1 is the one hop in front: the instances see the client's address.
  TRUST_PROXY: 'loopback',
};

export interface Instance {
  /** 0, 1, 2: its place in the harness (and in nginx's upstream). */
  readonly index: number;
  /** INSTANCE_ID: wa-1, wa-2, wa-3 (the compose file's service names). */
  readonly id: string;
  readonly port: number;
  /** ADVERTISE_URL = its own address: http://127.0.0.1:<port>. */
  readonly url: string;
  readonly dataDir: string;
  /** The running process; replaced by restart(). */
  server: ServerProcess;
  /** Set once kill9() or terminate() ended it (and until restart()). */
  down: boolean;
}

export interface ClusterOptions {
  /** How many instances; 3 unless said. */
  instances?: number;
  /** Settings for every instance (over clusterEnv). */
  env?: Record<string, string>;
}

export interface Cluster {
  readonly postgres: PostgresCluster;
  /** The database every instance shares. */
  readonly databaseUrl: string;
  readonly instances: Instance[];
  readonly nginx: NginxProcess;
  /** A request through nginx with the API key (JSON body when given), bounded by 60 s. */
  request(
    method: string,
    urlPath: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** The instance that logged the request with this X-Request-Id (after it completed), or null. */
  servedBy(requestId: string): Instance | null;
  /** kill -9 of the host: the node process and every Chromium under its DATA_DIR, at the same instant. */
  kill9(index: number): Promise<void>;
  /** SIGTERM, as docker stop or Kubernetes sends it; resolves with the exit code (SIGKILL after 30 s). */
  terminate(index: number): Promise<number | null>;
  /** Starts a stopped instance again: same INSTANCE_ID, port, ADVERTISE_URL and DATA_DIR. */
  restart(index: number): Promise<void>;
  /** Which instances run a browser for which session, from the process table (the ground truth). */
  placement(): Promise<Map<string, Instance[]>>;
  /** Unhandled rejections in the logs of every process an instance ran. */
  rejections(): unknown[];
  /** Stops everything and removes every folder; safe to call twice and after a failed start. */
  teardown(): Promise<TeardownReport>;
}

export interface TeardownReport {
  /** Processes of the harness (servers, browsers, nginx, PostgreSQL) still alive afterwards. */
  leftProcesses: ProcessInfo[];
  /** Folders of the harness (data dirs, nginx's, PostgreSQL's) still present afterwards. */
  leftFolders: string[];
  /** Exit codes of the instances that were still running at teardown (SIGTERM). */
  exitCodes: Array<number | null>;
}

const nginxBinary = (): string => {
  const found = findNginx();
  // .ci/run installs it; say so rather than skip: a cluster test without nginx proves nothing.
  if (!found) throw new Error('nginx is not installed: apt-get install -y nginx-light (as .ci/run does)');
  return found;
};

const alive = (child: ServerProcess['child']) => child.exitCode === null && child.signalCode === null;

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]);
};

const killQuietly = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

/** The session id of a browser process whose profile is DATA_DIR/sessions/session-<id>. */
const sessionOfBrowser = (proc: ProcessInfo, dataDir: string): string | null => {
  const prefix = `--user-data-dir=${path.join(dataDir, 'sessions')}${path.sep}session-`;
  const arg = proc.argv.find((a) => a.startsWith(prefix));
  return arg === undefined ? null : arg.slice(prefix.length);
};

/** PostgreSQL's postmaster for this port and its children (checkpointer, walwriter, backends). */
const postgresProcesses = async (port: number): Promise<ProcessInfo[]> => {
  const all = await listProcesses();
  const masters = all.filter(
    (p) => p.argv.some((a) => a.endsWith('/postgres')) && p.cmdline.includes(`-p ${port} `),
  );
  const pids = new Set(masters.map((p) => p.pid));
  return all.filter((p) => p.state !== 'Z' && (pids.has(p.pid) || pids.has(p.ppid)));
};

export const startCluster = async (options: ClusterOptions = {}): Promise<Cluster> => {
  const count = options.instances ?? 3;
  const nginx = nginxBinary();
  const instances: Instance[] = [];
  const retired: ServerProcess[] = [];
  const folders: string[] = [];
  let postgres: PostgresCluster | null = null;
  let proxy: NginxProcess | null = null;
  let postgresPids: ProcessInfo[] = [];
  let databaseUrl = '';

  const launch = (instance: Omit<Instance, 'server' | 'down'>) =>
    startServer(
      {
        ...clusterEnv,
        DATABASE_URL: databaseUrl,
        INSTANCE_ID: instance.id,
        ADVERTISE_URL: instance.url,
        PORT: String(instance.port),
        ...options.env,
      },
      { dataDir: instance.dataDir, listenTimeoutMs: 60_000 },
    );

  let tornDown: Promise<TeardownReport> | null = null;
  const teardown = (): Promise<TeardownReport> => {
    tornDown ??= (async () => {
      const harnessPids = new Set<number>();
      for (const p of postgresPids) harnessPids.add(p.pid);
      if (proxy?.child.pid !== undefined) {
        harnessPids.add(proxy.child.pid);
        for (const p of await listProcesses()) if (p.ppid === proxy.child.pid) harnessPids.add(p.pid);
      }
      await proxy?.stop();
      const exitCodes = await Promise.all(
        instances.map(async (instance) => {
          harnessPids.add(instance.server.child.pid ?? -1);
          if (!alive(instance.server.child)) return null;
          const result = await within(instance.server.stop('SIGTERM'), 30_000);
          if (result === 'timeout') {
            await instance.server.stop('SIGKILL');
            return null;
          }
          return result.code;
        }),
      );
      for (const server of retired) harnessPids.add(server.child.pid ?? -1);
      // Whatever a server left (it was killed, or its shutdown failed): no browser survives the harness.
      const strays = async () => (await Promise.all(instances.map((i) => browsersUnder(i.dataDir)))).flat();
      for (const browser of await strays()) killQuietly(browser.pid);
      // A killed process lingers for a moment before the kernel lets it go: bounded wait.
      for (let wait = 0; wait < 100 && (await strays()).length > 0; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await postgres?.stop();
      for (const dir of folders) await rm(dir, { recursive: true, force: true });
      const processes = await listProcesses();
      const leftProcesses = processes.filter(
        (p) =>
          p.state !== 'Z' &&
          (harnessPids.has(p.pid) ||
            instances.some((i) => p.cmdline.includes(`--user-data-dir=${i.dataDir}`))),
      );
      return { leftProcesses, leftFolders: folders.filter((dir) => existsSync(dir)), exitCodes };
    })();
    return tornDown;
  };

  try {
    postgres = await startPostgres();
    folders.push(path.dirname(postgresDataDir(await postgresProcesses(postgres.port))));
    postgresPids = await postgresProcesses(postgres.port);
    databaseUrl = await postgres.createDatabase('wa_cluster');
    const planned = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const port = await freePort();
        const dataDir = await mkdtemp(path.join(tmpdir(), `wa-sessions-cluster-${index + 1}-`));
        folders.push(dataDir);
        return { index, id: `wa-${index + 1}`, port, url: `http://127.0.0.1:${port}`, dataDir };
      }),
    );
    // All at once, as a compose file starts them: the migrations run under one advisory lock.
    const servers = await Promise.all(planned.map((p) => launch(p)));
    planned.forEach((p, i) => {
      const server = servers[i];
      if (server) instances.push({ ...p, server, down: false });
    });
    const nginxDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-cluster-nginx-'));
    folders.push(nginxDir);
    proxy = await startNginx({
      nginx,
      upstream: '',
      dir: nginxDir,
      source: CLUSTER_NGINX_CONF,
      upstreams: Object.fromEntries(instances.map((i) => [`wa-${i.index + 1}:3000`, `127.0.0.1:${i.port}`])),
    });
  } catch (err) {
    await teardown();
    throw err;
  }
  const nginxProcess = proxy;
  const database = postgres;

  const instanceAt = (index: number): Instance => {
    const instance = instances[index];
    if (!instance) throw new Error(`no instance ${index}`);
    return instance;
  };

  return {
    postgres: database,
    databaseUrl,
    instances,
    nginx: nginxProcess,
    request: (method, urlPath, body, headers = {}) =>
      fetch(`${nginxProcess.baseUrl}${urlPath}`, {
        method,
        headers: {
          'x-api-key': options.env?.API_KEY ?? TEST_API_KEY,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      }),
    servedBy: (requestId) =>
      instances.find((i) =>
        i.server.logs.some((l) => l.reqId === requestId && l.msg === 'request completed'),
      ) ?? null,
    async kill9(index) {
      const instance = instanceAt(index);
      const browsers = await browsersUnder(instance.dataDir);
      instance.server.child.kill('SIGKILL');
      for (const browser of browsers) killQuietly(browser.pid);
      await instance.server.exited;
      // A browser that was being launched at that instant: gone with the host too.
      for (const browser of await browsersUnder(instance.dataDir)) killQuietly(browser.pid);
      instance.down = true;
    },
    async terminate(index) {
      const instance = instanceAt(index);
      const result = await within(instance.server.stop('SIGTERM'), 30_000);
      instance.down = true;
      if (result === 'timeout') {
        await instance.server.stop('SIGKILL');
        return null;
      }
      return result.code;
    },
    async restart(index) {
      const instance = instanceAt(index);
      if (alive(instance.server.child)) throw new Error(`instance ${instance.id} is still running`);
      retired.push(instance.server);
      instance.server = await launch(instance);
      instance.down = false;
    },
    async placement() {
      const processes = await listProcesses();
      const result = new Map<string, Instance[]>();
      for (const instance of instances) {
        const ids = new Set<string>();
        for (const p of processes) {
          if (p.state === 'Z') continue;
          const id = sessionOfBrowser(p, instance.dataDir);
          if (id !== null) ids.add(id);
        }
        for (const id of ids) result.set(id, [...(result.get(id) ?? []), instance]);
      }
      return result;
    },
    rejections: () =>
      [...retired, ...instances.map((i) => i.server)].flatMap((server) => unhandledRejections(server)),
    teardown,
  };
};

/** `-D <dir>/data` of the postmaster: the folder startPostgres made (it removes it on stop). */
const postgresDataDir = (processes: ProcessInfo[]): string => {
  for (const p of processes) {
    const at = p.argv.indexOf('-D');
    const dir = at >= 0 ? p.argv[at + 1] : undefined;
    if (dir !== undefined) return dir;
  }
  throw new Error('PostgreSQL started but its postmaster was not found in the process table');
};
