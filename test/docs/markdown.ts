import { readFileSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..', '..');

export const readText = (name: string): string => readFileSync(path.join(root, name), 'utf8');

export interface Heading {
  level: number;
  text: string;
  line: number;
}

/** Lines outside fenced code blocks (a `#` in a shell snippet is no heading). */
const proseLines = (markdown: string): Array<{ text: string; line: number }> => {
  let fenced = false;
  const lines: Array<{ text: string; line: number }> = [];
  markdown.split('\n').forEach((text, index) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) lines.push({ text, line: index + 1 });
  });
  return lines;
};

export const headingsOf = (markdown: string): Heading[] =>
  proseLines(markdown).flatMap(({ text, line }) => {
    const match = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(text);
    return match?.[1] && match[2] ? [{ level: match[1].length, text: match[2], line }] : [];
  });

/** GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept), spaces to dashes. */
export const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** `](#anchor)` links in the prose. */
export const anchorLinksOf = (markdown: string): string[] =>
  proseLines(markdown).flatMap(({ text }) => [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] ?? ''));

/** `![alt](path)` images in the prose, by path. */
export const imagesOf = (markdown: string): string[] =>
  proseLines(markdown).flatMap(({ text }) =>
    [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1] ?? ''),
  );

/** Fenced code blocks, each as its text. */
export const codeBlocksOf = (markdown: string): string[] => {
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      if (current === null) current = [];
      else {
        blocks.push(current.join('\n'));
        current = null;
      }
    } else if (current !== null) current.push(line);
  }
  return blocks;
};
