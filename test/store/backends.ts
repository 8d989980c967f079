import { afterAll, beforeAll } from 'vitest';
import { type PostgresCluster, startPostgres } from '../helpers/postgres.js';

export type Backend = 'sqlite' | 'postgres';
export const backends: Backend[] = ['sqlite', 'postgres'];

/**
 * For a `describe.each(backends)`: with PostgreSQL, one throw-away cluster for the block (started
 * before its tests, stopped and removed after); `env(name)` is what a server of one test needs:
 * nothing for SQLite (its file in DATA_DIR), a DATABASE_URL to a fresh database for PostgreSQL.
 */
export const useBackend = (backend: Backend) => {
  let cluster: PostgresCluster | null = null;
  let databases = 0;
  beforeAll(async () => {
    if (backend === 'postgres') cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  return {
    async env(): Promise<Record<string, string>> {
      if (backend === 'sqlite') return {};
      if (cluster === null) throw new Error('the PostgreSQL cluster did not start');
      databases += 1;
      return { DATABASE_URL: await cluster.createDatabase(`wa_test_${databases}`) };
    },
    cluster: (): PostgresCluster => {
      if (cluster === null) throw new Error('no PostgreSQL cluster for the SQLite backend');
      return cluster;
    },
  };
};
