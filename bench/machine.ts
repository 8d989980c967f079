import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { resolveChrome } from '../src/browser/chrome.js';

const run = promisify(execFile);

const firstMatch = (text: string, re: RegExp): string | null => re.exec(text)?.[1]?.trim() ?? null;

const safeRead = (file: string): Promise<string> => readFile(file, 'utf8').catch(() => '');

const safeRun = async (file: string, args: string[]): Promise<string> => {
  try {
    return (await run(file, args, { timeout: 10_000 })).stdout.trim();
  } catch {
    return 'unknown';
  }
};

/** 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/** Where the figures come from: CPU, cores, memory, versions, the commit. */
export const describeMachine = async (): Promise<Array<[string, string]>> => {
  const [cpuinfo, meminfo] = await Promise.all([safeRead('/proc/cpuinfo'), safeRead('/proc/meminfo')]);
  const memKiB = Number(firstMatch(meminfo, /^MemTotal:\s+(\d+) kB$/m) ?? '0');
  const chrome = resolveChrome({ chromePath: undefined, headless: undefined, pathEnv: process.env.PATH });
  const chromePath = chrome.found ? chrome.executablePath : 'not found';
  const [chromeVersion, commit] = await Promise.all([
    chrome.found ? safeRun(chromePath, ['--version']) : Promise.resolve('n/a'),
    safeRun('git', ['rev-parse', '--short', 'HEAD']),
  ]);
  return [
    ['Date', new Date().toISOString()],
    ['CPU', firstMatch(cpuinfo, /^model name\s*:\s*(.+)$/m) ?? 'unknown'],
    ['Cores', String(os.availableParallelism())],
    ['Memory', `${(memKiB / 1024 / 1024).toFixed(1)} GiB`],
    ['Kernel', `${os.type()} ${os.release()}`],
    ['Node', process.version],
    ['Chromium', `${chromeVersion} (${chromePath})`],
    ['Commit', commit],
    ['Load average at start', loadAverage()],
  ];
};
