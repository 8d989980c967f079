import { type ChromeFlagsPreset, chromeArgsFor } from '../src/browser/chrome-flags.js';
import { createRealClient, type RealClient } from '../test/helpers/real-client.js';
import type { PresetFlags } from './cli.js';
import { progress } from './progress.js';
import { liveInGroups, processMemory } from './pss.js';
import type { Section } from './report.js';
import { fmtSummary, summarize } from './stats.js';
import { sleep } from './wait.js';

/** A preset plus extra flags, as the server would launch it (CHROME_FLAGS_PRESET, CHROME_ARGS). */
export interface RendererFlagSet {
  label: string;
  preset: ChromeFlagsPreset;
  extra: string[];
}

export const rendererFlagSets = (tries: readonly PresetFlags[]): RendererFlagSet[] => [
  { label: 'lean (project default)', preset: 'lean', extra: [] },
  { label: 'single-process (opt-in preset)', preset: 'single-process', extra: [] },
  ...tries.map((t) => ({
    label: `${t.preset} + ${t.args}`,
    preset: t.preset,
    extra: t.args.split(/\s+/).filter((a) => a !== ''),
  })),
];

const SETTLE_MS = 3000;
const MiB = 1024 * 1024;

interface SessionMemory {
  /** Pss_Anon of the browser process (the one puppeteer spawned), MiB. */
  browserAnon: number;
  /** Pss_Anon of its renderer processes, MiB (0 when the renderer runs in the browser process). */
  rendererAnon: number;
  /** Pss_Anon of any other process of the session (utility processes), MiB. */
  otherAnon: number;
  processes: number;
  /** Every process of the session: PSS, MiB. */
  pss: number;
  /** The page's V8 heap from DevTools (Runtime.getHeapUsage): used, and total (what V8 holds). */
  heapUsed: number;
  heapTotal: number;
}

const measureOne = async (real: RealClient): Promise<SessionMemory> => {
  const pid = real.browserPid();
  const page = real.client.pupPage;
  if (pid === undefined || !page) throw new Error('The client has no browser');
  const procs = await liveInGroups(new Set([pid]));
  let browserAnon = 0;
  let rendererAnon = 0;
  let otherAnon = 0;
  let pss = 0;
  for (const p of procs) {
    const m = await processMemory(p.pid);
    pss += m.pss;
    if (p.pid === pid) browserAnon += m.pssAnon;
    // Chromium rewrites its children's command line into one string: search it, not argv.
    else if (p.cmdline.includes('--type=renderer')) rendererAnon += m.pssAnon;
    else otherAnon += m.pssAnon;
  }
  const cdp = await page.createCDPSession();
  try {
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    return {
      browserAnon: browserAnon / 1024,
      rendererAnon: rendererAnon / 1024,
      otherAnon: otherAnon / 1024,
      processes: procs.length,
      pss: pss / 1024,
      heapUsed: heap.usedSize / MiB,
      heapTotal: heap.totalSize / MiB,
    };
  } finally {
    await cdp.detach().catch(() => undefined);
  }
};

/** `sessions` real clients READY at once on the simulator page, each measured; always cleaned up. */
const measureRound = async (set: RendererFlagSet, sessions: number): Promise<SessionMemory[]> => {
  const args = chromeArgsFor({ preset: set.preset, sandbox: false, extra: set.extra });
  const clients: RealClient[] = [];
  try {
    for (let i = 0; i < sessions; i++) {
      const real = await createRealClient({ args, clientId: `r${i}` });
      clients.push(real);
      await real.initialize(60_000);
      await real.events.waitFor('qr', { timeoutMs: 60_000 });
      await real.driver().scan();
      await real.events.waitFor('ready', { timeoutMs: 60_000 });
    }
    await sleep(SETTLE_MS);
    const result: SessionMemory[] = [];
    for (const real of clients) result.push(await measureOne(real));
    return result;
  } finally {
    await Promise.allSettled(clients.map((c) => c.cleanup()));
  }
};

/**
 * Where a READY session's memory is, by process, and the page's own V8 heap, for each flag set:
 * the whatsapp-web.js client in this process (so the page is reachable over DevTools), not the server.
 */
export const runRenderer = async (
  runs: number,
  sessions: number,
  sets: readonly RendererFlagSet[],
): Promise<Section> => {
  const rounds = new Map<string, SessionMemory[]>(sets.map((s) => [s.label, []]));
  for (let r = 0; r < runs; r++) {
    for (const set of sets) {
      progress(`renderer: ${set.label}, run ${r + 1}/${runs} (${sessions} sessions)`);
      rounds.get(set.label)?.push(...(await measureRound(set, sessions)));
    }
  }
  const col = (list: SessionMemory[], pick: (m: SessionMemory) => number) =>
    fmtSummary(summarize(list.map(pick)));
  return {
    title: `Renderer memory per READY session (${sessions} at once)`,
    header: [
      'Chromium flags',
      'PSS MiB',
      'browser process Pss_Anon MiB',
      'renderer Pss_Anon MiB',
      'other processes Pss_Anon MiB',
      'processes',
      'page V8 heap used MiB',
      'page V8 heap total MiB',
      'sessions measured',
    ],
    rows: sets.map((set) => {
      const list = rounds.get(set.label) ?? [];
      return [
        set.label,
        col(list, (m) => m.pss),
        col(list, (m) => m.browserAnon),
        col(list, (m) => m.rendererAnon),
        col(list, (m) => m.otherAnon),
        col(list, (m) => m.processes),
        col(list, (m) => m.heapUsed),
        col(list, (m) => m.heapTotal),
        String(list.length),
      ];
    }),
    notes: [
      `Per session: median (min–max) over every session of every run; read ${SETTLE_MS / 1000} s after the last READY.`,
      'A real whatsapp-web.js client in the bench process on the simulator page, launched with the preset’s flags as the server builds them ' +
        '(chromeArgsFor), so that its page is reachable over DevTools: Runtime.getHeapUsage gives the page’s V8 heap. ' +
        'Pss_Anon per process from /proc/<pid>/smaps_rollup: the browser process (with --single-process the renderer is in it) and its renderers.',
    ],
  };
};
