import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
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
    const build = () => buildApp({ env: { TRUST_PROXY: 'not-an-address' } });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/TRUST_PROXY="not-an-address"/);
  });
});
