import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Shortens a frame's file: `pino`, `src/http/fast-lane.ts`, `node:_http_outgoing`. */
const whereOf = (url: string): string => {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  // The sources through tsx, or the built server's dist/ files.
  for (const folder of ['/src/', '/dist/']) {
    const at = url.indexOf(folder);
    if (at !== -1) return url.slice(at + 1);
  }
  return url === '' ? '(native)' : url;
};

/** The biggest `.cpuprofile` in `dir` (Node writes one per thread; the main thread's is the largest). */
export const readMainProfile = async (dir: string): Promise<CpuProfile> => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  let best: { size: number; text: string } | null = null;
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    if (best === null || text.length > best.size) best = { size: text.length, text };
  }
  if (best === null) throw new Error(`No .cpuprofile in ${dir}: did the server exit cleanly?`);
  return JSON.parse(best.text) as CpuProfile;
};

/**
 * Self time by function and by module, as shares of the time the server was busy (idle and the
 * profiler's own "(program)" left out): where each request's time went.
 */
export const summarizeProfile = (
  profile: CpuProfile,
  top = 15,
): { functions: string[][]; modules: string[][] } => {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (
      node === undefined ||
      node.callFrame.functionName === '(idle)' ||
      node.callFrame.functionName === '(program)'
    ) {
      return;
    }
    busy += dt;
    const where = whereOf(node.callFrame.url);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${where}${node.callFrame.url === '' ? '' : `:${node.callFrame.lineNumber + 1}`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    byModule.set(where, (byModule.get(where) ?? 0) + dt);
  });
  const rows = (map: Map<string, number>): string[][] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => [name, `${((100 * t) / Math.max(1, busy)).toFixed(1)}%`]);
  return { functions: rows(byFunction), modules: rows(byModule) };
};
