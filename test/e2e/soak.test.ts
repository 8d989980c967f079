import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak/run.js';

describe('chaos soak (issue 12), short run', () => {
  it('60 seeded random operations against the real server keep every promise: 0 violations', async () => {
    const lines: string[] = [];
    const result = await runSoak({ ops: 60, seed: 12, sessions: 4, progress: (line) => lines.push(line) });
    expect(result.violations, lines.join('\n')).toEqual([]);
    expect(result.ops).toBe(60);
  }, 300_000);
});
