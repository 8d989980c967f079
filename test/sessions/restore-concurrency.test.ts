import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { restoreConcurrency } from '../../src/sessions/restore.js';
import { startConcurrency } from '../../src/sessions/start-concurrency.js';

const GiB = 1024 ** 3;

describe('startConcurrency (LAUNCH_CONCURRENCY by default)', () => {
  it('derives one start per core when memory is plentiful, at most 16', () => {
    expect(startConcurrency({ cores: 2, freeBytes: 16 * GiB })).toBe(2);
    expect(startConcurrency({ cores: 1, freeBytes: 16 * GiB })).toBe(1);
    expect(startConcurrency({ cores: 32, freeBytes: 64 * GiB })).toBe(16);
  });

  it('starts no more browsers than free memory holds at 256 MiB each, and always at least one', () => {
    expect(startConcurrency({ cores: 8, freeBytes: 1 * GiB })).toBe(4);
    expect(startConcurrency({ cores: 8, freeBytes: 16 * GiB })).toBe(8);
    expect(startConcurrency({ cores: 8, freeBytes: 100 * 1024 * 1024 })).toBe(1);
  });

  it('is the default of LAUNCH_CONCURRENCY, read from the real machine; a setting overrides it', () => {
    const derived = startConcurrency();
    expect(derived).toBeGreaterThanOrEqual(1);
    expect(derived).toBeLessThanOrEqual(16);
    expect(loadConfig({}).LAUNCH_CONCURRENCY).toBeGreaterThanOrEqual(1);
    expect(loadConfig({ LAUNCH_CONCURRENCY: '3' }).LAUNCH_CONCURRENCY).toBe(3);
  });
});

describe('restoreConcurrency', () => {
  it('uses the setting when one is given, whatever the number of sessions', () => {
    expect(restoreConcurrency(3, 20)).toBe(3);
    expect(restoreConcurrency(1, 1)).toBe(1);
  });

  it('by default (0) starts every session at once: the launch queue bounds the browsers', () => {
    expect(restoreConcurrency(0, 20)).toBe(20);
    expect(restoreConcurrency(0, 0)).toBe(1);
  });
});
