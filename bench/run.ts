import { writeFile } from 'node:fs/promises';
import { closeAllServers } from './bench-server.js';
import { type BenchOptions, parseOptions, type SectionName, USAGE } from './cli.js';
import { closeAllClusters, runCluster } from './cluster.js';
import { runFootprint } from './footprint.js';
import { runHeap } from './heap.js';
import { runCompare, runHttp, runHttpProfile } from './http.js';
import { runLifecycle } from './lifecycle.js';
import { describeMachine, loadAverage } from './machine.js';
import { candidateFlagSet, defaultFlagSets, presetCandidateFlagSet, runMemory } from './memory.js';
import { progress } from './progress.js';
import { rendererFlagSets, runRenderer } from './renderer.js';
import { markdownTable, renderSection, type Section } from './report.js';
import { runRestore } from './restore.js';
import { runScale } from './scale.js';
import { runStore } from './store.js';
import { runWebhooks } from './webhooks.js';

const sections: Record<SectionName, (o: BenchOptions) => Promise<Section[]>> = {
  lifecycle: async (o) => [await runLifecycle(o.runs)],
  memory: async (o) => [
    await runMemory(o.runs, o.memorySessions, [
      ...defaultFlagSets,
      ...o.tryPresetFlags.map(presetCandidateFlagSet),
      ...o.tryFlags.map(candidateFlagSet),
    ]),
  ],
  scale: async (o) => [await runScale(o.scale)],
  webhooks: async (o) => runWebhooks(o.runs, o.events),
  store: async (o) => runStore(o.runs, o.events),
  http: async (o) =>
    o.compare.length > 0
      ? [await runCompare(o.compare, o.compareHeaders, o.runs, o.duration)]
      : [await runHttp(o.runs, o.duration), ...(o.cpuProfile ? await runHttpProfile(o.duration) : [])],
  restore: async (o) =>
    runRestore(o.restore, o.runs, {
      concurrency: o.restoreConcurrency,
      launchConcurrency: o.launchConcurrency,
      entries: o.restoreEntries,
    }),
  footprint: async (o) => [await runFootprint(o.runs)],
  heap: async () => [await runHeap()],
  renderer: async (o) => [await runRenderer(o.runs, o.memorySessions, rendererFlagSets(o.tryPresetFlags))],
  cluster: async (o) => [await runCluster(o.cluster, o.runs)],
};

const main = async (): Promise<number> => {
  let options: BenchOptions | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  const machine = await describeMachine();
  const results: string[] = [];
  for (const name of options.only) {
    progress(`${name}: start`);
    try {
      for (const section of await sections[name](options)) results.push(renderSection(section));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      progress(`${name}: failed: ${message}`);
      results.push(`## ${name}\n\nDid not complete: ${message}\n`);
    } finally {
      await closeAllServers();
      await closeAllClusters();
    }
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const settings = [
    `Runs per figure: ${options.runs}; scale: ${options.scale.join(', ')} sessions; ` +
      `memory: ${options.memorySessions} sessions at once; webhook rounds of ${options.events} events.`,
    'Every server: the real one (`src/main.ts` via tsx) in its own process, SIMULATOR=true, ' +
      'RESTORE_ON_START=false, LOG_LEVEL=debug (JSON logs, read for state-change timestamps), ' +
      'its own temporary DATA_DIR, removed afterwards; settings not named are the defaults.',
    `Sections: ${options.only.join(', ')}; the whole bench took ${minutes} min; load average at the end: ${loadAverage()}.`,
  ];
  const report = [
    '# wa-sessions benchmark',
    '',
    'Written by `npm run bench`. Figures, not assertions: they vary from machine to machine and run to run.',
    '',
    markdownTable(['Machine', ''], machine),
    '',
    ...settings.map((s) => `- ${s}`),
    '',
    ...results,
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (options.out !== null) {
    await writeFile(options.out, report);
    progress(`written to ${options.out}`);
  }
  return 0;
};

const interrupt = () => {
  progress('interrupted: stopping every server');
  void Promise.allSettled([closeAllServers(), closeAllClusters()]).finally(() => process.exit(130));
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    await closeAllServers();
    await closeAllClusters();
    process.exit(1);
  },
);
