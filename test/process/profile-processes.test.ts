import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createProfileProcesses, usesProfile } from '../../src/browser/profile-processes.js';

/** A real process carrying `--user-data-dir=<profile>` in its argv, leading its own group as Chromium does. */
const fakeBrowser = (context: TestContext, profile: string): ChildProcess => {
  const child = spawn(
    process.execPath,
    ['-e', 'setInterval(() => {}, 1000)', '--', `--user-data-dir=${profile}`],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  context.onTestFinished(() => {
    child.kill('SIGKILL');
  });
  return child;
};

const waitFor = async (check: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('not within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('processes on a profile', () => {
  it('matches the exact --user-data-dir argument only: no prefix, no other argument', () => {
    expect(
      usesProfile(['chrome', '--user-data-dir=/data/sessions/session-a'], '/data/sessions/session-a'),
    ).toBe(true);
    expect(
      usesProfile(['chrome', '--user-data-dir=/data/sessions/session-ab'], '/data/sessions/session-a'),
    ).toBe(false);
    expect(
      usesProfile(['chrome', '--user-data-dir=/data/sessions/session-a/x'], '/data/sessions/session-a'),
    ).toBe(false);
    expect(
      usesProfile(['chrome', '--x=--user-data-dir=/data/sessions/session-a'], '/data/sessions/session-a'),
    ).toBe(false);
  });

  it('finds a real process by its profile, kills its group, and leaves the process of a longer name alone', async (context) => {
    const root = await mkdtemp(path.join(tmpdir(), 'wa-sessions-profiles-'));
    context.onTestFinished(() => rm(root, { recursive: true, force: true }));
    const profile = path.join(root, 'session-a');
    const target = fakeBrowser(context, profile);
    const neighbour = fakeBrowser(context, `${profile}b`);
    const profiles = createProfileProcesses();
    await waitFor(async () => (await profiles.list(profile)).length === 1);
    expect((await profiles.list(profile)).map((p) => p.pid)).toEqual([target.pid]);

    const { killed, remaining } = await profiles.kill(profile, 5000);
    expect(killed).toEqual([target.pid]);
    expect(remaining).toEqual([]);
    expect(await profiles.list(profile)).toEqual([]);
    expect((await profiles.list(`${profile}b`)).map((p) => p.pid)).toEqual([neighbour.pid]);
  });
});
