import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine runs where this project is developed, so the compose file's hardening is checked
 * as text: each service block must carry it. (The Dockerfile is linted by `npm run lint:docker`.)
 */
const compose = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'docker-compose.yml'), 'utf8');

/** The lines of one service, up to the next top-level or service key. */
const service = (name: string): string => {
  const start = compose.indexOf(`\n  ${name}:\n`);
  if (start === -1) throw new Error(`no service ${name}`);
  const rest = compose.slice(start + 1);
  const end = rest.slice(1).search(/\n(?: {2}[a-z][\w-]*:|[a-z][\w-]*:)/);
  return (end === -1 ? rest : rest.slice(0, end + 1))
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n');
};

describe('docker-compose.yml', () => {
  it.for(['app', 'nginx'])(
    '%s drops every capability, forbids new privileges, and has pid and memory limits',
    (name) => {
      const block = service(name);
      expect(block).toMatch(/\n {4}cap_drop:\n {6}- ALL\n/);
      expect(block).toMatch(/\n {4}security_opt:\n {6}- no-new-privileges:true\n/);
      expect(block).toMatch(/\n {4}pids_limit: \d+\n/);
      expect(block).toMatch(/\n {4}mem_limit: \S+\n/);
    },
  );

  it('gives the app no capability back', () => {
    expect(service('app')).not.toMatch(/cap_add/);
  });

  it('publishes plain HTTP on 127.0.0.1 by default, and nothing of the app', () => {
    expect(service('nginx')).toMatch(/\n {6}- "\$\{HTTP_BIND:-127\.0\.0\.1\}:\$\{HTTP_PORT:-8080\}:80"\n/);
    expect(service('app')).not.toMatch(/\n {4}ports:/);
  });
});
