import { z } from 'zod';
import { incomingMessageSchema } from '../domain/message.js';
import { restartInfoSchema, sessionStateSchema as sessionState } from '../domain/session.js';

/**
 * Every event's payload, written once: types.ts infers the types the publishers compile against
 * from these, and the OpenAPI document and the wire tests use them as they are.
 */

const groupEventSchema = z.object({
  groupId: z.string(),
  author: z.string().nullable().describe('Who did it'),
  action: z.string().describe("WhatsApp's notification subtype"),
  participants: z.array(z.string()).describe('Who it was done to'),
  body: z.string().describe('The new subject or description, when that changed'),
  timestamp: z.number(),
});

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
  'message.reaction': z.object({
    id: z.string().describe("The reaction's own id"),
    messageId: z.string().describe('The message reacted to'),
    chatId: z.string(),
    from: z.string().describe('Who reacted'),
    reaction: z.string().describe('The emoji; empty when the reaction was taken back'),
    timestamp: z.number(),
  }),
  'message.revoked': z.object({
    id: z.string().describe('The message deleted for everyone (its content is gone)'),
    chatId: z.string(),
    from: z.string(),
    fromMe: z.boolean(),
    timestamp: z.number(),
  }),
  'message.edited': z.object({
    id: z.string(),
    chatId: z.string(),
    from: z.string(),
    fromMe: z.boolean(),
    body: z.string().describe('The new text'),
    previousBody: z.string(),
  }),
  'group.join': groupEventSchema.describe(
    'Someone joined or was added (action add, invite, linked_group_join)',
  ),
  'group.leave': groupEventSchema.describe('Someone left or was removed (action leave, remove)'),
  'group.update': groupEventSchema.describe(
    'Subject, description, settings or admins changed (action subject, description, promote, demote, ...)',
  ),
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
  envelope('message.reaction'),
  envelope('message.revoked'),
  envelope('message.edited'),
  envelope('group.join'),
  envelope('group.leave'),
  envelope('group.update'),
]);

export type EventEnvelope = z.infer<typeof eventSchema>;
