import { readFile } from 'node:fs/promises';

/** The part of a V8 heap snapshot's JSON read here (https://v8.dev/docs/heap-snapshot format). */
interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/**
 * Bytes held by each kind of object in a heap snapshot: objects by constructor name, the rest by
 * V8's node type ("(compiled code)", "(strings)", "(closures)", "(arrays)"...). Self sizes, so the
 * groups add up to the snapshot's total.
 */
export const heapByConstructor = async (file: string): Promise<Map<string, number>> => {
  const snap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?';
    const size = snap.nodes[i + sizeAt] ?? 0;
    const key =
      type === 'object' || type === 'native'
        ? (snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?')
        : type === 'concatenated string' || type === 'sliced string'
          ? '(strings)'
          : `(${type === 'string' ? 'strings' : type === 'closure' ? 'closures' : type})`;
    groups.set(key, (groups.get(key) ?? 0) + size);
  }
  return groups;
};

/** The groups that grew most from `before` to `after`, largest first. */
export const topGrowth = (
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  count: number,
): Array<{ name: string; bytes: number }> =>
  [...after]
    .map(([name, bytes]) => ({ name, bytes: bytes - (before.get(name) ?? 0) }))
    .filter((g) => g.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
