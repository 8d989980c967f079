// npm run lint:docker: lints the Dockerfile. Exit 1 on any finding.
//
// 1. dockerfile-utils (the validator behind the Docker language server of VS Code and other editors):
//    syntax, instruction arguments and flags, JSON forms, duplicate CMD/ENTRYPOINT/HEALTHCHECK,
//    casing. Every one of its warnings is raised to an error here.
// 2. This image's own rules, which no npm-installable linter checks (hadolint does, but ships as a
//    binary only): pinned base images, apt hygiene, a non-root user, tini as PID 1, a health check.
import { readFileSync } from 'node:fs';
import { ValidationSeverity, validate } from 'dockerfile-utils';

const file = process.argv[2] ?? 'Dockerfile';
const text = readFileSync(file, 'utf8');
const problems = [];

const everyRuleAnError = Object.fromEntries(
  [
    'deprecatedMaintainer',
    'directiveCasing',
    'emptyContinuationLine',
    'instructionCasing',
    'instructionCmdMultiple',
    'instructionEntrypointMultiple',
    'instructionHealthcheckMultiple',
    'instructionJSONInSingleQuotes',
    'instructionWorkdirRelative',
  ].map((rule) => [rule, ValidationSeverity.ERROR]),
);
for (const d of validate(text, everyRuleAnError)) {
  problems.push(`${file}:${d.range.start.line + 1}: ${d.message}`);
}

// Instructions as logical lines: continuations joined, comments and blank lines dropped.
const instructions = [];
let pending = null;
text.split('\n').forEach((raw, index) => {
  const line = raw.trimEnd();
  if (pending === null && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
  if (pending !== null && line.trimStart().startsWith('#')) return;
  const continued = line.endsWith('\\');
  const body = continued ? line.slice(0, -1) : line;
  pending =
    pending === null
      ? { line: index + 1, text: body.trim() }
      : { ...pending, text: `${pending.text} ${body.trim()}` };
  if (!continued) {
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ line: pending.line, keyword: keyword.toUpperCase(), args: rest.join(' ') });
    pending = null;
  }
});

const report = (at, message) => problems.push(`${file}:${at}: ${message}`);
const stages = [];
for (const i of instructions) {
  if (i.keyword === 'FROM') stages.push([]);
  stages.at(-1)?.push(i);
}
const stageNames = new Set(
  instructions
    .filter((i) => i.keyword === 'FROM')
    .map((i) => /\bAS\s+(\S+)/i.exec(i.args)?.[1]?.toLowerCase()),
);

for (const i of instructions) {
  if (i.keyword === 'FROM') {
    const image = i.args.split(/\s+/).find((word) => !word.startsWith('--')) ?? '';
    if (!stageNames.has(image.toLowerCase()) && (!/[:@]/.test(image) || image.endsWith(':latest'))) {
      report(i.line, `FROM ${image}: pin the base image with a tag (not latest) or a digest`);
    }
  }
  if (i.keyword === 'RUN' && /\bapt-get\s+(-\S+\s+)*install\b/.test(i.args)) {
    if (!i.args.includes('--no-install-recommends')) {
      report(i.line, 'apt-get install without --no-install-recommends pulls in packages nobody asked for');
    }
    if (!/\bapt-get\s+update\b/.test(i.args))
      report(i.line, 'apt-get install without apt-get update in the same RUN');
    if (!i.args.includes('rm -rf /var/lib/apt/lists')) {
      report(
        i.line,
        'apt-get install leaves the package lists in the layer: rm -rf /var/lib/apt/lists/* in the same RUN',
      );
    }
  }
  if (i.keyword === 'ADD' && /https?:\/\//.test(i.args))
    report(i.line, 'ADD of a URL: download in a RUN step instead');
}

const final = stages.at(-1) ?? [];
const last = (keyword) => final.filter((i) => i.keyword === keyword).at(-1);
const user = last('USER');
if (!user || /^(root|0)(:|$)/.test(user.args))
  report(user?.line ?? 1, 'the final stage must run as a non-root USER');
if (!last('ENTRYPOINT')?.args.includes('tini')) {
  report(1, 'the final stage must run tini as PID 1 (it reaps the Chromium processes)');
}
if (!last('HEALTHCHECK')) report(1, 'the final stage needs a HEALTHCHECK');

for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
console.log(`${file}: no problems (${instructions.length} instructions)`);
