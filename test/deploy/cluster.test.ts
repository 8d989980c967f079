import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { block, entries, items, keys, scalar } from './yaml-blocks.js';

/**
 * deploy/cluster/ checked as text (no Docker engine or Kubernetes here): the compose file, its nginx
 * config and the Kubernetes manifests carry what cluster mode needs. test/cluster/harness.test.ts runs
 * the nginx config itself in front of three real instances.
 */
const dir = path.resolve(import.meta.dirname, '..', '..', 'deploy', 'cluster');
const read = (...name: string[]) => readFileSync(path.join(dir, ...name), 'utf8');
const compose = read('docker-compose.yml');
const nginx = read('nginx.conf');
const singleNginx = readFileSync(path.join(dir, '..', 'nginx.conf'), 'utf8');
const INSTANCES = ['wa-1', 'wa-2', 'wa-3'];
const SHUTDOWN_TIMEOUT_MS = 15_000;

const seconds = (value: string | undefined): number => {
  const match = /^(\d+)s$/.exec(value ?? '');
  if (!match?.[1]) throw new Error(`not a duration in seconds: ${value}`);
  return Number(match[1]);
};

describe('deploy/cluster/docker-compose.yml', () => {
  const service = (name: string) => block(compose, ['services', name]);
  const shared = block(compose, ['x-instance']);
  const sharedEnv = block(compose, ['x-instance-env']);

  it('runs PostgreSQL, three instances and nginx, and nothing else', () => {
    expect(keys(block(compose, ['services']))).toEqual(['postgres', ...INSTANCES, 'nginx']);
  });

  it('builds every instance from the project Dockerfile, hardened as the single-instance file', () => {
    expect(scalar(block(shared, ['build']), 'context')).toBe('../..');
    expect(items(block(shared, ['cap_drop']))).toEqual(['ALL']);
    expect(items(block(shared, ['security_opt']))).toEqual(['no-new-privileges:true']);
    expect(scalar(shared, 'pids_limit')).toMatch(/^\d+$/);
    expect(scalar(shared, 'mem_limit')).toBeDefined();
    expect(block(shared, ['depends_on', 'postgres'])).toMatch(/condition: service_healthy/);
  });

  it('gives each instance time to hand its sessions over on SIGTERM', () => {
    expect(seconds(scalar(shared, 'stop_grace_period')) * 1000).toBeGreaterThan(SHUTDOWN_TIMEOUT_MS);
  });

  it('checks each instance actively on /health/ready', () => {
    const check = block(shared, ['healthcheck']);
    expect(block(check, ['test'])).toContain("http://127.0.0.1:3000/health/ready'");
    expect(scalar(check, 'interval')).toMatch(/^\d+s$/);
  });

  it('sets cluster mode, the shared database and one required API key for every instance', () => {
    expect(scalar(sharedEnv, 'CLUSTER')).toBe('true');
    expect(scalar(sharedEnv, 'DATABASE_URL')).toMatch(
      /^postgres:\/\/wa:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/wa_sessions$/,
    );
    // `:?`: compose refuses to start without it, instead of each instance generating a key of its own.
    expect(scalar(sharedEnv, 'API_KEY')).toMatch(/^\$\{API_KEY:\?[^}]+\}$/);
    expect(scalar(sharedEnv, 'DATA_DIR')).toBe('/data');
    expect(scalar(sharedEnv, 'PORT')).toBe('3000');
  });

  it.for(INSTANCES)('%s: the shared settings, its own INSTANCE_ID, ADVERTISE_URL and data volume', (name) => {
    const own = service(name);
    expect(scalar(own, '<<')).toBe('*instance');
    const env = block(own, ['environment']);
    expect(scalar(env, '<<')).toBe('*instance-env');
    expect(scalar(env, 'INSTANCE_ID')).toBe(name);
    expect(scalar(env, 'ADVERTISE_URL')).toBe(`http://${name}:3000`);
    expect(items(block(own, ['volumes']))).toEqual([`${name}-data:/data`]);
    expect(keys(block(compose, ['volumes']))).toContain(`${name}-data`);
    expect(own).not.toMatch(/\bports:/);
  });

  it('keeps PostgreSQL unpublished, on a volume, with a healthcheck', () => {
    const postgres = service('postgres');
    expect(postgres).not.toMatch(/\bports:/);
    expect(items(block(postgres, ['volumes']))).toEqual(['pg-data:/var/lib/postgresql/data']);
    expect(block(postgres, ['healthcheck', 'test'])).toContain('pg_isready');
    expect(items(block(postgres, ['cap_drop']))).toEqual(['ALL']);
  });

  it('starts nginx once every instance is healthy, with deploy/cluster/nginx.conf, on 127.0.0.1 by default', () => {
    const proxy = service('nginx');
    for (const name of INSTANCES) {
      expect(block(proxy, ['depends_on', name])).toMatch(/condition: service_healthy/);
    }
    expect(items(block(proxy, ['volumes']))).toEqual(['./nginx.conf:/etc/nginx/nginx.conf:ro']);
    expect(items(block(proxy, ['ports']))).toEqual([`\${HTTP_BIND:-127.0.0.1}:\${HTTP_PORT:-8080}:80`]);
  });
});

describe('deploy/cluster/nginx.conf', () => {
  const upstream = /upstream wa_sessions \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
  const directives = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));

  it('balances plain round-robin over exactly the compose instances, with passive health checks', () => {
    const servers = directives(upstream).filter((line) => line.startsWith('server '));
    expect(servers).toEqual(
      INSTANCES.map((name) => `server ${name}:3000 resolve max_fails=2 fail_timeout=10s;`),
    );
    expect(
      directives(upstream).filter((line) => /^(hash|ip_hash|least_conn|random|sticky)\b/.test(line)),
    ).toEqual([]);
  });

  it('passes a request to the next instance when one is down, but never a POST that was sent', () => {
    expect(directives(nginx)).toContain('proxy_next_upstream error timeout http_502 http_504;');
    expect(directives(nginx).filter((line) => line.includes('non_idempotent'))).toEqual([]);
    // Not on 503: owner_unreachable and session_limit are answers, the same from every instance.
    expect(nginx).not.toMatch(/proxy_next_upstream [^;]*http_503/);
  });

  it('handles SSE, timeouts, bodies, headers and errors exactly as deploy/nginx.conf', () => {
    const serverBlock = (text: string) =>
      directives(text.slice(text.indexOf('  server {')))
        .filter((line) => !line.startsWith('proxy_next_upstream'))
        .map((line) => line.replace(/"detail":"[^"]*"/, '"detail":"…"'));
    expect(serverBlock(nginx)).toEqual(serverBlock(singleNginx));
  });
});

describe('deploy/cluster/k8s', () => {
  const manifest = (name: string) => read('k8s', name);
  const deployment = manifest('deployment.yaml');
  const pod = block(deployment, ['spec', 'template', 'spec']);
  const container = entries(block(pod, ['containers']))[0] ?? '';
  const env = entries(block(container, ['env']));
  const envNamed = (name: string) => {
    const entry = env.find((e) => scalar(e, 'name') === name);
    if (!entry) throw new Error(`no env ${name}`);
    return entry;
  };
  const labels = scalar(
    block(deployment, ['spec', 'template', 'metadata', 'labels']),
    'app.kubernetes.io/name',
  );

  it('lists every manifest in its kustomization', () => {
    const listed = items(block(manifest('kustomization.yaml'), ['resources'])).sort();
    const files = readdirSync(path.join(dir, 'k8s'))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort();
    expect(listed).toEqual(files);
  });

  it('is a Deployment of three interchangeable pods that roll one at a time', () => {
    expect(scalar(deployment, 'kind')).toBe('Deployment');
    expect(scalar(block(deployment, ['spec']), 'replicas')).toBe('3');
    expect(scalar(block(deployment, ['spec', 'strategy', 'rollingUpdate']), 'maxUnavailable')).toBe('0');
    expect(scalar(block(deployment, ['spec', 'selector', 'matchLabels']), 'app.kubernetes.io/name')).toBe(
      labels,
    );
  });

  it('takes INSTANCE_ID from the pod name and ADVERTISE_URL from the pod IP (downward API)', () => {
    expect(scalar(block(envNamed('INSTANCE_ID'), ['valueFrom', 'fieldRef']), 'fieldPath')).toBe(
      'metadata.name',
    );
    expect(scalar(block(envNamed('POD_IP'), ['valueFrom', 'fieldRef']), 'fieldPath')).toBe('status.podIP');
    expect(scalar(envNamed('ADVERTISE_URL'), 'value')).toBe('http://$(POD_IP):3000');
    // $(POD_IP) expands only when POD_IP is defined earlier in the list.
    const names = env.map((e) => scalar(e, 'name'));
    expect(names.indexOf('POD_IP')).toBeLessThan(names.indexOf('ADVERTISE_URL'));
    expect(scalar(envNamed('CLUSTER'), 'value')).toBe('true');
    expect(block(container, ['ports'])).toMatch(/containerPort: 3000/);
  });

  it('reads API_KEY and DATABASE_URL from the Secret, which holds both', () => {
    const secret = manifest('secret.yaml');
    const secretName = scalar(block(secret, ['metadata']), 'name');
    for (const name of ['API_KEY', 'DATABASE_URL']) {
      const ref = block(envNamed(name), ['valueFrom', 'secretKeyRef']);
      expect(scalar(ref, 'name')).toBe(secretName);
      expect(scalar(ref, 'key')).toBe(name);
      expect(keys(block(secret, ['stringData']))).toContain(name);
    }
    expect(scalar(secret, 'kind')).toBe('Secret');
  });

  it('probes readiness on /health/ready and liveness on /health/live', () => {
    expect(scalar(block(container, ['readinessProbe', 'httpGet']), 'path')).toBe('/health/ready');
    expect(scalar(block(container, ['livenessProbe', 'httpGet']), 'path')).toBe('/health/live');
  });

  it('gives a pod longer than SHUTDOWN_TIMEOUT_MS to hand its sessions over', () => {
    const grace = Number(scalar(pod, 'terminationGracePeriodSeconds'));
    const shutdown = Number(scalar(envNamed('SHUTDOWN_TIMEOUT_MS'), 'value'));
    expect(shutdown).toBeGreaterThan(0);
    expect(grace * 1000).toBeGreaterThan(shutdown);
  });

  it('runs as the image user without privileges', () => {
    expect(scalar(block(pod, ['securityContext']), 'runAsNonRoot')).toBe('true');
    expect(scalar(block(container, ['securityContext']), 'allowPrivilegeEscalation')).toBe('false');
    expect(items(block(container, ['securityContext', 'capabilities', 'drop']))).toEqual(['ALL']);
  });

  it('has a Service and a PodDisruptionBudget selecting the same pods', () => {
    const service = manifest('service.yaml');
    expect(scalar(service, 'kind')).toBe('Service');
    expect(scalar(block(service, ['spec', 'selector']), 'app.kubernetes.io/name')).toBe(labels);
    expect(scalar(entries(block(service, ['spec', 'ports']))[0] ?? '', 'targetPort')).toBe('http');
    expect(service).not.toMatch(/sessionAffinity: ClientIP/);
    const pdb = manifest('pod-disruption-budget.yaml');
    expect(scalar(pdb, 'kind')).toBe('PodDisruptionBudget');
    expect(scalar(pdb, 'apiVersion')).toBe('policy/v1');
    expect(scalar(block(pdb, ['spec']), 'maxUnavailable')).toBe('1');
    expect(scalar(block(pdb, ['spec', 'selector', 'matchLabels']), 'app.kubernetes.io/name')).toBe(labels);
  });
});
