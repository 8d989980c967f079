import { type Request, type Response, Router } from 'express';
import { request } from 'undici';
import { z } from 'zod';
import type { ClusterDirectoryReader, UnownedRecord } from '../../cluster/directory.js';
import type { InstanceInfo } from '../../cluster/types.js';
import type { SessionSnapshot } from '../../domain/session.js';
import { appError } from '../../error-catalog.js';
import type { EventBus } from '../../events/types.js';
import type { SessionManager } from '../../sessions/types.js';
import { API_KEY_HEADER } from '../auth.js';
import { FORWARDED_BY_HEADER, type Forwarder } from '../forward-to-owner.js';
import { REQUEST_ID_HEADER } from '../request-id.js';
import { parseSessionId } from '../session-id.js';

const instanceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, { message: 'accepts an instance id (INSTANCE_ID of a live instance)' });

const toSnapshot = (record: UnownedRecord): SessionSnapshot => {
  let webhook: SessionSnapshot['webhook'] = null;
  try {
    webhook = record.webhook === null ? null : (JSON.parse(record.webhook) as SessionSnapshot['webhook']);
  } catch {
    webhook = null;
  }
  // Stopped: as the user left it. Running with no owner: between a dead instance and its takeover.
  const stopped = record.desired === 'stopped';
  return {
    id: record.id,
    state: stopped ? 'STOPPED' : 'DISCONNECTED',
    reason: stopped ? record.lastReason : 'NO_OWNER',
    me: null,
    hasQr: false,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    disconnectedAt: null,
    webhook,
    restart: null,
    instance: null,
  };
};

/** Fewest sessions below its capacity; a tie goes to this instance (no hop), then by id. */
export const placeOn = (instances: InstanceInfo[], selfId: string): InstanceInfo | null => {
  const open = instances.filter((i) => i.sessions < i.capacity);
  open.sort(
    (a, b) =>
      a.sessions - b.sessions || Number(b.id === selfId) - Number(a.id === selfId) || (a.id < b.id ? -1 : 1),
  );
  return open[0] ?? null;
};

/**
 * Cluster mode, before the sessions routes (requests for sessions owned elsewhere were forwarded
 * already): the list over every instance, placement of a new session, and the sessions that live
 * only in the registry (stopped, or waiting for a takeover) read and deleted on any instance.
 */
export const createClusterSessionsRouter = (deps: {
  manager: Pick<SessionManager, 'list' | 'has'>;
  directory: ClusterDirectoryReader;
  forwarder: Forwarder;
  bus: Pick<EventBus, 'publish'>;
  /** How long the list waits for each other instance. */
  listTimeoutMs: number;
}): Router => {
  const { directory } = deps;
  const selfId = directory.self.id;
  const router = Router();
  const forwarded = (req: Request) => req.get(FORWARDED_BY_HEADER) !== undefined;
  const isLocal = (id: string) => deps.manager.has(id);

  const listOf = async (req: Request, instance: InstanceInfo): Promise<SessionSnapshot[]> => {
    const headers: Record<string, string> = { [FORWARDED_BY_HEADER]: selfId, [REQUEST_ID_HEADER]: req.id };
    // The caller's key, however it was sent: every instance checks it again.
    for (const name of [API_KEY_HEADER, 'authorization']) {
      const value = req.get(name);
      if (value !== undefined) headers[name] = value;
    }
    const answer = await request(new URL('/sessions', instance.url), {
      headers,
      headersTimeout: deps.listTimeoutMs,
      bodyTimeout: deps.listTimeoutMs,
      signal: AbortSignal.timeout(deps.listTimeoutMs),
    });
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      throw new Error(`status ${answer.statusCode}`);
    }
    const body = (await answer.body.json()) as { sessions?: SessionSnapshot[] };
    return (body.sessions ?? []).map((s) => ({ ...s, instance: instance.id }));
  };

  router.get('/sessions', async (req, res, next) => {
    if (forwarded(req)) return next();
    const instances = (await directory.liveInstances()).filter((i) => i.id !== selfId);
    const unreachable: string[] = [];
    const [remote, unowned] = await Promise.all([
      Promise.all(
        instances.map((i) =>
          listOf(req, i).catch((err: unknown) => {
            req.log.warn({ err, instance: i.id }, 'Instance did not list its sessions');
            unreachable.push(i.id);
            return [];
          }),
        ),
      ),
      directory.unownedAll(),
    ]);
    const byId = new Map<string, SessionSnapshot>();
    for (const s of unowned) byId.set(s.id, toSnapshot(s));
    // What an instance runs wins over the registry's view read a moment apart.
    for (const s of remote.flat()) byId.set(s.id, s);
    for (const s of deps.manager.list()) byId.set(s.id, { ...s, instance: selfId });
    const sessions = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    res.json({ sessions, ...(unreachable.length > 0 ? { unreachable: unreachable.sort() } : {}) });
  });

  router.get('/sessions/:id', async (req, res, next) => {
    const id = parseSessionId(req.params.id);
    if (isLocal(id)) return next();
    const record = await directory.unowned(id);
    if (record === null) return next();
    res.json(toSnapshot(record));
  });

  router.delete('/sessions/:id', async (req, res, next) => {
    const id = parseSessionId(req.params.id);
    if (isLocal(id)) return next();
    if (!(await directory.removeUnowned(id))) return next();
    deps.bus.publish('session.removed', id, { reason: 'DELETED' });
    res.status(204).end();
  });

  router.post('/sessions/:id', async (req: Request, res: Response, next) => {
    const id = parseSessionId(req.params.id);
    const body: unknown = req.body;
    const named = body !== null && typeof body === 'object' && 'instance' in body ? body.instance : undefined;
    const rest =
      body !== null && typeof body === 'object' && !Array.isArray(body)
        ? Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'instance'))
        : body;
    // The sessions router knows nothing of `instance`: it reads the rest of the body as always.
    if (named !== undefined) req.body = rest;
    if (forwarded(req) || isLocal(id)) return next();
    const wanted = named === undefined ? undefined : parseInstance(named);
    const instances = await directory.liveInstances();
    let target: InstanceInfo | null;
    if (wanted !== undefined) {
      target = instances.find((i) => i.id === wanted) ?? null;
      if (target === null) {
        throw appError('invalid_body', `No live instance is called ${wanted}`, {
          details: { errors: [{ path: 'body.instance', message: 'names no live instance' }] },
        });
      }
      if (target.sessions >= target.capacity) {
        throw appError(
          'session_limit',
          `Instance ${wanted} runs INSTANCE_CAPACITY (${target.capacity}) sessions`,
        );
      }
    } else {
      target = placeOn(instances, selfId);
      // Not registered yet (its first heartbeat is still to come): this instance takes it.
      if (target === null && !instances.some((i) => i.id === selfId)) return next();
      if (target === null)
        throw appError('session_limit', 'Every live instance runs INSTANCE_CAPACITY sessions');
    }
    if (target.id === selfId) return next();
    req.log.info({ sessionId: id, instance: target.id }, 'New session placed on another instance');
    await deps.forwarder.forward(
      req,
      res,
      next,
      { instanceId: target.id, url: target.url },
      JSON.stringify(rest ?? {}),
    );
  });

  return router;
};

const parseInstance = (value: unknown): string => {
  const parsed = instanceIdSchema.safeParse(value);
  if (!parsed.success) {
    throw appError('invalid_body', 'The instance is not valid', {
      details: {
        errors: [{ path: 'body.instance', message: parsed.error.issues[0]?.message ?? 'is not valid' }],
      },
    });
  }
  return parsed.data;
};
