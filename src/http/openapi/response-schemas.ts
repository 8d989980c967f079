import { z } from 'zod';
import { type SessionSnapshot, sessionStates } from '../../sessions/types.js';
import type { SimulatorOutboxEntry, SimulatorStatus } from '../../simulator/driver.js';
import type { DeliveryView } from '../../store/outbox.js';

/**
 * The zod form of what the routes answer, for the OpenAPI document and the conformance tests. The
 * TypeScript types stay the source the code compiles against; the checks at the bottom fail the
 * build when a field is added to one side only.
 */
const isoTime = z.string().describe('ISO 8601');

export const webhookSettingsSchema = z.object({
  url: z.string(),
  events: z.array(z.string()).describe('Event types sent to it; * for all'),
});

export const sessionSchema = z.object({
  id: z.string(),
  state: z.enum(sessionStates),
  reason: z.string().nullable().describe('Why it reached its state: LOGOUT, CONFLICT, BROWSER_EXITED, ...'),
  me: z
    .object({ wid: z.string().describe('e.g. 5511912345678@c.us'), name: z.string().nullable() })
    .nullable()
    .describe('The linked account, once READY'),
  hasQr: z.boolean().describe('A QR code is waiting to be scanned (GET /sessions/{id}/qr)'),
  createdAt: isoTime,
  updatedAt: isoTime,
  disconnectedAt: isoTime.nullable(),
  webhook: webhookSettingsSchema.nullable(),
});

export const sessionListSchema = z.object({ sessions: z.array(sessionSchema) });

export const qrJsonSchema = z.object({
  qr: z.string().describe('The raw QR payload'),
  at: isoTime.describe('When the library emitted it; it rotates every ~20 s'),
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
});

export const healthLiveSchema = z.object({ status: z.literal('ok') });

const checkSchema = z.looseObject({
  status: z.enum(['ok', 'fail']),
  problem: z.string().optional(),
});

export const healthReadySchema = z.object({
  status: z.literal('ok'),
  checks: z.object({
    config: checkSchema,
    dataDir: checkSchema,
    store: checkSchema
      .optional()
      .describe('The database (SQLite in DATA_DIR, or PostgreSQL) answers and takes writes'),
    chrome: checkSchema,
  }),
});

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
    }),
  ),
});

type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assignable<A, B> = [A] extends [B] ? true : false;
const drift: [
  Equal<z.infer<typeof sessionSchema>, SessionSnapshot>,
  Assignable<SimulatorStatus, z.infer<typeof simulatorStatusSchema>>,
  Assignable<SimulatorOutboxEntry[], z.infer<typeof simulatorOutboxSchema>['messages']>,
  Equal<z.infer<typeof deliverySchema>, DeliveryView>,
] = [true, true, true, true];
void drift;
