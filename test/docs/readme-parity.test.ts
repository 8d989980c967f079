import { describe, expect, it } from 'vitest';
import { anchorLinksOf, anchorOf, type Heading, headingsOf, imagesOf, readText } from './markdown.js';

/**
 * README.md and README.pt-BR.md tell the same story: the same sections, in the same order, at the same
 * levels (titles are translated, so they are matched by position). Anyone adding a section to one
 * README adds it to the other.
 */

const english = readText('README.md');
const portuguese = readText('README.pt-BR.md');

const outline = (headings: Heading[]) =>
  headings.map((h) => `${'#'.repeat(h.level)} ${h.text} (line ${h.line})`);

/** The two outlines side by side from the first section where they part, for the failure message. */
const divergence = (a: Heading[], b: Heading[]): string => {
  let i = 0;
  while (i < a.length && i < b.length && a[i]?.level === b[i]?.level) i++;
  const rows: string[] = [];
  for (let j = Math.max(0, i - 1); j < Math.min(Math.max(a.length, b.length), i + 6); j++) {
    const left = a[j] ? `${'#'.repeat(a[j]?.level ?? 0)} ${a[j]?.text} (line ${a[j]?.line})` : '(nothing)';
    const right = b[j] ? `${'#'.repeat(b[j]?.level ?? 0)} ${b[j]?.text} (line ${b[j]?.line})` : '(nothing)';
    rows.push(`  ${j === i ? '>' : ' '} ${left.padEnd(60)} | ${right}`);
  }
  return [
    `README.md has ${a.length} headings, README.pt-BR.md ${b.length}; they part at heading ${i + 1}:`,
    `    ${'README.md'.padEnd(60)} | README.pt-BR.md`,
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
    expect(same, divergence(a, b)).toBe(true);
    // Also visible in the diff when the message above is not enough.
    expect(outline(b).map((l) => l.split(' ')[0])).toEqual(outline(a).map((l) => l.split(' ')[0]));
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
