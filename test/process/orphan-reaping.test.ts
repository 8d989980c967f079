import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrowserProcesses } from '../../src/browser/browser-processes.js';
import { resolveChrome } from '../../src/browser/chrome.js';
import { reapOrphans } from '../../src/browser/orphans.js';
import { listProcesses } from '../../src/browser/process-table.js';
import { createLogger } from '../../src/logger.js';
import { removeDir } from '../helpers/server-process.js';

const chrome = resolveChrome({ chromePath: undefined, headless: undefined, pathEnv: process.env.PATH });
if (!chrome.found) throw new Error('These tests need Chromium (apt-get install -y chromium-headless-shell)');
const chromePath = chrome.executablePath;
const silent = createLogger({ level: 'silent' });

const started: Array<{ child: ChildProcess; detached: boolean }> = [];
afterEach(async () => {
  for (const { child, detached } of started.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(detached ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

const run = (file: string, args: string[], detached: boolean): ChildProcess => {
  const child = spawn(file, args, { detached, stdio: 'ignore' });
  child.on('error', () => undefined);
  started.push({ child, detached });
  return child;
};

const isAlive = async (pid: number | undefined): Promise<boolean> =>
  (await listProcesses()).some((p) => p.pid === pid && p.state !== 'Z');

const waitForCmdline = async (pid: number | undefined, fragment: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await listProcesses()).some((p) => p.pid === pid && p.cmdline.includes(fragment))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`process ${String(pid)} never showed ${fragment}`);
};

const chromium = (profile: string, detached = true) =>
  run(
    chromePath,
    ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, 'about:blank'],
    detached,
  );

describe('orphan reaping at start', () => {
  it('kills a Chromium left on one of our profiles, and nothing else whose arguments merely name the path', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-orphans-'));
    context.onTestFinished(() => removeDir(dataDir));
    const root = path.join(dataDir, 'sessions');
    await mkdir(root, { recursive: true });

    const orphan = chromium(path.join(root, 'session-left'));
    // A shell that leads its own group and carries the exact flag: review killed one of these.
    const shell = run(
      'bash',
      ['-c', 'sleep 60; true', 'bash', `--user-data-dir=${path.join(root, 'session-left')}`],
      true,
    );
    // A Chromium on a folder beside ours whose name only starts like it.
    const neighbour = chromium(`${root}-other/session-x`);
    // A Chromium on our profile that does not lead its own process group (so is not a browser we launched).
    const child = chromium(path.join(root, 'session-child'), false);
    for (const [p, fragment] of [
      [orphan, 'session-left'],
      [shell, 'session-left'],
      [neighbour, 'session-x'],
      [child, 'session-child'],
    ] as const) {
      await waitForCmdline(p.pid, fragment);
    }

    const result = await reapOrphans({
      processes: createBrowserProcesses({ logger: silent }),
      sessionsRoot: root,
      chromePath,
      logger: silent,
      killWaitMs: 5000,
    });

    expect(result.killed).toBeGreaterThan(0);
    expect({
      orphan: await isAlive(orphan.pid),
      shell: await isAlive(shell.pid),
      neighbour: await isAlive(neighbour.pid),
      child: await isAlive(child.pid),
    }).toEqual({ orphan: false, shell: true, neighbour: true, child: true });
  });

  it('kills nothing when no Chromium is configured', async (context) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-orphans-'));
    context.onTestFinished(() => removeDir(dataDir));
    const root = path.join(dataDir, 'sessions');
    const orphan = chromium(path.join(root, 'session-left'));
    await waitForCmdline(orphan.pid, 'session-left');
    const result = await reapOrphans({
      processes: createBrowserProcesses({ logger: silent }),
      sessionsRoot: root,
      chromePath: null,
      logger: silent,
      killWaitMs: 5000,
    });
    expect(result.killed).toBe(0);
    expect(await isAlive(orphan.pid)).toBe(true);
  });
});
