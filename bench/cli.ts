import { parseArgs } from 'node:util';
import type { ChromeFlagsPreset } from '../src/browser/chrome-flags.js';
import { type RestoreEntry, restoreEntries } from './restore.js';

export const sectionNames = [
  'lifecycle',
  'memory',
  'scale',
  'webhooks',
  'store',
  'http',
  'restore',
  'footprint',
  'heap',
  'renderer',
  'cluster',
] as const;
export type SectionName = (typeof sectionNames)[number];

export interface BenchOptions {
  runs: number;
  scale: number[];
  only: SectionName[];
  /** Sessions READY at once while memory is measured. */
  memorySessions: number;
  /** Events per webhook throughput round. */
  events: number;
  /** Extra flag sets for the memory figure, each measured as the library's flags plus these. */
  tryFlags: string[];
  /** A preset plus extra flags to measure (memory, renderer): "PRESET: ARGS" parsed. */
  tryPresetFlags: PresetFlags[];
  /** Restore figure: sessions linked, then the server restarted (process start → all READY). */
  restore: number[];
  /** RESTORE_CONCURRENCY of the restoring server; null: its default. */
  restoreConcurrency: string | null;
  /** LAUNCH_CONCURRENCY of the restoring server; null: its default. */
  launchConcurrency: string | null;
  /** How the restoring server runs: built (`node dist/main.js`), tsx, or both. */
  restoreEntries: RestoreEntry[];
  /** Seconds of each autocannon round. */
  duration: number;
  /** http: also a run under V8's CPU profiler, summarized. */
  cpuProfile: boolean;
  /** `--compare URL`: the http drivers against a server already running (then no server is started). */
  compare: string[];
  /** `--compare-header "Name: value"`, sent with every --compare request. */
  compareHeaders: string[];
  /** Cluster figures: sessions on the instance that is killed or stopped. */
  cluster: number[];
  /** Where the report goes; null: stdout only. */
  out: string | null;
}

export const USAGE = `npm run bench -- [options]

Runs the real server in sandbox mode (SIMULATOR=true) with real Chromium and prints figures.
Benchmarks assert nothing. Progress goes to stderr, the tables to stdout and to bench/results.md.

  --runs N              runs per figure (median, min, max); default 5, at least 1
  --scale 10,25,50      sessions at once for the scale figure; default 10,25,50
  --only a,b            sections: lifecycle, memory, scale, webhooks, store, http, restore, footprint,
                        heap, renderer, cluster (default: all)
  --restore 5,20        linked sessions brought back by a restart, for the restore figure; default 5,20
  --cluster 3,15        cluster: sessions on the instance killed (kill -9) or stopped (SIGTERM) while
                        three run on one PostgreSQL behind nginx; default 3,15
  --restore-concurrency N  RESTORE_CONCURRENCY for the restore figure (default: the server's own)
  --launch-concurrency N   LAUNCH_CONCURRENCY for the restore figure (default: the server's own)
  --restore-entry built,tsx  the restoring server as built (node dist/main.js, as Docker runs it)
                        and/or through tsx (npm run dev); default both
  --duration S          seconds of each autocannon round (http); default 10
  --cpu-profile         http: also profile a server under load (node --cpu-prof) and print where
                        its CPU went, by function and by module
  --compare URL         http: run the same autocannon drivers against a server already running at
                        URL instead (repeatable, one route each; e.g. a peer's /ping and its session
                        status); with --compare-header "Name: value" for its key (repeatable)
  --memory-sessions N   sessions READY at once while memory is measured; default 5
  --events K            events per webhook throughput round; default 1000
  --try-flags "ARGS"    memory: also measure --no-sandbox plus these Chromium flags (repeatable)
  --try-preset-flags "PRESET: ARGS"  memory and renderer: also measure a CHROME_FLAGS_PRESET (lean,
                        single-process, library) plus these flags (repeatable),
                        e.g. --try-preset-flags="lean: --js-flags=--lite-mode"
  --out FILE            report file; default bench/results.md; --no-out for stdout only
  --help                this text`;

const presetNames: readonly ChromeFlagsPreset[] = ['lean', 'single-process', 'library'];

export interface PresetFlags {
  preset: ChromeFlagsPreset;
  args: string;
}

const parsePresetFlags = (value: string): PresetFlags => {
  const colon = value.indexOf(':');
  const preset = value.slice(0, colon).trim();
  if (colon < 1 || !(presetNames as readonly string[]).includes(preset)) {
    throw new Error(`--try-preset-flags takes "PRESET: ARGS" with PRESET one of ${presetNames.join(', ')}`);
  }
  return { preset: preset as ChromeFlagsPreset, args: value.slice(colon + 1).trim() };
};

const positive = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} accepts a whole number from 1`);
  return n;
};

/** Parses argv; throws an Error with a one-line message on a bad option. Null means --help. */
export const parseOptions = (argv: string[]): BenchOptions | null => {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '5' },
      scale: { type: 'string', default: '10,25,50' },
      only: { type: 'string', default: sectionNames.join(',') },
      'memory-sessions': { type: 'string', default: '5' },
      events: { type: 'string', default: '1000' },
      'try-flags': { type: 'string', multiple: true, default: [] },
      'try-preset-flags': { type: 'string', multiple: true, default: [] },
      restore: { type: 'string', default: '5,20' },
      cluster: { type: 'string', default: '3,15' },
      duration: { type: 'string', default: '10' },
      'cpu-profile': { type: 'boolean', default: false },
      'restore-concurrency': { type: 'string' },
      'launch-concurrency': { type: 'string' },
      'restore-entry': { type: 'string', default: restoreEntries.join(',') },
      compare: { type: 'string', multiple: true, default: [] },
      'compare-header': { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: 'bench/results.md' },
      'no-out': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  const only = values.only.split(',').map((s) => s.trim());
  for (const name of only) {
    if (!(sectionNames as readonly string[]).includes(name)) {
      throw new Error(`--only accepts ${sectionNames.join(', ')}; got "${name}"`);
    }
  }
  return {
    runs: positive('--runs', values.runs),
    scale: values.scale.split(',').map((s) => positive('--scale', s.trim())),
    only: only as SectionName[],
    memorySessions: positive('--memory-sessions', values['memory-sessions']),
    events: positive('--events', values.events),
    tryFlags: values['try-flags'],
    tryPresetFlags: values['try-preset-flags'].map(parsePresetFlags),
    restore: values.restore.split(',').map((s) => positive('--restore', s.trim())),
    cluster: values.cluster.split(',').map((s) => positive('--cluster', s.trim())),
    duration: positive('--duration', values.duration),
    cpuProfile: values['cpu-profile'],
    restoreConcurrency:
      values['restore-concurrency'] === undefined
        ? null
        : String(positive('--restore-concurrency', values['restore-concurrency'])),
    launchConcurrency:
      values['launch-concurrency'] === undefined
        ? null
        : String(positive('--launch-concurrency', values['launch-concurrency'])),
    restoreEntries: values['restore-entry'].split(',').map((s) => {
      const entry = s.trim();
      if (!(restoreEntries as readonly string[]).includes(entry)) {
        throw new Error(`--restore-entry accepts ${restoreEntries.join(', ')}; got "${entry}"`);
      }
      return entry as RestoreEntry;
    }),
    compare: values.compare,
    compareHeaders: values['compare-header'],
    out: values['no-out'] ? null : values.out,
  };
};
