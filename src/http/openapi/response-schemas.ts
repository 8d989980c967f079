import { z } from 'zod';
import { qrCodeSchema, sessionSnapshotSchema, webhookSettingsSchema } from '../../domain/session.js';
import type { SimulatorChatView, SimulatorOutboxEntry, SimulatorStatus } from '../../simulator/driver.js';

/**
 * The zod form of what the routes answer, for the OpenAPI document and the conformance tests. The
 * session's shapes are the domain's own schemas (src/domain); the simulator's types stay the source
 * its driver compiles against, and the checks at the bottom fail the build when they drift apart.
 */

export { webhookSettingsSchema };

export const sessionSchema = sessionSnapshotSchema;

export const sessionListSchema = z.object({ sessions: z.array(sessionSchema) });

export const qrJsonSchema = qrCodeSchema.extend({
  dataUrl: z.string().describe('data:image/png;base64,... of the QR image'),
});

export const pairingCodeSchema = z.object({
  code: z.string().describe('Enter it on the phone: Linked devices > Link with phone number'),
});

export const messageSentSchema = z.object({ id: z.string().describe('The WhatsApp message id') });

export const fieldErrorSchema = z.object({
  path: z.string().describe('body.webhook.url, query.format, ...'),
  message: z.string(),
});

/** RFC 9457; `code` is the stable machine-readable name. Other members depend on the code. */
export const problemSchema = z.looseObject({
  type: z.literal('about:blank'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  requestId: z.string().optional().describe('The X-Request-Id of the request; quote it in reports'),
  errors: z.array(fieldErrorSchema).optional().describe('Every bad field (invalid_body, invalid_query, ...)'),
  state: z.string().optional().describe('The session state, for session_live and session_not_ready'),
  reason: z.string().optional().describe('not_ready: the failed check in one word (dataDir, chrome)'),
});

export const healthLiveSchema = z.object({ status: z.literal('ok') });

const checkSchema = z.looseObject({
  status: z.enum(['ok', 'fail']),
  problem: z.string().optional(),
});

export const healthReadySchema = z.object({
  status: z.literal('ready'),
  checks: z
    .object({ config: checkSchema, dataDir: checkSchema, chrome: checkSchema })
    .optional()
    .describe('Only with ?verbose (and the key)'),
});

export const simulatorStatusSchema = z.object({
  pageId: z.string(),
  version: z.string(),
  state: z.string(),
  paired: z.boolean(),
  hasSynced: z.boolean(),
  ref: z.string().nullable(),
  me: z.string().nullable(),
  pushname: z.string().nullable(),
  pairing: z.object({ phone: z.string(), code: z.string() }).nullable(),
  outboxSize: z.number().int(),
  mediaDownloads: z.number().int().describe("Files the client fetched from WhatsApp's media server"),
  listening: z.object({
    qr: z.boolean(),
    hasSynced: z.boolean(),
    logout: z.boolean(),
    messages: z.boolean(),
  }),
});

export const simulatorOutboxSchema = z.object({
  messages: z.array(
    z.object({
      id: z.string(),
      to: z.string(),
      body: z.string(),
      type: z.string(),
      t: z.number(),
      ack: z.number().int(),
      quotedMsgId: z.string().nullable(),
      revoked: z.boolean().describe('Deleted for everyone'),
    }),
  ),
  reactions: z
    .array(z.object({ messageId: z.string(), reaction: z.string() }))
    .describe('The reactions the session sent, oldest first'),
});

export const simulatorSeededChatSchema = z.object({
  id: z.string(),
  messages: z.array(z.string()).describe("The history's message ids, oldest first"),
});

export const simulatorChatsSchema = z.object({
  chats: z.array(
    z.object({
      id: z.string(),
      unreadCount: z.number().int(),
      chatState: z.enum(['typing', 'recording', 'paused']).nullable(),
      messages: z.number().int(),
    }),
  ),
});

type Assignable<A, B> = [A] extends [B] ? true : false;
const drift: [
  Assignable<SimulatorStatus, z.infer<typeof simulatorStatusSchema>>,
  Assignable<SimulatorOutboxEntry[], z.infer<typeof simulatorOutboxSchema>['messages']>,
  Assignable<SimulatorChatView[], z.infer<typeof simulatorChatsSchema>['chats']>,
] = [true, true, true];
void drift;
