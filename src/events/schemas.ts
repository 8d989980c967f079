import { z } from 'zod';
import { sessionStates } from '../sessions/types.js';
import type { EventPayloads, EventType } from './types.js';

/**
 * The zod form of every event, for the OpenAPI document and for tests that check what goes out on
 * the wire. types.ts stays the source the publishers compile against; the assertion at the bottom
 * fails the build when the two drift apart.
 */
const sessionState = z.enum(sessionStates);

export const mediaInfoSchema = z.object({
  mimetype: z.string().nullable(),
  size: z.number().nullable().describe('Bytes, as WhatsApp announces it'),
  filename: z.string().nullable(),
  caption: z.string().nullable(),
});

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
  }),
  'session.qr': z.object({ qr: z.string().describe('The raw QR string, to render as a QR code') }),
  'session.removed': z.object({ reason: z.string() }),
  'message.received': z.object({
    id: z.string(),
    from: z.string().describe('Chat id of the sender, e.g. 5511912345678@c.us'),
    to: z.string(),
    body: z.string(),
    type: z.string().describe('whatsapp-web.js message type: chat, image, location, ...'),
    timestamp: z.number().describe('Unix seconds, as WhatsApp reports it'),
    fromMe: z.boolean(),
    hasMedia: z.boolean(),
    media: mediaInfoSchema
      .nullable()
      .describe(
        'A file message (image, video, audio, ptt, document, sticker): fetch it with GET /sessions/{id}/messages/{messageId}/media',
      ),
  }),
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
} as const satisfies { [T in EventType]: z.ZodType<EventPayloads[T]> };

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

// Both directions, so a field added on either side without the other is a compile error.
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const payloadsMatch: {
  [T in EventType]: Equal<z.infer<(typeof eventPayloadSchemas)[T]>, EventPayloads[T]>;
} = {
  'session.status': true,
  'session.qr': true,
  'session.removed': true,
  'message.received': true,
  'message.ack': true,
  'message.reaction': true,
  'message.revoked': true,
  'message.edited': true,
  'group.join': true,
  'group.leave': true,
  'group.update': true,
};
void payloadsMatch;
