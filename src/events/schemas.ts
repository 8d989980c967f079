import { z } from 'zod';
import { incomingMessageSchema } from '../domain/message.js';
import { restartInfoSchema, sessionStateSchema as sessionState } from '../domain/session.js';

/**
 * Every event's payload, written once: types.ts infers the types the publishers compile against
 * from these, and the OpenAPI document and the wire tests use them as they are.
 */

export const eventPayloadSchemas = {
  'session.status': z.object({
    state: sessionState,
    previous: sessionState.nullable(),
    reason: z.string().nullable().describe('Why the state changed, e.g. the library disconnect reason'),
    restart: restartInfoSchema
      .optional()
      .describe('On a change to FAILED: the automatic restart that is scheduled, absent when none is'),
  }),
  'session.qr': z.object({ qr: z.string().describe('The raw QR string, to render as a QR code') }),
  'session.removed': z.object({ reason: z.string() }),
  'message.received': incomingMessageSchema,
  'message.ack': z.object({
    id: z.string(),
    ack: z.number().int().describe('-1 error, 0 pending, 1 server, 2 device, 3 read, 4 played'),
  }),
} as const;

type EventType = keyof typeof eventPayloadSchemas;

const envelope = <T extends EventType>(type: T) =>
  z.object({
    id: z.string().describe('Unique, increasing within a process; the SSE id and the webhook-id'),
    type: z.literal(type),
    sessionId: z.string(),
    timestamp: z.string().describe('ISO 8601'),
    payload: eventPayloadSchemas[type],
  });

/** The envelope every consumer receives (SSE `data:` and webhook body), one branch per type. */
export const eventSchema = z.discriminatedUnion('type', [
  envelope('session.status'),
  envelope('session.qr'),
  envelope('session.removed'),
  envelope('message.received'),
  envelope('message.ack'),
]);

export type EventEnvelope = z.infer<typeof eventSchema>;
