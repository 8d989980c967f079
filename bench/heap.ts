import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { serverEnv } from '../test/helpers/server-process.js';
import { heapByConstructor, topGrowth } from './heap-snapshot.js';
import { buildServer } from './idle-rss.js';
import { progress } from './progress.js';
import type { Section } from './report.js';

const root = path.resolve(import.meta.dirname, '..');
const MiB = 1024 * 1024;
const SESSIONS = 5;
const TOP = 4;

/** The Node flags `npm start` runs the server with (package.json), so the figures are of that process. */
export const startFlags = async (): Promise<string[]> => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('dist/main.js'));
};

interface Step {
  name: string;
  rss: number;
  heapUsed: number;
  external: number;
  snapshot: string | null;
}

/** heap-steps.ts as plain JavaScript: the child runs without tsx's loader in its memory. */
const transpiledSteps = async (dir: string): Promise<string> => {
  const source = await readFile(path.join(root, 'bench', 'heap-steps.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const file = path.join(dir, 'heap-steps.mjs');
  await writeFile(file, outputText);
  return file;
};

const runSteps = async (script: string, dir: string, snapshots: string | null): Promise<Step[]> => {
  const dataDir = path.join(dir, snapshots === null ? 'data-figures' : 'data-snapshots');
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(await startFlags()),
      script,
      path.join(root, 'dist'),
      ...(snapshots === null ? [] : [snapshots]),
    ],
    {
      cwd: root,
      env: serverEnv(dataDir, {
        LOG_LEVEL: 'warn',
        SIMULATOR: 'true',
        RESTORE_ON_START: 'false',
        INIT_TIMEOUT_MS: '600000',
        PROTOCOL_TIMEOUT_MS: '120000',
        HEAP_STEPS_SESSIONS: String(SESSIONS),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`heap steps exited with ${code}: ${err.trim().slice(-400)}`);
  return out
    .split('\n')
    .filter((l) => l.startsWith('step '))
    .map((l) => JSON.parse(l.slice(5)) as Step);
};

const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

/**
 * Where the server's own memory goes, step by step of its start-up (src/main.ts's order, the built
 * modules, npm start's Node flags), then with the first and the 5th session READY: RSS and V8 heap
 * from one run, and from a second run's heap snapshots what grew most at each step.
 */
export const runHeap = async (): Promise<Section> => {
  progress('heap: npm run build');
  await buildServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-sessions-bench-heap-'));
  try {
    const script = await transpiledSteps(dir);
    progress('heap: figures (no snapshot)');
    const figures = await runSteps(script, dir, null);
    progress('heap: snapshots');
    const snapshots = path.join(dir, 'snapshots');
    await mkdir(snapshots);
    const snapped = await runSteps(script, dir, snapshots);
    const rows: string[][] = [];
    let before = new Map<string, number>();
    for (const [i, step] of figures.entries()) {
      const file = snapped[i]?.snapshot;
      const groups = file ? await heapByConstructor(file) : new Map<string, number>();
      const grew = topGrowth(before, groups, TOP)
        .map((g) => `${g.name} +${mib(g.bytes)}`)
        .join(', ');
      before = groups;
      const previous = figures[i - 1];
      rows.push([
        step.name,
        mib(step.rss),
        previous ? `${step.rss >= previous.rss ? '+' : ''}${mib(step.rss - previous.rss)}` : '',
        mib(step.heapUsed),
        mib(step.external),
        grew,
      ]);
    }
    return {
      title: 'heap',
      header: [
        'step',
        'RSS MiB',
        'Δ RSS',
        'V8 heap used MiB',
        'external MiB',
        `what grew most in the heap (MiB, top ${TOP})`,
      ],
      rows,
      notes: [
        `src/main.ts's start-up steps on the built modules (npm run build), \`node --expose-gc ${(await startFlags()).join(' ')}\` as npm start runs it, SIMULATOR=true, SQLite; figures after two forced garbage collections; one run.`,
        'Heap groups: objects by constructor, the rest by V8 node type ((compiled code), (strings) – module sources among them –, (closures), (arrays)...), self sizes, from a second run that writes a heap snapshot after each step (bench/heap-steps.ts).',
        'Open the snapshots in Chrome DevTools (Memory tab) for the retainers: run bench/heap-steps.ts by hand with a SNAPSHOT_DIR.',
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
