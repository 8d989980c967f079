import { z } from 'zod';
import type { ErrorCode } from '../../error-catalog.js';
import { sendMessageBodySchema } from '../../messages/schemas.js';
import { createBodySchema, pairingBodySchema, qrQuerySchema } from '../routes/sessions.js';
import { ackSchema, codeSchema, messageSchema, scanSchema, stateSchema } from '../routes/simulator.js';
import { deliveriesQuerySchema } from '../routes/webhooks.js';

/** A schema of components.schemas by name, or a JSON Schema written out (for non-JSON bodies). */
export type SchemaRef = { component: string } | { json: Record<string, unknown> };

export interface ResponseSpec {
  description: string;
  /** Media type → schema; absent for a body-less answer (204). */
  content?: Record<string, SchemaRef>;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface HeaderParamSpec {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

export interface OperationSpec {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `/sessions/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'Sessions' | 'Messages' | 'Events' | 'Webhooks' | 'Sandbox' | 'Operations' | 'Documentation';
  /** Health: open to probes without a key. */
  public?: boolean;
  /** Adds `{id}`, and 400 invalid_session_id. */
  sessionId?: boolean;
  /** Each property becomes a query parameter. */
  query?: z.ZodObject;
  /** Path parameters other than the session id. */
  pathParams?: HeaderParamSpec[];
  headers?: HeaderParamSpec[];
  /** Adds 400 invalid_json / invalid_body, 413 payload_too_large, 415 unsupported_media_type. */
  body?: { component: string; required: boolean };
  responses: Record<number, ResponseSpec>;
  /** Problem codes by status, besides the ones every route can answer (401, 429, 500). */
  errors: Record<number, ErrorCode[]>;
}

/** The zod schemas the routes parse requests with: the document is built from these, not copies. */
export const requestSchemas: Record<string, z.ZodType> = {
  CreateSessionBody: createBodySchema,
  PairingCodeBody: pairingBodySchema,
  SendMessageBody: sendMessageBodySchema,
  SimulatorScanBody: scanSchema,
  SimulatorMessageBody: messageSchema,
  SimulatorStateBody: stateSchema,
  SimulatorPairingCodeBody: codeSchema,
  SimulatorAckBody: ackSchema,
};

const json = (component: string): Record<string, SchemaRef> => ({ 'application/json': { component } });
const inline = (schema: Record<string, unknown>): Record<string, SchemaRef> => ({
  'application/json': { json: schema },
});
const flag = (name: string) =>
  inline({ type: 'object', properties: { [name]: { const: true } }, required: [name] });

const sessionErrors: Record<number, ErrorCode[]> = { 404: ['session_not_found'] };
const simulatorErrors: Record<number, ErrorCode[]> = {
  400: ['simulator_bad_request'],
  404: ['session_not_found'],
  409: ['no_browser', 'simulator_not_ready'],
  500: ['simulator_page_missing'],
  503: ['simulator_unavailable'],
  504: ['timeout'],
};
const sandbox =
  'Sandbox only: exists when the server runs with SIMULATOR=true (every session on the built-in ' +
  'WhatsApp Web simulator); otherwise 404.';

const sseHeaders: HeaderParamSpec[] = [
  {
    name: 'Last-Event-ID',
    description: 'Resume after this event id: buffered events after it are sent first',
    schema: { type: 'string', maxLength: 128 },
  },
];
const sseQuery = z.object({
  lastEventId: z.string().max(128).optional().describe('Last-Event-ID for clients that cannot set headers'),
});
const sseResponse: ResponseSpec = {
  description:
    'A Server-Sent Events stream: each event is `id: <event id>`, `event: <type>`, `data: <Event JSON>` ' +
    '(see the Event schema); a `: ping` comment keeps the connection open. A client that falls too far ' +
    'behind is disconnected and resumes with Last-Event-ID.',
  content: { 'text/event-stream': { json: { type: 'string' } } },
};

export const operations: OperationSpec[] = [
  {
    method: 'get',
    path: '/sessions',
    operationId: 'listSessions',
    summary: 'List every session',
    tag: 'Sessions',
    responses: { 200: { description: 'The sessions', content: json('SessionList') } },
    errors: {},
  },
  {
    method: 'get',
    path: '/sessions/{id}',
    operationId: 'getSession',
    summary: "One session's state, last disconnect reason, linked account and timestamps",
    tag: 'Sessions',
    sessionId: true,
    responses: { 200: { description: 'The session', content: json('Session') } },
    errors: sessionErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}',
    operationId: 'startSession',
    summary: 'Create and start a session, or start a DISCONNECTED, STOPPED or FAILED one again',
    description:
      'Returns once the browser is launching; follow the state with GET /sessions/{id}, the events stream ' +
      'or a webhook, then link it with GET /sessions/{id}/qr or POST /sessions/{id}/pairing-code.',
    tag: 'Sessions',
    sessionId: true,
    body: { component: 'CreateSessionBody', required: false },
    responses: {
      201: {
        description: 'Created and starting',
        content: json('Session'),
        headers: { Location: { description: '/sessions/{id}', schema: { type: 'string' } } },
      },
      200: { description: 'An existing session starting again', content: json('Session') },
    },
    errors: {
      409: ['session_live'],
      503: ['browser_missing', 'session_limit', 'shutting_down', 'folder_locked'],
    },
  },
  {
    method: 'delete',
    path: '/sessions/{id}',
    operationId: 'deleteSession',
    summary: 'Log out (when connected), close the browser, remove the auth folder and the session',
    tag: 'Sessions',
    sessionId: true,
    responses: { 204: { description: 'Gone, whatever failed on the way' } },
    errors: sessionErrors,
  },
  {
    method: 'get',
    path: '/sessions/{id}/qr',
    operationId: 'getQr',
    summary: 'The pending QR code: PNG, JSON or terminal text',
    description:
      'PNG by default; JSON `{qr, at, dataUrl}` for `Accept: application/json`; block characters for ' +
      '`Accept: text/plain` or `?format=text` (curl in a terminal). `format` wins over Accept.',
    tag: 'Sessions',
    sessionId: true,
    query: qrQuerySchema,
    responses: {
      200: {
        description: 'The QR code',
        content: {
          'image/png': { json: { type: 'string', contentMediaType: 'image/png' } },
          'application/json': { component: 'QrCode' },
          'text/plain': { json: { type: 'string' } },
        },
      },
    },
    errors: { 404: ['session_not_found'], 406: ['not_acceptable'], 409: ['no_qr'] },
  },
  {
    method: 'post',
    path: '/sessions/{id}/pairing-code',
    operationId: 'requestPairingCode',
    summary: 'Link by phone number instead of a QR scan',
    tag: 'Sessions',
    sessionId: true,
    body: { component: 'PairingCodeBody', required: true },
    responses: { 200: { description: 'The code to enter on the phone', content: json('PairingCode') } },
    errors: { 404: ['session_not_found'], 409: ['not_pairing'], 502: ['pairing_failed'], 504: ['timeout'] },
  },
  {
    method: 'post',
    path: '/sessions/{id}/stop',
    operationId: 'stopSession',
    summary: 'Close the browser and keep the auth folder (STOPPED); start it again without a new scan',
    tag: 'Sessions',
    sessionId: true,
    responses: { 200: { description: 'The stopped session', content: json('Session') } },
    errors: sessionErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/messages',
    operationId: 'sendMessage',
    summary: 'Send a text, media (URL or base64) or location message',
    tag: 'Messages',
    sessionId: true,
    body: { component: 'SendMessageBody', required: true },
    responses: { 201: { description: 'Sent', content: json('MessageSent') } },
    errors: {
      400: ['invalid_recipient', 'media_url_forbidden'],
      404: ['session_not_found'],
      409: ['session_not_ready'],
      413: ['media_too_large'],
      502: ['media_fetch_failed', 'send_failed'],
      504: ['timeout', 'media_timeout'],
    },
  },
  {
    method: 'get',
    path: '/events',
    operationId: 'streamAllEvents',
    summary: 'Server-Sent Events of every session',
    tag: 'Events',
    query: sseQuery,
    headers: sseHeaders,
    responses: { 200: sseResponse },
    errors: { 400: ['invalid_last_event_id'] },
  },
  {
    method: 'get',
    path: '/sessions/{id}/events',
    operationId: 'streamSessionEvents',
    summary: 'Server-Sent Events of one session (it need not exist yet)',
    tag: 'Events',
    sessionId: true,
    query: sseQuery,
    headers: sseHeaders,
    responses: { 200: sseResponse },
    errors: { 400: ['invalid_last_event_id'] },
  },
  {
    method: 'get',
    path: '/webhooks/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: 'Webhook deliveries in the outbox, newest first: pending, failed (dead letters) or delivered',
    description:
      'Every event is written to the outbox, one delivery per receiver, before it is sent; delivered ones ' +
      'are kept for WEBHOOK_RETENTION. Page with `cursor` (the `nextCursor` of the previous page).',
    tag: 'Webhooks',
    query: deliveriesQuerySchema,
    responses: { 200: { description: 'One page of deliveries', content: json('WebhookDeliveryList') } },
    errors: { 400: ['invalid_query'], 503: ['store_unavailable'] },
  },
  {
    method: 'post',
    path: '/webhooks/deliveries/{id}/retry',
    operationId: 'retryWebhookDelivery',
    summary: 'Send a failed (or delivered) webhook delivery again: back to pending, attempts reset',
    tag: 'Webhooks',
    pathParams: [{ name: 'id', description: 'The delivery id', schema: { type: 'string' } }],
    responses: { 202: { description: 'Pending again', content: json('WebhookDelivery') } },
    errors: { 404: ['delivery_not_found'], 409: ['delivery_pending'], 503: ['store_unavailable'] },
  },
  {
    method: 'get',
    path: '/sessions/{id}/simulator',
    operationId: 'simulatorStatus',
    summary: "The simulated WhatsApp Web page's state",
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    responses: { 200: { description: 'The page state', content: json('SimulatorStatus') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/scan',
    operationId: 'simulatorScan',
    summary: 'Play the phone scanning the QR code',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorScanBody', required: false },
    responses: { 200: { description: 'Scanned; READY follows', content: flag('scanned') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/qr/rotate',
    operationId: 'simulatorRotateQr',
    summary: 'Rotate the QR code now',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    responses: {
      200: {
        description: 'The new QR ref',
        content: inline({ type: 'object', properties: { ref: { type: 'string' } }, required: ['ref'] }),
      },
    },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/pairing-code/confirm',
    operationId: 'simulatorConfirmPairingCode',
    summary: 'Play the phone entering the pairing code',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorPairingCodeBody', required: true },
    responses: { 200: { description: 'Confirmed; READY follows', content: flag('confirmed') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/messages',
    operationId: 'simulatorIncomingMessage',
    summary: 'Deliver a message to the session as if a contact sent it',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorMessageBody', required: true },
    responses: {
      201: {
        description: 'Delivered; message.received follows',
        content: inline({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }),
      },
    },
    errors: simulatorErrors,
  },
  {
    method: 'get',
    path: '/sessions/{id}/simulator/outbox',
    operationId: 'simulatorOutbox',
    summary: 'Every message the session sent, oldest first',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    responses: { 200: { description: 'The outbox', content: json('SimulatorOutbox') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/ack',
    operationId: 'simulatorAck',
    summary: "Move a sent message's ack (2 delivered, 3 read)",
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorAckBody', required: true },
    responses: { 200: { description: 'Moved; message.ack follows', content: flag('acked') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/logout',
    operationId: 'simulatorLogout',
    summary: 'Play the phone unlinking the device (LOGOUT)',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    responses: { 200: { description: 'Logged out', content: flag('loggedOut') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/state',
    operationId: 'simulatorSetState',
    summary: "Set the socket state WhatsApp's servers report (CONFLICT, TOS_BLOCK, ...)",
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorStateBody', required: true },
    responses: {
      200: {
        description: 'Set',
        content: inline({ type: 'object', properties: { state: { type: 'string' } }, required: ['state'] }),
      },
    },
    errors: simulatorErrors,
  },
  {
    method: 'get',
    path: '/health/live',
    operationId: 'healthLive',
    summary: 'Liveness: the process answers',
    tag: 'Operations',
    public: true,
    responses: { 200: { description: 'Alive', content: json('HealthLive') } },
    errors: {},
  },
  {
    method: 'get',
    path: '/health/ready',
    operationId: 'healthReady',
    summary: 'Readiness: config loaded, DATA_DIR writable, Chromium launchable',
    description:
      'The Chromium check runs `<chrome> --version`; its result is reused for a minute (10 s after a failure).',
    tag: 'Operations',
    public: true,
    responses: { 200: { description: 'Ready', content: json('HealthReady') } },
    errors: { 503: ['not_ready'] },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format)',
    tag: 'Operations',
    responses: {
      200: { description: 'The metrics', content: { 'text/plain': { json: { type: 'string' } } } },
    },
    errors: {},
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document (OpenAPI 3.1)',
    tag: 'Documentation',
    responses: {
      200: { description: 'The document', content: inline({ type: 'object', required: ['openapi'] }) },
    },
    errors: {},
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'Interactive documentation (Swagger UI, served offline)',
    tag: 'Documentation',
    responses: { 200: { description: 'The page', content: { 'text/html': { json: { type: 'string' } } } } },
    errors: {},
  },
  {
    method: 'get',
    path: '/docs/{asset}',
    operationId: 'docsAsset',
    summary: "The docs page's scripts, styles and icons",
    tag: 'Documentation',
    pathParams: [
      { name: 'asset', description: 'A file name, such as swagger-ui.css', schema: { type: 'string' } },
    ],
    responses: {
      200: {
        description: 'The file',
        content: {
          'text/css': { json: { type: 'string' } },
          'text/javascript': { json: { type: 'string' } },
          'image/png': { json: { type: 'string', contentMediaType: 'image/png' } },
        },
      },
    },
    errors: { 404: ['not_found'] },
  },
];
