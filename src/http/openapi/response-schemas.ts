import { z } from 'zod';
import { qrCodeSchema, sessionSnapshotSchema, webhookSettingsSchema } from '../../domain/session.js';
import type { SimulatorChatView, SimulatorOutboxEntry, SimulatorStatus } from '../../simulator/driver.js';
import type { DeliveryView } from '../../store/outbox.js';

/**
 * The zod form of what the routes answer, for the OpenAPI document and the conformance tests. The
 * session's shapes are the domain's own schemas (src/domain); the simulator's types stay the source
 * its driver compiles against, and the checks at the bottom fail the build when they drift apart.
 */

export { webhookSettingsSchema };

export const sessionSchema = sessionSnapshotSchema;

export const sessionListSchema = z.object({
  sessions: z.array(sessionSchema),
  unreachable: z
    .array(z.string())
    .optional()
    .describe('Cluster mode: instances that did not list their sessions in time (theirs are missing)'),
});

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
    .object({
      config: checkSchema,
      dataDir: checkSchema,
      store: checkSchema
        .optional()
        .describe('The database (SQLite in DATA_DIR, or PostgreSQL) answers and takes writes'),
      chrome: checkSchema,
    })
    .optional()
    .describe('Only with ?verbose (and the key)'),
});

const isoTime = z.string().describe('ISO 8601');

export const deliverySchema = z.object({
  id: z.string().describe('Pass it to POST /webhooks/deliveries/{id}/retry'),
  eventId: z.string().describe('The webhook-id header: the same on every attempt, across restarts'),
  eventType: z.string(),
  sessionId: z.string(),
  url: z.string().describe('The receiver'),
  status: z.enum(['pending', 'failed', 'delivered']).describe('failed: every attempt used (a dead letter)'),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable().describe("The receiver's last HTTP status, null when none"),
  lastError: z.string().nullable().describe('Why the last attempt failed, e.g. HTTP 500, timeout'),
  createdAt: isoTime,
  updatedAt: isoTime,
  nextAttemptAt: isoTime.nullable().describe('When a pending delivery is tried next'),
});

export const deliveryListSchema = z.object({
  items: z.array(deliverySchema).describe('Newest first'),
  nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last'),
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
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const drift: [
  Assignable<SimulatorStatus, z.infer<typeof simulatorStatusSchema>>,
  Assignable<SimulatorOutboxEntry[], z.infer<typeof simulatorOutboxSchema>['messages']>,
  Assignable<SimulatorChatView[], z.infer<typeof simulatorChatsSchema>['chats']>,
  Equal<z.infer<typeof deliverySchema>, DeliveryView>,
] = [true, true, true, true];
void drift;
