import { type Request, Router } from 'express';
import { z } from 'zod';
import { appError } from '../../error-catalog.js';
import { eventTypes } from '../../events/types.js';
import type { SessionManager, SessionSnapshot } from '../../sessions/types.js';
import { requireJsonBody } from '../json-body.js';
import { methodNotAllowed } from '../method-not-allowed.js';
import { createQrRenderer, type QrRenderer } from '../qr-render.js';
import { missingSessionId, parseSessionId, sessionIdParam } from '../session-id.js';
import { parseBody, parseQuery } from '../validate.js';

const webhookEvent = z.enum(['*', ...eventTypes], {
  message: `accepts * or one of ${eventTypes.join(', ')}`,
});

export const webhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, message: 'accepts an http(s) URL' })
    .max(2048, { message: 'accepts at most 2048 characters' }),
  events: z
    .array(webhookEvent)
    .min(1, { message: 'accepts at least one event type (or * for all)' })
    .max(eventTypes.length + 1)
    .optional(),
});

/** The body is optional: `POST /sessions/:id` with nothing starts a session without its own webhook. */
export const createBodySchema = z
  .strictObject({
    webhook: webhookSchema
      // `events` defaults to every event, as WEBHOOK_EVENTS does for the global webhook.
      .transform(({ url, events }) => ({ url, events: [...new Set(events ?? ['*'])] }))
      .nullable()
      .optional(),
  })
  .optional();

/** People paste numbers as `+49 (151) 234-5678`; WhatsApp wants the bare digits with the country code. */
export const pairingBodySchema = z.strictObject({
  phoneNumber: z
    .string()
    .max(32, { message: 'accepts at most 32 characters' })
    .regex(/^\+?[\d\s()-]+$/, {
      message: 'accepts digits with the country code, optionally a leading + and spaces, dashes, parentheses',
    })
    .transform((value) => value.replace(/[\s()+-]/g, ''))
    .pipe(z.string().regex(/^\d{7,15}$/, { message: 'accepts 7 to 15 digits with the country code' })),
});

export const qrQuerySchema = z.object({
  format: z.enum(['png', 'json', 'text'], { message: 'accepts png, json or text' }).optional(),
});

type QrFormat = z.output<typeof qrQuerySchema>['format'] & string;

const formatsByMediaType: Record<string, QrFormat> = {
  'image/png': 'png',
  'application/json': 'json',
  'text/plain': 'text',
};

/** PNG unless the client prefers JSON or text; the order here breaks ties (`*\/*`, no Accept). */
const negotiateQrFormat = (req: Request): QrFormat => {
  const accepted = req.accepts(Object.keys(formatsByMediaType));
  const format = accepted === false ? undefined : formatsByMediaType[accepted];
  if (format === undefined) {
    throw appError(
      'not_acceptable',
      'The QR code is available as image/png, application/json or text/plain',
      {
        details: { available: Object.keys(formatsByMediaType) },
      },
    );
  }
  return format;
};

const sessionLocation = (id: string): string => `/sessions/${id}`;

export interface SessionsRouterDeps {
  manager: SessionManager;
  qrRenderer?: QrRenderer;
  /** Refuses a session webhook URL that points inward (createWebhookUrlCheck); none: every URL passes. */
  checkWebhookUrl?: (url: string) => Promise<void>;
  /** Cluster mode: names this instance on every snapshot it answers with (`instance`). */
  instanceId?: string;
}

export const createSessionsRouter = (deps: SessionsRouterDeps): Router => {
  const { manager } = deps;
  const qrRenderer = deps.qrRenderer ?? createQrRenderer();
  const router = Router();
  const { instanceId } = deps;
  const own = (snapshot: SessionSnapshot): SessionSnapshot =>
    instanceId === undefined ? snapshot : { ...snapshot, instance: instanceId };

  router.param('id', sessionIdParam);

  router
    .route('/sessions')
    .get((_req, res) => {
      res.json({ sessions: manager.list().map(own) });
    })
    // With non-strict routing this is also `/sessions/`: an empty id, so a bad request.
    .post(missingSessionId)
    .delete(missingSessionId)
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/sessions/:id')
    .get((req, res) => {
      res.json(own(manager.get(parseSessionId(req.params.id))));
    })
    .post(requireJsonBody, async (req, res) => {
      const id = parseSessionId(req.params.id);
      const body = parseBody(createBodySchema, req);
      if (body?.webhook) await deps.checkWebhookUrl?.(body.webhook.url);
      const options = body?.webhook === undefined ? {} : { webhook: body.webhook };
      const { created, session } = await manager.create(id, options);
      res
        .status(created ? 201 : 200)
        .location(sessionLocation(id))
        .json(own(session));
    })
    .delete(async (req, res) => {
      await manager.delete(parseSessionId(req.params.id));
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'HEAD', 'POST', 'DELETE']));

  router
    .route('/sessions/:id/qr')
    .get(async (req, res) => {
      const id = parseSessionId(req.params.id);
      const { format: requested } = parseQuery(qrQuerySchema, req);
      // The answer depends on Accept unless the query fixed the format: tell caches either way.
      res.vary('Accept');
      const format = requested ?? negotiateQrFormat(req);
      const { qr, at } = manager.qr(id);
      res.set('Cache-Control', 'no-store');
      if (format === 'png') {
        res.type('image/png').send(await qrRenderer.png(qr));
      } else if (format === 'json') {
        res.json({ qr, at, dataUrl: await qrRenderer.dataUrl(qr) });
      } else {
        res.type('text/plain; charset=utf-8').send(await qrRenderer.terminal(qr));
      }
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/sessions/:id/pairing-code')
    .post(requireJsonBody, async (req, res) => {
      const id = parseSessionId(req.params.id);
      const { phoneNumber } = parseBody(pairingBodySchema, req);
      res.json({ code: await manager.requestPairingCode(id, phoneNumber) });
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/sessions/:id/stop')
    .post(async (req, res) => {
      res.json(own(await manager.stop(parseSessionId(req.params.id))));
    })
    .all(methodNotAllowed(['POST']));

  return router;
};
