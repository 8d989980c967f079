import { describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../../src/http/trust-proxy.js';
import { buildApp } from './harness.js';

describe('TRUST_PROXY', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['', false],
    ['1', 1],
    ['2', 2],
    ['loopback', 'loopback'],
    ['loopback, 10.0.0.0/8 ,uniquelocal', 'loopback,10.0.0.0/8,uniquelocal'],
  ] as const)('reads %j as %j', (value, expected) => {
    expect(parseTrustProxy(value)).toBe(expected);
  });

  it('refuses an address list Express cannot use, naming the setting', () => {
    expect(() => buildApp({ env: { TRUST_PROXY: 'not-an-address' } })).toThrow(
      /TRUST_PROXY="not-an-address"/,
    );
  });
});
