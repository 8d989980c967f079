/**
 * No Docker engine or Kubernetes runs where this project is developed, and the project has no YAML
 * parser of its own, so deployment files are checked as text (as compose.test.ts does): by blocks,
 * a key's line and every more-indented line after it, comments and blank lines dropped.
 */

const clean = (text: string): string[] =>
  text.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));

const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * The block under `path` (keys from the top, e.g. ['services', 'wa-1', 'environment']): its lines
 * without the key line. Throws when a key is missing, so a renamed key fails loudly.
 */
export const block = (text: string, path: string[]): string => {
  let lines = clean(text);
  for (const key of path) {
    // Only keys at this level: a `volumes:` inside a service is not the top-level one.
    const base = Math.min(...lines.map(indentOf));
    const start = lines.findIndex(
      (line) => indentOf(line) === base && new RegExp(`^\\s*(- )?${escapeRegExp(key)}:( |$)`).test(line),
    );
    const head = lines[start];
    if (head === undefined) throw new Error(`no key ${path.join('.')} (missing ${key})`);
    const indent = indentOf(head) + (head.trimStart().startsWith('- ') ? 2 : 0);
    const body: string[] = [];
    const inline = head.slice(head.indexOf(`${key}:`) + key.length + 1).trim();
    if (inline !== '' && !inline.startsWith('&')) body.push(`${' '.repeat(indent + 2)}${inline}`);
    for (const line of lines.slice(start + 1)) {
      if (indentOf(line) <= indent && !(indentOf(line) === indent && line.trimStart().startsWith('- ')))
        break;
      body.push(line);
    }
    lines = body;
  }
  return lines.join('\n');
};

/** The scalar value of `key` directly in this block (quotes removed), or undefined. */
export const scalar = (text: string, key: string): string | undefined => {
  const lines = clean(text);
  const base = Math.min(...lines.map(indentOf));
  for (const line of lines) {
    if (indentOf(line) !== base) continue;
    const match = new RegExp(`^\\s*(?:- )?${escapeRegExp(key)}:\\s+(.+)$`).exec(line);
    if (match?.[1] !== undefined) return match[1].replace(/^(["'])(.*)\1$/, '$2');
  }
  return undefined;
};

/** The keys directly in this block. */
export const keys = (text: string): string[] => {
  const lines = clean(text);
  const base = Math.min(...lines.map(indentOf));
  return lines
    .filter((line) => indentOf(line) === base)
    .map((line) => /^\s*(?:- )?([\w.<-]+):/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined);
};

/** The items of a block-style list (`- a`), quotes removed. */
export const items = (text: string): string[] =>
  clean(text)
    .filter((line) => line.trimStart().startsWith('- '))
    .map((line) =>
      line
        .trimStart()
        .slice(2)
        .trim()
        .replace(/^(["'])(.*)\1$/, '$2'),
    );

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The entries of a list of maps, each as its own block (the `- ` taken off its first line). */
export const entries = (text: string): string[] => {
  const lines = clean(text);
  const base = Math.min(...lines.map(indentOf));
  const result: string[][] = [];
  for (const line of lines) {
    if (indentOf(line) === base && line.trimStart().startsWith('- ')) {
      result.push([`${' '.repeat(base + 2)}${line.trimStart().slice(2)}`]);
    } else {
      result.at(-1)?.push(line);
    }
  }
  return result.map((entry) => entry.join('\n'));
};
