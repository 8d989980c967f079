import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/whatsapp/wwebjs-lib.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Which of `packages` a fresh node process has loaded after importing `modules` (paths from the root). */
const loadedAfterImporting = (modules: readonly string[], packages: readonly string[]): string[] => {
  const script = [
    `for (const m of ${JSON.stringify(modules)}) await import(new URL(m, 'file://${root}/').href);`,
    `const cache = Object.keys((await import('node:module')).createRequire('${root}/').cache);`,
    `const wanted = ${JSON.stringify(packages)};`,
    "console.log(JSON.stringify(wanted.filter((p) => cache.some((f) => f.includes('/node_modules/' + p + '/')))));",
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '[]') as string[];
};

describe('whatsapp-web.js, the parts a session runs on, and the modules a start loads', () => {
  it('are the classes the package itself exports', () => {
    const index = createRequire(import.meta.url)('whatsapp-web.js') as Record<string, unknown>;
    expect(lib.Client).toBe(index.Client);
    expect(lib.LocalAuth).toBe(index.LocalAuth);
    expect(lib.MessageMedia).toBe(index.MessageMedia);
    expect(lib.Location).toBe(index.Location);
  });

  it('load without what only cluster mode needs (archiver, unzipper, fs-extra, pg), and a start without the library', () => {
    const start = loadedAfterImporting(
      [
        'src/main/store.ts',
        'src/main/cluster.ts',
        'src/main/sessions.ts',
        'src/main/webhooks.ts',
        'src/main/http.ts',
        'src/main/restore.ts',
      ],
      ['archiver', 'unzipper', 'fs-extra', 'pg', 'whatsapp-web.js', 'puppeteer'],
    );
    // whatsapp-web.js comes with the first session (src/sessions/wwebjs-library.ts).
    expect(start).toEqual([]);
    // What that first session loads: the library's classes and puppeteer, still without cluster mode's packages.
    const session = loadedAfterImporting(
      ['src/whatsapp/wwebjs-lib.ts', 'src/sessions/auth-strategy.ts'],
      ['archiver', 'unzipper', 'fs-extra', 'pg', 'whatsapp-web.js', 'puppeteer'],
    );
    expect(session).toEqual(['whatsapp-web.js', 'puppeteer']);
  });
});
