import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

/** The server's Node flags (memory, issue 16) are set twice: npm start and the image's CMD. */
describe('the Node flags of the server', () => {
  it('are the same in the Dockerfile CMD as in npm start', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(cmd).toBeDefined();
    expect((JSON.parse(cmd ?? '[]') as string[]).join(' ')).toBe(start);
  });

  it('cap the young generation and the V8 worker pool (what keeps the idle server near 80 MiB)', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    expect(start.split(' ')).toEqual(
      expect.arrayContaining(['--max-semi-space-size=1', '--v8-pool-size=1', 'dist/main.js']),
    );
  });
});
