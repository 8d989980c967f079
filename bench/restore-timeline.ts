import { START_PHASE_MSG, startPhases } from '../src/sessions/start-trace.js';
import { STARTUP_STEP_MSG } from '../src/startup-clock.js';
import type { LogLine } from '../test/helpers/server-process.js';
import type { Section } from './report.js';
import { fmt, summarize } from './stats.js';

/** One restore, read from the restoring server's debug log: ms since its process started. */
export interface RestoreTimeline {
  /** The process's own start, after the bench spawned it (exec, node's boot). */
  spawnToOrigin: number;
  /** Startup steps of main.ts, and `restore decided` (the restore's list read, its concurrency set). */
  steps: Map<string, number>;
  /** Each session's phases (start-trace.ts), by phase: one value per session that reached it. */
  phases: Map<string, number[]>;
}

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

export const readTimeline = (logs: readonly LogLine[], spawnedAt: number): RestoreTimeline => {
  const steps = new Map<string, number>();
  const phases = new Map<string, number[]>();
  let spawnToOrigin = Number.NaN;
  for (const line of logs) {
    const at = num(line.sinceStartMs);
    if (at === null) continue;
    const time = num(line.time);
    if (Number.isNaN(spawnToOrigin) && time !== null) spawnToOrigin = time - at - spawnedAt;
    if (line.msg === STARTUP_STEP_MSG && typeof line.step === 'string') steps.set(line.step, at);
    else if (typeof line.msg === 'string' && line.msg.startsWith('Restoring '))
      steps.set('restore decided', at);
    else if (line.msg === START_PHASE_MSG && typeof line.phase === 'string') {
      phases.set(line.phase, [...(phases.get(line.phase) ?? []), at]);
    }
  }
  return { spawnToOrigin, steps, phases };
};

const stepOrder = [
  'modules loaded',
  'store open',
  'restore begun',
  'restore decided',
  'wired',
  'listening',
  'restore done',
];

const medianOf = (values: readonly number[]): string => {
  const s = summarize(values.filter((v) => Number.isFinite(v)));
  return s === null ? 'n/a' : fmt(s.median);
};

/** The median over runs of each step, and of the first, median and last session at each phase. */
export const timelineSection = (what: string, runs: readonly RestoreTimeline[]): Section => {
  const rows: string[][] = [
    ['process started (after spawn)', medianOf(runs.map((r) => r.spawnToOrigin)), '', ''],
  ];
  for (const step of stepOrder) {
    const values = runs.flatMap((r) => (r.steps.has(step) ? [r.steps.get(step) ?? 0] : []));
    if (values.length > 0) rows.push([step, medianOf(values), '', '']);
  }
  for (const phase of startPhases) {
    const per = runs.map((r) => [...(r.phases.get(phase) ?? [])].sort((a, b) => a - b));
    const pick = (f: (sorted: number[]) => number | undefined) =>
      medianOf(per.map((sorted) => f(sorted) ?? Number.NaN));
    rows.push([
      `session: ${phase}`,
      pick((s) => s[0]),
      pick((s) => s[Math.floor((s.length - 1) / 2)]),
      pick((s) => s[s.length - 1]),
    ]);
  }
  return {
    title: `restore timeline, ${what}`,
    header: ['step', 'ms since process start (first session)', 'median session', 'last session'],
    rows,
    notes: [
      `Medians over ${runs.length} run(s), from the restoring server's debug lines ("${STARTUP_STEP_MSG}", "${START_PHASE_MSG}"); a session's phases are those of whatsapp-web.js's initialize(): launch begun (the auth strategy's before-browser call, after the launch queue), Chromium up (browser launched, its first page there), page loaded (the first navigation's load), injected (initialize() resolved), authenticated, ready.`,
    ],
  };
};
