import { existsSync } from 'node:fs';
import { withBenchServer } from './bench-server.js';
import { browserGroupOf } from './browsers.js';
import type { PresetFlags } from './cli.js';
import { progress } from './progress.js';
import { groupsMemory } from './pss.js';
import type { Section } from './report.js';
import { startToReady } from './sessions.js';
import { fmt, fmtSummary, summarize } from './stats.js';
import { sleep } from './wait.js';

/** A set of Chromium flags to measure: a label and the server settings that select it. */
export interface FlagSet {
  label: string;
  env: Record<string, string>;
}

/** Debian's full Chromium: what a user of whatsapp-web.js gets with its defaults (new headless mode). */
const FULL_CHROMIUM = '/usr/bin/chromium';

export const defaultFlagSets: FlagSet[] = [
  { label: 'lean (project default)', env: { CHROME_FLAGS_PRESET: 'lean' } },
  { label: 'single-process (opt-in preset)', env: { CHROME_FLAGS_PRESET: 'single-process' } },
  { label: 'library (whatsapp-web.js defaults)', env: { CHROME_FLAGS_PRESET: 'library' } },
  // The library's defaults in full: its flags on a full Chromium in new headless mode. Only where
  // Debian's `chromium` is installed (CI installs only the headless shell).
  ...(existsSync(FULL_CHROMIUM)
    ? [
        {
          label: 'library on full Chromium (new headless)',
          env: { CHROME_FLAGS_PRESET: 'library', CHROME_PATH: FULL_CHROMIUM, HEADLESS: 'new' },
        },
      ]
    : []),
];

/** Flags to try: the library's (--no-sandbox only) plus these, so a set can also drop flags. */
export const candidateFlagSet = (args: string): FlagSet => ({
  label: `library + ${args}`,
  env: { CHROME_FLAGS_PRESET: 'library', CHROME_ARGS: args },
});

/** Flags to try on top of a preset (CHROME_FLAGS_PRESET plus CHROME_ARGS). */
export const presetCandidateFlagSet = (p: PresetFlags): FlagSet => ({
  label: `${p.preset} + ${p.args}`,
  env: { CHROME_FLAGS_PRESET: p.preset, CHROME_ARGS: p.args },
});

/** Time for the pages to finish their start-up work before the memory is read. */
const SETTLE_MS = 3000;

interface Round {
  pssPerSession: number;
  anonPerSession: number;
  processesPerSession: number;
  perSession: number[];
  browsersLeft: number;
}

const measureRound = async (set: FlagSet, sessions: number): Promise<Round> => {
  const { result, browsersLeft } = await withBenchServer(set.env, async (bench) => {
    const pgids: number[] = [];
    for (let i = 0; i < sessions; i++) {
      await startToReady(bench, `mem-${i}`);
      pgids.push(await browserGroupOf(bench.dataDir, `mem-${i}`));
    }
    await sleep(SETTLE_MS);
    return Promise.all(pgids.map((pgid) => groupsMemory(new Set([pgid]))));
  });
  return {
    pssPerSession: result.reduce((a, m) => a + m.pssMiB, 0) / sessions,
    anonPerSession: result.reduce((a, m) => a + m.pssAnonMiB, 0) / sessions,
    processesPerSession: result.reduce((a, m) => a + m.processes, 0) / sessions,
    perSession: result.map((m) => m.pssMiB),
    browsersLeft,
  };
};

export const runMemory = async (runs: number, sessions: number, sets: FlagSet[]): Promise<Section> => {
  const rounds = new Map<string, Round[]>(sets.map((s) => [s.label, []]));
  // Interleaved, so that a drift of the machine over time weighs on every set alike.
  for (let r = 0; r < runs; r++) {
    for (const set of sets) {
      progress(`memory: ${set.label}, run ${r + 1}/${runs} (${sessions} sessions)`);
      rounds.get(set.label)?.push(await measureRound(set, sessions));
    }
  }
  const median = (label: string | undefined, pick: (r: Round) => number) =>
    summarize((rounds.get(label ?? '') ?? []).map(pick))?.median;
  const base = sets[0]?.label;
  const ratio = (value: number | undefined, of: number | undefined) =>
    value === undefined || of === undefined ? 'n/a' : `${fmt((100 * value) / of)} %`;
  const rows = sets.map((set) => {
    const list = rounds.get(set.label) ?? [];
    const single = summarize(list.flatMap((x) => x.perSession));
    return [
      set.label,
      fmtSummary(summarize(list.map((x) => x.pssPerSession))),
      fmtSummary(summarize(list.map((x) => x.anonPerSession))),
      single === null ? 'n/a' : `${fmt(single.min)}–${fmt(single.max)}`,
      fmt(summarize(list.map((x) => x.processesPerSession))?.median ?? Number.NaN),
      `${ratio(
        median(base, (r) => r.pssPerSession),
        median(set.label, (r) => r.pssPerSession),
      )} / ${ratio(
        median(base, (r) => r.anonPerSession),
        median(set.label, (r) => r.anonPerSession),
      )}`,
      String(list.length),
    ];
  });
  return {
    title: `Memory per READY session (${sessions} sessions READY at once)`,
    header: [
      'Chromium flags',
      'PSS MiB per session',
      'of it anonymous (Pss_Anon) MiB',
      'single sessions PSS MiB',
      'processes per session',
      `${base ?? 'first'} as % of this (PSS / anon)`,
      'runs',
    ],
    rows,
    notes: [
      `Chromium processes left after the servers stopped: ${[...rounds.values()].flat().reduce((n, x) => n + x.browsersLeft, 0)}.`,
      'MiB: median (min–max) over the runs. PSS summed over every live process in the browser’s process group (/proc/<pid>/smaps_rollup), ' +
        `${SETTLE_MS} ms after the last session became READY; a run is a fresh server with ${sessions} sessions, ` +
        'its figure the mean per session; the flag sets run interleaved, one server at a time.',
      'PSS divides a page mapped by several processes among them: Chromium’s code and data files are mapped by ' +
        'every Chromium on the machine (other sessions, other servers, other users’ tests), so the file-backed part ' +
        'falls as more run and varies from run to run. The anonymous part (heaps, stacks) is each process’s own: ' +
        'the steadier figure, and what grows with sessions.',
      'These are figures for the simulator page: on the real WhatsApp Web the page’s own JavaScript heap adds far ' +
        'more to the renderer, the same under either set of flags.',
      'library = CHROME_FLAGS_PRESET=library: only --no-sandbox (root), plus what whatsapp-web.js ' +
        '(--disable-blink-features=AutomationControlled, a user agent) and puppeteer add themselves. ' +
        'The first two rows run chromium-headless-shell; "on full Chromium" runs Debian’s chromium package ' +
        'in new headless mode, as whatsapp-web.js does by default.',
    ],
  };
};
