import { describe, expect, it } from 'vitest';
import { anchorLinksOf, anchorOf, type Heading, headingsOf, imagesOf, readText } from './markdown.js';

/**
 * README.md and README.pt-BR.md tell the same story: the same sections, in the same order, at the same
 * levels (titles are translated, so they are matched by position). Anyone adding a section to one
 * README adds it to the other.
 */

const english = readText('README.md');
const portuguese = readText('README.pt-BR.md');

/**
 * Both outlines side by side, for the failure message. Titles are translated, so a missing section
 * shows as the point from which the two columns stop telling the same story; `≠` marks rows whose
 * levels differ.
 */
const sideBySide = (a: Heading[], b: Heading[]): string => {
  const cell = (h: Heading | undefined) =>
    h ? `${'#'.repeat(h.level)} ${h.text} (line ${h.line})` : '(nothing)';
  const rows: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const differs = a[i]?.level !== b[i]?.level;
    rows.push(
      `  ${differs ? '≠' : ' '} ${String(i + 1).padStart(2)} ${cell(a[i]).padEnd(58)} | ${cell(b[i])}`,
    );
  }
  return [
    `README.md has ${a.length} headings, README.pt-BR.md ${b.length}; their outlines must match row by row:`,
    `       ${'README.md'.padEnd(58)} | README.pt-BR.md`,
    ...rows,
    'Add the missing section (translated) to the other README, at the same place and level.',
  ].join('\n');
};

describe('README.md and README.pt-BR.md', () => {
  it('link to each other at the top', () => {
    expect(english.split('\n').slice(0, 5).join('\n')).toContain('(README.pt-BR.md)');
    expect(portuguese.split('\n').slice(0, 5).join('\n')).toContain('(README.md)');
  });

  it('have the same sections, in the same order and at the same levels', () => {
    const a = headingsOf(english);
    const b = headingsOf(portuguese);
    expect(a.length, 'README.md has headings').toBeGreaterThan(10);
    const same = a.length === b.length && a.every((h, i) => h.level === b[i]?.level);
    expect(same, sideBySide(a, b)).toBe(true);
  });

  it('show the same pictures', () => {
    expect(imagesOf(portuguese)).toEqual(imagesOf(english));
  });

  for (const [name, text] of [
    ['README.md', english],
    ['README.pt-BR.md', portuguese],
  ] as const) {
    it(`${name}: every #anchor link points at a heading of that file`, () => {
      const anchors = new Set(headingsOf(text).map((h) => anchorOf(h.text)));
      const broken = anchorLinksOf(text).filter((link) => !anchors.has(decodeURIComponent(link)));
      expect(broken, `${name}: links to no heading (anchors: ${[...anchors].join(', ')})`).toEqual([]);
    });
  }
});
