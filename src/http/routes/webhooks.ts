import { Router } from 'express';
import { z } from 'zod';
import { appError } from '../../error-catalog.js';
import { SESSION_ID_PATTERN } from '../../sessions/types.js';
import type { DeliveryView } from '../../store/outbox.js';
import { forRequest } from '../../store/store-errors.js';
import { methodNotAllowed } from '../method-not-allowed.js';
import { parseQuery } from '../validate.js';

export const deliveriesQuerySchema = z.strictObject({
  status: z
    .enum(['pending', 'failed', 'delivered'], { message: 'accepts pending, failed or delivered' })
    .optional(),
  sessionId: z
    .string()
    .regex(SESSION_ID_PATTERN, { message: 'accepts a session id: 1 to 64 of A-Z a-z 0-9 _ -' })
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { message: 'accepts a whole number from 1 to 200' })
    .transform(Number)
    .pipe(
      z.number().int().min(1, { message: 'accepts a whole number from 1 to 200' }).max(200, {
        message: 'accepts a whole number from 1 to 200',
      }),
    )
    .optional(),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, { message: 'accepts the nextCursor of a previous page' })
    .transform(Number)
    .optional(),
});

const deliveryIdPattern = /^\d{1,15}$/;

export interface DeliveriesPort {
  list(query: {
    status?: 'pending' | 'failed' | 'delivered' | undefined;
    sessionId?: string | undefined;
    limit: number;
    before?: number | undefined;
  }): Promise<{ items: DeliveryView[]; nextCursor: string | null }>;
  retry(id: number): Promise<DeliveryView | undefined>;
  get(id: number): Promise<{ status: string } | undefined>;
}

/** The webhook outbox over HTTP: what is pending, failed (dead letters) or delivered; retry by hand. */
export const createWebhooksRouter = (deps: { deliveries: DeliveriesPort }): Router => {
  const router = Router();

  router
    .route('/webhooks/deliveries')
    .get(async (req, res) => {
      const query = parseQuery(deliveriesQuerySchema, req);
      const page = await forRequest(() =>
        deps.deliveries.list({
          status: query.status,
          sessionId: query.sessionId,
          limit: query.limit ?? 50,
          before: query.cursor,
        }),
      );
      res.json(page);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/webhooks/deliveries/:id/retry')
    .post(async (req, res) => {
      const raw = req.params.id;
      if (!deliveryIdPattern.test(raw)) throw notFound(raw);
      const id = Number(raw);
      const delivery = await forRequest(() => deps.deliveries.retry(id));
      if (delivery !== undefined) {
        res.status(202).json(delivery);
        return;
      }
      const existing = await forRequest(() => deps.deliveries.get(id));
      if (existing === undefined) throw notFound(raw);
      throw appError('delivery_pending', `Delivery ${raw} is already pending.`, {
        details: { status: existing.status },
      });
    })
    .all(methodNotAllowed(['POST']));

  return router;
};

const notFound = (id: string) =>
  appError('delivery_not_found', `No webhook delivery with id "${id.slice(0, 32)}".`);
