import { z } from 'zod';
import type { ErrorCode } from '../../error-catalog.js';
import { sendMessageBodySchema } from '../../messages/schemas.js';
import { historyQuerySchema, typingBodySchema } from '../routes/chats.js';
import { checkNumberQuerySchema, pageQuerySchema } from '../routes/contacts.js';
import {
  createGroupBodySchema,
  descriptionBodySchema,
  participantsBodySchema,
  subjectBodySchema,
} from '../routes/groups.js';
import { reactionBodySchema } from '../routes/message-actions.js';
import { createBodySchema, pairingBodySchema, qrQuerySchema } from '../routes/sessions.js';
import {
  ackSchema,
  chatSeedSchema,
  codeSchema,
  contactSchema,
  editSchema,
  expireSchema,
  groupEventSchema,
  groupSeedSchema,
  messageSchema,
  reactionSchema,
  revokeSchema,
  scanSchema,
  stateSchema,
} from '../routes/simulator.js';
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
  tag:
    | 'Sessions'
    | 'Messages'
    | 'Chats'
    | 'Contacts'
    | 'Groups'
    | 'Events'
    | 'Webhooks'
    | 'Sandbox'
    | 'Operations'
    | 'Documentation'
    | 'Dashboard';
  /** Health and the dashboard's files: open without a key. */
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
  TypingBody: typingBodySchema,
  SimulatorContactBody: contactSchema,
  SimulatorChatBody: chatSeedSchema,
  SimulatorExpireBody: expireSchema,
  SimulatorReactionBody: reactionSchema,
  SimulatorRevokeBody: revokeSchema,
  SimulatorEditBody: editSchema,
  ReactionBody: reactionBodySchema,
  CreateGroupBody: createGroupBodySchema,
  GroupSubjectBody: subjectBodySchema,
  GroupDescriptionBody: descriptionBodySchema,
  GroupParticipantsBody: participantsBodySchema,
  SimulatorGroupBody: groupSeedSchema,
  SimulatorGroupEventBody: groupEventSchema,
};

const json = (component: string): Record<string, SchemaRef> => ({ 'application/json': { component } });
const inline = (schema: Record<string, unknown>): Record<string, SchemaRef> => ({
  'application/json': { json: schema },
});
const flag = (name: string) =>
  inline({ type: 'object', properties: { [name]: { const: true } }, required: [name] });

// Cluster mode: a session running on an instance that does not answer while its lease is valid.
const sessionErrors: Record<number, ErrorCode[]> = { 404: ['session_not_found'], 503: ['owner_unreachable'] };
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

/** Every route that runs on the session's READY client. */
const readyErrors = (
  code: ErrorCode,
  extra: Record<number, ErrorCode[]> = {},
): Record<number, ErrorCode[]> => ({
  404: ['session_not_found'],
  409: ['session_not_ready'],
  502: [code],
  504: ['timeout'],
  ...extra,
});
const chatIdParam: HeaderParamSpec = {
  name: 'chatId',
  description: 'A chat id: <digits>@c.us (a person), <id>@g.us (a group) or <digits>@lid',
  schema: { type: 'string', maxLength: 64 },
};
const messageIdParam: HeaderParamSpec = {
  name: 'messageId',
  description: 'A message id as events and sends return it: true_5511912345678@c.us_3EB0...',
  schema: { type: 'string', maxLength: 200 },
};

const groupIdParam: HeaderParamSpec = {
  name: 'groupId',
  description: 'A group id: 120363012345678901@g.us',
  schema: { type: 'string', maxLength: 64 },
};
const groupErrors = (extra: Record<number, ErrorCode[]> = {}) =>
  readyErrors('group_failed', {
    400: ['invalid_chat_id'],
    404: ['session_not_found', 'group_not_found'],
    ...extra,
  });
const inviteAnswer = inline({
  type: 'object',
  properties: {
    code: { type: 'string' },
    link: { type: 'string', description: 'https://chat.whatsapp.com/<code>' },
  },
  required: ['code', 'link'],
});

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
    description:
      'Cluster mode: every instance is asked for its own (a short time limit each) and the stopped or ' +
      'unowned sessions are read from the registry; `unreachable` names the instances that did not answer.',
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
      'or a webhook, then link it with GET /sessions/{id}/qr or POST /sessions/{id}/pairing-code. ' +
      'Cluster mode: a new session is placed on the live instance with the fewest sessions below ' +
      'INSTANCE_CAPACITY, or on the one the body names in `instance` (INSTANCE_ID of a live instance; ' +
      'refused as an unknown field without CLUSTER).',
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
      400: ['webhook_url_forbidden'],
      409: ['session_live'],
      503: ['browser_missing', 'session_limit', 'shutting_down', 'folder_locked', 'owner_unreachable'],
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
      422: ['not_on_whatsapp'],
      502: ['media_fetch_failed', 'send_failed', 'lookup_failed'],
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
    errors: { 400: ['invalid_last_event_id'], 429: ['too_many_streams'] },
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
    errors: { 400: ['invalid_last_event_id'], 429: ['too_many_streams'] },
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
    path: '/sessions/{id}/simulator/reactions',
    operationId: 'simulatorReaction',
    summary: 'A contact reacts to a message: message.reaction',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorReactionBody', required: true },
    responses: {
      201: {
        description: 'Reacted',
        content: inline({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }),
      },
    },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/revoke',
    operationId: 'simulatorRevoke',
    summary: 'A contact deletes one of their messages for everyone: message.revoked',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorRevokeBody', required: true },
    responses: { 200: { description: 'Deleted', content: flag('revoked') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/edit',
    operationId: 'simulatorEdit',
    summary: 'A contact edits one of their messages: message.edited',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorEditBody', required: true },
    responses: { 200: { description: 'Edited', content: flag('edited') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/groups',
    operationId: 'simulatorSeedGroup',
    summary: 'A group someone else created, with this session in it',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorGroupBody', required: true },
    responses: {
      201: {
        description: 'Created',
        content: inline({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }),
      },
    },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/groups/events',
    operationId: 'simulatorGroupEvent',
    summary: 'Someone else changes a group (adds, removes, leaves, promotes, renames...): group.* events',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorGroupEventBody', required: true },
    responses: { 200: { description: 'Delivered', content: flag('delivered') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/media/expire',
    operationId: 'simulatorExpireMedia',
    summary: "WhatsApp's server no longer has a received message's file",
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorExpireBody', required: true },
    responses: { 200: { description: 'Expired; a media fetch now answers 404', content: flag('expired') } },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/contacts',
    operationId: 'simulatorSeedContact',
    summary:
      "Put a contact in the phone's address book and WhatsApp's directory (or mark a number not on WhatsApp)",
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorContactBody', required: true },
    responses: {
      201: {
        description: 'Seeded',
        content: inline({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }),
      },
    },
    errors: simulatorErrors,
  },
  {
    method: 'post',
    path: '/sessions/{id}/simulator/chats',
    operationId: 'simulatorSeedChat',
    summary: 'Give the phone a chat with its history (no events: the messages are not new)',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    body: { component: 'SimulatorChatBody', required: true },
    responses: { 201: { description: 'Seeded', content: json('SimulatorSeededChat') } },
    errors: simulatorErrors,
  },
  {
    method: 'get',
    path: '/sessions/{id}/simulator/chats',
    operationId: 'simulatorChats',
    summary: 'The chats as the phone sees them: unread count and what the contact sees (typing, recording)',
    description: sandbox,
    tag: 'Sandbox',
    sessionId: true,
    responses: { 200: { description: 'The chats', content: json('SimulatorChats') } },
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
    path: '/sessions/{id}/contacts/check',
    operationId: 'checkNumber',
    summary: 'Whether a phone number is on WhatsApp, and the chat id to send to',
    tag: 'Contacts',
    sessionId: true,
    query: checkNumberQuerySchema,
    responses: { 200: { description: 'The answer', content: json('NumberCheck') } },
    errors: readyErrors('lookup_failed'),
  },
  {
    method: 'get',
    path: '/sessions/{id}/contacts',
    operationId: 'listContacts',
    summary: "The phone's contacts, by name (paginated)",
    tag: 'Contacts',
    sessionId: true,
    query: pageQuerySchema,
    responses: { 200: { description: 'A page of contacts', content: json('ContactPage') } },
    errors: readyErrors('contacts_failed'),
  },
  {
    method: 'get',
    path: '/sessions/{id}/contacts/{contactId}',
    operationId: 'getContact',
    summary: 'One contact: names, number, business or not, about, profile picture URL',
    tag: 'Contacts',
    sessionId: true,
    pathParams: [{ ...chatIdParam, name: 'contactId', description: '<digits>@c.us or <digits>@lid' }],
    responses: { 200: { description: 'The contact', content: json('Contact') } },
    errors: readyErrors('contacts_failed', { 400: ['invalid_chat_id'] }),
  },
  {
    method: 'get',
    path: '/sessions/{id}/chats',
    operationId: 'listChats',
    summary: 'The chats: pinned first, then the most recent (paginated)',
    tag: 'Chats',
    sessionId: true,
    query: pageQuerySchema,
    responses: { 200: { description: 'A page of chats', content: json('ChatPage') } },
    errors: readyErrors('chats_failed'),
  },
  {
    method: 'get',
    path: '/sessions/{id}/chats/{chatId}/messages',
    operationId: 'listChatMessages',
    summary: "A chat's history, newest page first; `before` pages back",
    tag: 'Chats',
    sessionId: true,
    pathParams: [chatIdParam],
    query: historyQuerySchema,
    responses: { 200: { description: 'A page of messages, oldest first', content: json('MessagePage') } },
    errors: readyErrors('chats_failed', {
      400: ['invalid_chat_id', 'invalid_message_id'],
      404: ['session_not_found', 'message_not_found'],
    }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/chats/{chatId}/read',
    operationId: 'markChatRead',
    summary: 'Mark a chat as read (blue ticks for its sender)',
    tag: 'Chats',
    sessionId: true,
    pathParams: [chatIdParam],
    responses: {
      200: {
        description: 'Marked',
        content: inline({ type: 'object', properties: { read: { type: 'boolean' } }, required: ['read'] }),
      },
    },
    errors: readyErrors('mark_read_failed', { 400: ['invalid_chat_id'] }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/chats/{chatId}/typing',
    operationId: 'sendChatState',
    summary: 'Show typing or recording in a chat for a bounded time, or stop (paused)',
    description:
      'Cleared after durationMs (at most 25 s, as long as WhatsApp shows it); a new call replaces the old one.',
    tag: 'Chats',
    sessionId: true,
    pathParams: [chatIdParam],
    body: { component: 'TypingBody', required: false },
    responses: { 200: { description: 'Shown', content: json('TypingAnswer') } },
    errors: readyErrors('chat_state_failed', { 400: ['invalid_chat_id'] }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/messages/{messageId}/reaction',
    operationId: 'reactToMessage',
    summary: 'React to a message with an emoji, or take the reaction back (empty)',
    tag: 'Messages',
    sessionId: true,
    pathParams: [messageIdParam],
    body: { component: 'ReactionBody', required: true },
    responses: {
      200: {
        description: 'Sent',
        content: inline({
          type: 'object',
          properties: { messageId: { type: 'string' }, reaction: { type: 'string' } },
          required: ['messageId', 'reaction'],
        }),
      },
    },
    errors: readyErrors('reaction_failed', {
      400: ['invalid_message_id'],
      404: ['session_not_found', 'message_not_found'],
    }),
  },
  {
    method: 'delete',
    path: '/sessions/{id}/messages/{messageId}',
    operationId: 'deleteMessageForEveryone',
    summary: 'Delete one of your messages for everyone',
    description:
      "Only your own messages, within WhatsApp's window (about 60 hours): otherwise 422 not_revocable and " +
      'nothing is deleted. Deleting a message already deleted is a 204 again.',
    tag: 'Messages',
    sessionId: true,
    pathParams: [messageIdParam],
    responses: { 204: { description: 'Deleted for everyone; message.revoked follows' } },
    errors: readyErrors('revoke_failed', {
      400: ['invalid_message_id'],
      404: ['session_not_found', 'message_not_found'],
      422: ['not_revocable'],
      502: ['lookup_failed', 'revoke_failed'],
    }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/groups',
    operationId: 'createGroup',
    summary: 'Create a group with participants (one result each: WhatsApp refuses some)',
    tag: 'Groups',
    sessionId: true,
    body: { component: 'CreateGroupBody', required: true },
    responses: { 201: { description: 'Created', content: json('GroupCreated') } },
    errors: readyErrors('group_failed', { 403: ['not_group_admin'] }),
  },
  {
    method: 'get',
    path: '/sessions/{id}/groups/{groupId}',
    operationId: 'getGroup',
    summary: 'A group: subject, description, owner, participants and admins',
    tag: 'Groups',
    sessionId: true,
    pathParams: [groupIdParam],
    responses: { 200: { description: 'The group', content: json('Group') } },
    errors: groupErrors(),
  },
  {
    method: 'post',
    path: '/sessions/{id}/groups/{groupId}/subject',
    operationId: 'setGroupSubject',
    summary: "Change a group's subject",
    tag: 'Groups',
    sessionId: true,
    pathParams: [groupIdParam],
    body: { component: 'GroupSubjectBody', required: true },
    responses: {
      200: {
        description: 'Changed; group.update follows',
        content: inline({
          type: 'object',
          properties: { subject: { type: 'string' } },
          required: ['subject'],
        }),
      },
    },
    errors: groupErrors({ 403: ['group_change_refused'] }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/groups/{groupId}/description',
    operationId: 'setGroupDescription',
    summary: "Change a group's description",
    tag: 'Groups',
    sessionId: true,
    pathParams: [groupIdParam],
    body: { component: 'GroupDescriptionBody', required: true },
    responses: {
      200: {
        description: 'Changed',
        content: inline({
          type: 'object',
          properties: { description: { type: 'string' } },
          required: ['description'],
        }),
      },
    },
    errors: groupErrors({ 403: ['group_change_refused'] }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/groups/{groupId}/participants',
    operationId: 'changeGroupParticipants',
    summary: 'Add, remove, promote or demote participants: one result per participant',
    description:
      "Each result has WhatsApp's code: 200 done, 403 (add: only by invitation; demote: the creator), " +
      '404 not on WhatsApp or not a participant, 409 already a member. Only admins may: 403 not_group_admin.',
    tag: 'Groups',
    sessionId: true,
    pathParams: [groupIdParam],
    body: { component: 'GroupParticipantsBody', required: true },
    responses: { 200: { description: 'One result per participant', content: json('ParticipantResults') } },
    errors: groupErrors({ 403: ['not_group_admin'] }),
  },
  {
    method: 'get',
    path: '/sessions/{id}/groups/{groupId}/invite',
    operationId: 'getGroupInvite',
    summary: "The group's invite code and link (admins only)",
    tag: 'Groups',
    sessionId: true,
    pathParams: [groupIdParam],
    responses: { 200: { description: 'The invite', content: inviteAnswer } },
    errors: groupErrors({ 403: ['not_group_admin'] }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/groups/{groupId}/invite/revoke',
    operationId: 'revokeGroupInvite',
    summary: 'Revoke the invite link: the old one stops working, a new one is returned',
    tag: 'Groups',
    sessionId: true,
    pathParams: [groupIdParam],
    responses: { 200: { description: 'The new invite', content: inviteAnswer } },
    errors: groupErrors({ 403: ['not_group_admin'] }),
  },
  {
    method: 'post',
    path: '/sessions/{id}/groups/{groupId}/leave',
    operationId: 'leaveGroup',
    summary: 'Leave a group',
    tag: 'Groups',
    sessionId: true,
    pathParams: [groupIdParam],
    responses: { 200: { description: 'Left', content: flag('left') } },
    errors: groupErrors(),
  },
  {
    method: 'get',
    path: '/sessions/{id}/messages/{messageId}/media',
    operationId: 'getMessageMedia',
    summary: 'The file of a received message (image, video, audio, voice note, document, sticker)',
    description:
      'Streamed with its own content type, as an attachment. Refused with 413 from the size WhatsApp ' +
      'announces, before anything is downloaded (MEDIA_DOWNLOAD_MAX_BYTES); bounded in time ' +
      '(MEDIA_DOWNLOAD_TIMEOUT_MS: 504). 404 media_expired once WhatsApp no longer has the file.',
    tag: 'Messages',
    sessionId: true,
    pathParams: [messageIdParam],
    responses: {
      200: {
        description: 'The file',
        content: { '*/*': { json: { type: 'string', contentMediaType: 'application/octet-stream' } } },
        headers: {
          'Content-Disposition': {
            description: 'attachment, with the file name when known',
            schema: { type: 'string' },
          },
        },
      },
    },
    errors: readyErrors('media_download_failed', {
      400: ['invalid_message_id'],
      404: ['session_not_found', 'message_not_found', 'no_media', 'media_expired'],
      413: ['media_too_large'],
      502: ['lookup_failed', 'media_download_failed'],
    }),
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
      'Open to probes: `{status: "ready"}`, or 503 `not_ready` whose `reason` names the failed check in one ' +
      'word (`dataDir`, `chrome`). With `?verbose` it needs the API key and adds every check with its ' +
      'details (`checks`). The Chromium check runs `<chrome> --version`; its result is reused for a ' +
      'minute (10 s after a failure).',
    tag: 'Operations',
    public: true,
    query: z.object({
      verbose: z.string().optional().describe('Present: every check with its details (requires the API key)'),
    }),
    responses: { 200: { description: 'Ready', content: json('HealthReady') } },
    errors: { 401: ['unauthorized'], 429: ['rate_limited'], 503: ['not_ready'] },
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
  {
    method: 'get',
    path: '/dashboard',
    operationId: 'dashboard',
    summary: 'The web dashboard (its page asks for the key and sends it as a header with every call)',
    description:
      'Without a trailing slash: 301 to `dashboard/` (relative, so a proxy prefix is kept). 503 dashboard_not_built when `npm run build` has not compiled it.',
    tag: 'Dashboard',
    public: true,
    responses: {
      200: { description: 'The page', content: { 'text/html': { json: { type: 'string' } } } },
      301: {
        description: 'To the page, with the trailing slash its relative URLs need',
        headers: { Location: { description: '`dashboard/`', schema: { type: 'string' } } },
      },
    },
    errors: { 503: ['dashboard_not_built'] },
  },
  {
    method: 'get',
    path: '/dashboard/{file}',
    operationId: 'dashboardFile',
    summary: "The dashboard's compiled modules, stylesheet, and preact and htm",
    tag: 'Dashboard',
    public: true,
    pathParams: [
      { name: 'file', description: 'A file name, such as app.js or preact.mjs', schema: { type: 'string' } },
    ],
    responses: {
      200: {
        description: 'The file',
        content: {
          'text/javascript': { json: { type: 'string' } },
          'text/css': { json: { type: 'string' } },
        },
      },
    },
    errors: { 404: ['not_found'] },
  },
];
