import { parseArgs } from 'node:util';
import { runSoak } from './soak/run.js';

/**
 * `npm run soak -- --ops N --seed S [--sessions K]`: the chaos soak of issue 12 against the real
 * server in sandbox mode. Prints progress, every violation with the seed to replay it, and
 * `N ops, V violations` at the end; exits 1 on any violation.
 */
const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '100' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    sessions: { type: 'string', default: '6' },
  },
});
const ops = Number(values.ops);
const seed = Number(values.seed);
const sessions = Number(values.sessions);
if (![ops, seed, sessions].every((n) => Number.isInteger(n) && n >= 0) || ops < 1 || sessions < 1) {
  console.error('usage: npm run soak -- --ops N --seed S [--sessions K] (whole numbers, N and K at least 1)');
  process.exit(2);
}
console.log(`soak: ${ops} ops, seed ${seed}, ${sessions} sessions`);
const result = await runSoak({ ops, seed, sessions, progress: (line) => console.log(line) });
console.log(
  `counts: ${JSON.stringify(result.counts)}; restarts ${result.restarts}; ${Math.round(result.ms / 1000)} s`,
);
console.log(`${result.ops} ops, ${result.violations.length} violations (seed ${seed})`);
process.exit(result.violations.length === 0 ? 0 : 1);
