import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aliveInGroup, browsersUnder, startToReady } from '../helpers/e2e.js';
import { startPostgres } from '../helpers/postgres.js';
import { TEST_API_KEY } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';

const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** Inodes of the sockets a process holds open (/proc/<pid>/fd/* -> "socket:[inode]"). */
const socketInodes = async (pid: number): Promise<string[]> => {
  const inodes: string[] = [];
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) inodes.push(match[1]);
  }
  return inodes;
};

/** Inodes of every listening TCP socket on the host (state 0A in /proc/net/tcp and tcp6). */
const listeningTcpInodes = async (): Promise<Set<string>> => {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
};

/** Every file and folder under `dir`, without following links. */
const walk = async (dir: string): Promise<string[]> => {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    found.push(full);
    if (entry.isDirectory()) found.push(...(await walk(full)));
  }
  return found;
};

describe('a session browser', () => {
  it('listens on no TCP port, writes no DevToolsActivePort and gets none of the server secrets', async (context) => {
    // A real (throw-away) PostgreSQL: the server connects to DATABASE_URL at start, so it must exist.
    const cluster = await startPostgres();
    context.onTestFinished(() => cluster.stop());
    const DATABASE_URL = await cluster.createDatabase('wa_isolation');
    const server = await sandboxServer(context, { WEBHOOK_SECRET, DATABASE_URL });
    await startToReady(server, 'papa');
    await startToReady(server, 'quebec');

    const leaders = (await browsersUnder(server.dataDir)).filter((p) => p.pid === p.pgid);
    expect(leaders.length).toBe(2);
    // Every process of both browsers: the main ones and their renderers.
    const browsers = (await Promise.all(leaders.map((p) => aliveInGroup(p.pgid)))).flat();

    const listening = await listeningTcpInodes();
    const openPorts: Array<{ pid: number; inode: string }> = [];
    const debuggingPortFlags: number[] = [];
    const secretsSeen: string[] = [];
    const missingPath: number[] = [];
    for (const browser of browsers) {
      for (const inode of await socketInodes(browser.pid)) {
        if (listening.has(inode)) openPorts.push({ pid: browser.pid, inode });
      }
      if (browser.cmdline.includes('--remote-debugging-port')) debuggingPortFlags.push(browser.pid);
      const environ = (await readFile(`/proc/${browser.pid}/environ`, 'utf8')).split('\0');
      for (const entry of environ) {
        const name = entry.slice(0, entry.indexOf('='));
        const leaks = ['API_KEY', 'WEBHOOK_SECRET', 'DATABASE_URL'].includes(name);
        const holdsSecret = [TEST_API_KEY, WEBHOOK_SECRET, 'db-password-4711'].some((s) => entry.includes(s));
        if (leaks || holdsSecret) secretsSeen.push(`${browser.pid}:${name}`);
      }
      // What Chromium needs is still there (its children get Chromium's own reduced environment).
      if (browser.pid === browser.pgid && !environ.some((entry) => entry.startsWith('PATH=')))
        missingPath.push(browser.pid);
    }
    const devToolsFiles = (await walk(server.dataDir)).filter(
      (f) => path.basename(f) === 'DevToolsActivePort',
    );

    expect({ openPorts, debuggingPortFlags, devToolsFiles, secretsSeen, missingPath }).toEqual({
      openPorts: [],
      debuggingPortFlags: [],
      devToolsFiles: [],
      secretsSeen: [],
      missingPath: [],
    });
  });

  it('keeps DATA_DIR and every folder the server and its browsers create in it private (0700, files not readable by others)', async (context) => {
    const server = await sandboxServer(context);
    await startToReady(server, 'romeo');

    const dataDirMode = (await stat(server.dataDir)).mode & 0o777;
    expect(dataDirMode.toString(8)).toBe('700');

    const open: string[] = [];
    for (const file of await walk(server.dataDir)) {
      const info = await stat(file).catch(() => null);
      if (!info) continue;
      if (info.isDirectory() && (info.mode & 0o777) !== 0o700)
        open.push(`${file} ${(info.mode & 0o777).toString(8)}`);
      if (info.isFile() && (info.mode & 0o077) !== 0) open.push(`${file} ${(info.mode & 0o777).toString(8)}`);
    }
    expect(open).toEqual([]);
  });
});
