import { describe, expect, it } from 'vitest';
import { restoreConcurrency } from '../../src/sessions/restore.js';

const GiB = 1024 ** 3;

describe('restoreConcurrency', () => {
  it('uses the setting when one is given, whatever the machine', () => {
    expect(restoreConcurrency(3, { cores: 64, freeBytes: 100 * GiB })).toBe(3);
    expect(restoreConcurrency(1, { cores: 1, freeBytes: 0 })).toBe(1);
  });

  it('derives 4 starts per core when memory is plentiful, at most 16', () => {
    expect(restoreConcurrency(0, { cores: 2, freeBytes: 16 * GiB })).toBe(8);
    expect(restoreConcurrency(0, { cores: 32, freeBytes: 64 * GiB })).toBe(16);
  });

  it('starts no more browsers than free memory holds at 256 MiB each, and always at least one', () => {
    expect(restoreConcurrency(0, { cores: 8, freeBytes: 1 * GiB })).toBe(4);
    expect(restoreConcurrency(0, { cores: 8, freeBytes: 100 * 1024 * 1024 })).toBe(1);
  });

  it('reads the real machine when none is given', () => {
    const n = restoreConcurrency(0);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(16);
  });
});
