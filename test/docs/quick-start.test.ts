import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { codeBlocksOf, readText } from './markdown.js';

/**
 * The quick start passes as written: README's set-up line installs debian-packages.txt, CI installs
 * exactly that file, and the file holds what the tests need.
 */

const packages = readText('debian-packages.txt')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '');

const SETUP_LINE = 'sudo apt-get install -y --no-install-recommends $(cat debian-packages.txt)';

describe('quick start', () => {
  for (const readme of ['README.md', 'README.pt-BR.md']) {
    it(`${readme}: its one apt-get line installs debian-packages.txt, before npm ci and npm test`, () => {
      const code = codeBlocksOf(readText(readme)).join('\n');
      const installs = code.split('\n').filter((line) => line.includes('apt-get install'));
      expect(installs.map((line) => line.split('#')[0]?.trim())).toEqual([SETUP_LINE]);
      const block = codeBlocksOf(readText(readme)).find((b) => b.includes(SETUP_LINE)) ?? '';
      expect(block.indexOf(SETUP_LINE)).toBeLessThan(block.indexOf('npm ci'));
      expect(block).toContain('npm test');
    });
  }

  it('.ci/run installs exactly debian-packages.txt, and nothing named elsewhere', () => {
    const ci = readText('.ci/run');
    expect(ci).toContain('mapfile -t packages < debian-packages.txt');
    const installs = ci.split('\n').filter((line) => /apt-get install/.test(line));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/apt-get install .*"\$\{packages\[@\]\}"\s*(>\/dev\/null)?$/);
  });

  it('lists what the tests need: Chromium, nginx, fonts and PostgreSQL, one package a line', () => {
    expect(packages).toEqual(
      expect.arrayContaining(['chromium-headless-shell', 'nginx-light', 'fonts-liberation', 'postgresql']),
    );
    for (const name of packages) expect(name, 'a Debian package name').toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
    expect(new Set(packages).size).toBe(packages.length);
  });

  it('is what this machine, where the tests run, has installed', () => {
    const missing = packages.filter((name) => {
      try {
        const status = execFileSync('dpkg-query', ['--status', name], { encoding: 'utf8' });
        return !status.includes('Status: install ok installed');
      } catch {
        return true;
      }
    });
    expect(missing, `not installed: run ${SETUP_LINE}`).toEqual([]);
  });
});
