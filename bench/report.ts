/** One section of the results: a table and what to know when reading it. */
export interface Section {
  title: string;
  header: string[];
  rows: string[][];
  notes: string[];
}

export const markdownTable = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
};

export const renderSection = (section: Section): string =>
  [
    `## ${section.title}`,
    '',
    markdownTable(section.header, section.rows),
    ...(section.notes.length > 0 ? ['', ...section.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
