import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** A fresh, empty database in the cluster; its URL. */
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop (fast): the server goes away as it would in an outage. */
  pause(): Promise<void>;
  /** pg_ctl start again, same port and data. */
  resume(): Promise<void>;
  /** Stops the cluster and removes its folder. */
  stop(): Promise<void>;
}

const ROOT = '/usr/lib/postgresql';

/** Debian's layout: /usr/lib/postgresql/<major>/bin, newest major first. */
export const findPostgresBin = (): string => {
  const majors = existsSync(ROOT)
    ? readdirSync(ROOT)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const major of majors) {
    const bin = path.join(ROOT, major, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(
    `PostgreSQL is not installed: no initdb/pg_ctl under ${ROOT}/<version>/bin. ` +
      'Install it with `apt-get install postgresql` (.ci/run does so) to run the PostgreSQL tests.',
  );
};

/**
 * A throw-away PostgreSQL cluster, as a user would start one on a fresh machine: initdb in a temp
 * folder, pg_ctl on a free port on 127.0.0.1, trust auth for the local `postgres` role. initdb and
 * pg_ctl refuse to run as root: then they run as the `postgres` user (runuser) on a folder it owns.
 */
export const startPostgres = async (): Promise<PostgresCluster> => {
  const bin = findPostgresBin();
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const exec = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { timeout: 60_000 })
      : run(path.join(bin, tool), args, { timeout: 60_000 });
  const port = await freePort();
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () => exec('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  const stopServer = (mode: 'fast' | 'immediate') => exec('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  try {
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = true;
  return {
    url,
    port,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/[^a-z0-9_]/g, '_')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name.replace(/[^a-z0-9_]/g, '_')}`;
    },
    async pause() {
      await stopServer('fast');
      running = false;
    },
    async resume() {
      await start();
      running = true;
    },
    async stop() {
      if (running) await stopServer('immediate').catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/**
 * A throw-away cluster for one test file: started before its tests, stopped after them. `fresh()`
 * gives a test an empty database of its own, named `<prefix>_<n>`.
 */
export const usePostgres = (prefix: string) => {
  let started: PostgresCluster | undefined;
  let databases = 0;
  beforeAll(async () => {
    started = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await started?.stop();
  }, 60_000);
  const cluster = (): PostgresCluster => {
    if (!started) throw new Error('PostgreSQL is not started: usePostgres() runs in beforeAll');
    return started;
  };
  return {
    cluster,
    fresh: (): Promise<string> => {
      databases += 1;
      return cluster().createDatabase(`${prefix}_${databases}`);
    },
  };
};
