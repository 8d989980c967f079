import { describe, expect, it } from 'vitest';
import { pickBrowserEnv } from '../../src/browser/browser-env.js';
import { chromeArgsFor, defaultChromeArgs } from '../../src/browser/chrome-flags.js';
import { loadConfig } from '../../src/config.js';

describe("Chromium's environment", () => {
  it('keeps what Chromium needs and drops every secret and anything not on the allow-list', () => {
    const env = pickBrowserEnv({
      PATH: '/usr/bin',
      HOME: '/home/wa',
      LANG: 'de_DE.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'Europe/Berlin',
      XDG_CONFIG_HOME: '/home/wa/.config',
      FONTCONFIG_PATH: '/etc/fonts',
      API_KEY: 'k',
      WEBHOOK_SECRET: 'whsec_x',
      DATABASE_URL: 'postgres://u:p@h/db',
      AWS_SECRET_ACCESS_KEY: 'aws',
      NODE_OPTIONS: '--require /tmp/evil.js',
      LD_PRELOAD: '/tmp/evil.so',
      UNSET: undefined,
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/wa',
      LANG: 'de_DE.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'Europe/Berlin',
      XDG_CONFIG_HOME: '/home/wa/.config',
      FONTCONFIG_PATH: '/etc/fonts',
    });
  });

  it('is computed by config.ts from the real environment, secrets left out', () => {
    const config = loadConfig({ PATH: '/bin', API_KEY: 'a-key', DATABASE_URL: 'postgres://x' });
    expect(config.browserEnv).toEqual({ PATH: '/bin' });
  });
});

describe("Chromium's flags", () => {
  it('run without the sandbox by default (root in a container cannot have it)', () => {
    const args = chromeArgsFor({ preset: 'lean', sandbox: false, extra: ['--lang=de'] });
    expect(args).toContain('--no-sandbox');
    expect(args).toContain('--no-zygote');
    expect(args.at(-1)).toBe('--lang=de');
  });

  it('keep the sandbox with CHROME_SANDBOX=true: no --no-sandbox, and no --no-zygote, which Chromium refuses with it', () => {
    const config = loadConfig({ CHROME_SANDBOX: 'true' });
    const args = chromeArgsFor({ preset: 'lean', sandbox: config.CHROME_SANDBOX, extra: [] });
    expect(args).not.toContain('--no-sandbox');
    expect(args).not.toContain('--no-zygote');
    expect(args.length).toBe(defaultChromeArgs.length - 2);
    expect(chromeArgsFor({ preset: 'library', sandbox: true, extra: [] })).toEqual([]);
  });

  it('run in one process per session only when CHROME_FLAGS_PRESET=single-process asks for it', () => {
    expect(loadConfig({}).CHROME_FLAGS_PRESET).toBe('lean');
    expect(chromeArgsFor({ preset: 'lean', sandbox: false, extra: [] })).not.toContain('--single-process');
    const preset = loadConfig({ CHROME_FLAGS_PRESET: 'single-process' }).CHROME_FLAGS_PRESET;
    const args = chromeArgsFor({ preset, sandbox: false, extra: ['--lang=de'] });
    expect(args).toEqual([...defaultChromeArgs, '--single-process', '--lang=de']);
    expect(() => loadConfig({ CHROME_FLAGS_PRESET: 'one' })).toThrow(
      /CHROME_FLAGS_PRESET=.*accepts lean, library or single-process/,
    );
  });

  it('refuse a DevTools port or address in CHROME_ARGS (DevTools runs over a pipe)', () => {
    expect(() => loadConfig({ CHROME_ARGS: '--lang=de --remote-debugging-port=9222' })).toThrow(
      /Invalid setting CHROME_ARGS=.*no --remote-debugging-\*/,
    );
    expect(() => loadConfig({ CHROME_ARGS: '--remote-debugging-address=0.0.0.0' })).toThrow(/CHROME_ARGS/);
    expect(loadConfig({ CHROME_ARGS: '--lang=de' }).CHROME_ARGS).toEqual(['--lang=de']);
  });
});
