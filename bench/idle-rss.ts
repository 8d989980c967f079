import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serverEnv } from '../test/helpers/server-process.js';
import { sleep } from './wait.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

/** `npm run build` once: the RSS figure is of the server as users run it, without the tsx loader. */
export const buildServer = async (): Promise<void> => {
  await run('npm', ['run', 'build'], { cwd: root, timeout: 300_000 });
};

/**
 * VmRSS of `node dist/main.js` `idleMs` after it listens, with no session: the store open (SQLite in
 * its temporary DATA_DIR, or `env.DATABASE_URL`), nothing else going on.
 */
export const idleRssOfBuiltServer = async (env: Record<string, string>, idleMs: number): Promise<number> => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-bench-rss-'));
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    env: serverEnv(dataDir, { LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the built server did not listen within 60 s')),
        60_000,
      );
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('wa-sessions listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the built server exited with ${code}`));
      });
    });
    await sleep(idleMs);
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
};
