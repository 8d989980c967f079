import { existsSync, realpathSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browserExecutables } from '../../src/browser/orphans.js';

describe('the executables a launched browser runs as', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'browser-executables-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are the binary itself when the configured file is not a script', async () => {
    const binary = path.join(dir, 'chrome');
    await writeFile(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x23, 0x21]));
    expect([...browserExecutables(binary)]).toEqual([realpathSync(binary)]);
  });

  it('add the binaries a launcher script execs when the file starts with #!', async () => {
    const script = path.join(dir, 'chromium');
    await writeFile(script, '#!/bin/sh\nexec /usr/lib/chromium/chromium "$@"\n');
    await chmod(script, 0o755);
    const found = browserExecutables(script);
    expect(found.has(realpathSync(script))).toBe(true);
    // Added only where such a binary exists on this machine (resolved, like the script itself).
    const lib = '/usr/lib/chromium/chromium';
    expect(found.has(existsSync(lib) ? realpathSync(lib) : lib)).toBe(existsSync(lib));
  });

  it('are none when the configured file does not exist', () => {
    expect(browserExecutables(path.join(dir, 'missing')).size).toBe(0);
  });
});
