import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { type ErrorCode, errorCatalog } from '../../error-catalog.js';
import { eventSchema } from '../../events/schemas.js';
import { SESSION_ID_PATTERN } from '../../sessions/types.js';
import { API_KEY_HEADER } from '../auth.js';
import { PROBLEM_CONTENT_TYPE } from '../problem.js';
import { type OperationSpec, operations, requestSchemas, type SchemaRef } from './operations.js';
import {
  deliveryListSchema,
  deliverySchema,
  healthLiveSchema,
  healthReadySchema,
  messageSentSchema,
  pairingCodeSchema,
  problemSchema,
  qrJsonSchema,
  sessionListSchema,
  sessionSchema,
  simulatorChatsSchema,
  simulatorOutboxSchema,
  simulatorSeededChatSchema,
  simulatorStatusSchema,
} from './response-schemas.js';
import {
  chatPageSchema,
  contactDetailSchema,
  contactPageSchema,
  groupCreatedSchema,
  groupSchema,
  messagePageSchema,
  numberCheckSchema,
  participantResultsSchema,
  typingAnswerSchema,
} from './whatsapp-schemas.js';

type JsonObject = Record<string, unknown>;

const responseSchemas: Record<string, z.ZodType> = {
  Session: sessionSchema,
  SessionList: sessionListSchema,
  QrCode: qrJsonSchema,
  PairingCode: pairingCodeSchema,
  MessageSent: messageSentSchema,
  Event: eventSchema,
  Problem: problemSchema,
  HealthLive: healthLiveSchema,
  HealthReady: healthReadySchema,
  SimulatorStatus: simulatorStatusSchema,
  SimulatorOutbox: simulatorOutboxSchema,
  SimulatorSeededChat: simulatorSeededChatSchema,
  SimulatorChats: simulatorChatsSchema,
  NumberCheck: numberCheckSchema,
  ChatPage: chatPageSchema,
  MessagePage: messagePageSchema,
  ContactPage: contactPageSchema,
  Contact: contactDetailSchema,
  TypingAnswer: typingAnswerSchema,
  Group: groupSchema,
  GroupCreated: groupCreatedSchema,
  ParticipantResults: participantResultsSchema,
  WebhookDelivery: deliverySchema,
  WebhookDeliveryList: deliveryListSchema,
};

/**
 * JSON Schema 2020-12 (OpenAPI 3.1's dialect) from zod. Requests are described as the client sends
 * them (`io: 'input'`: before transforms), responses as they are sent. Refinements that JSON Schema
 * cannot say (base64, recipient notation) are enforced by the server and named in the 400 answer.
 */
const toJsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
};

const schemaOf = (ref: SchemaRef): JsonObject =>
  'component' in ref ? { $ref: `#/components/schemas/${ref.component}` } : ref.json;

/** Every route with a body or a key can answer these besides its own. */
const bodyErrors: Record<number, ErrorCode[]> = {
  400: ['invalid_json', 'invalid_body'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
};
const keyErrors: Record<number, ErrorCode[]> = { 401: ['unauthorized'], 429: ['rate_limited'] };
const everyRouteErrors: Record<number, ErrorCode[]> = { 500: ['internal'] };

/** Codes by status; a code listed under another status than the catalog's fails the document's build. */
const mergeErrors = (...sets: Array<Record<number, ErrorCode[]>>): Map<number, ErrorCode[]> => {
  const merged = new Map<number, ErrorCode[]>();
  for (const set of sets) {
    for (const [status, codes] of Object.entries(set)) {
      const key = Number(status);
      const misplaced = codes.filter((code) => errorCatalog[code].status !== key);
      if (misplaced.length > 0) throw new Error(`OpenAPI: ${misplaced.join(', ')} listed under ${key}`);
      merged.set(key, [...new Set([...(merged.get(key) ?? []), ...codes])]);
    }
  }
  return new Map([...merged].sort(([a], [b]) => a - b));
};

const problemResponse = (status: number, codes: string[]): JsonObject => ({
  description: `${STATUS_CODES[status] ?? 'Error'}: ${codes.map((c) => `\`${c}\``).join(', ')}`,
  ...(status === 401
    ? {
        headers: {
          'WWW-Authenticate': { description: 'The accepted credentials', schema: { type: 'string' } },
        },
      }
    : {}),
  ...(status === 429
    ? {
        headers: {
          'Retry-After': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
          RateLimit: { description: 'draft-ietf-httpapi-ratelimit-headers-08', schema: { type: 'string' } },
          'RateLimit-Policy': { description: 'The limit and its window', schema: { type: 'string' } },
        },
      }
    : {}),
  content: {
    [PROBLEM_CONTENT_TYPE]: {
      // The code is pinned per status, so a client generator (and the conformance test) knows them.
      schema: {
        allOf: [
          { $ref: '#/components/schemas/Problem' },
          { type: 'object', properties: { code: { enum: codes }, status: { const: status } } },
        ],
      },
    },
  },
});

const parametersOf = (op: OperationSpec): JsonObject[] => {
  const parameters: JsonObject[] = [];
  if (op.sessionId) {
    parameters.push({
      name: 'id',
      in: 'path',
      required: true,
      description: 'The session id: 1 to 64 of A-Z a-z 0-9 _ -, chosen by the client',
      schema: { type: 'string', pattern: SESSION_ID_PATTERN.source },
    });
  }
  for (const param of op.pathParams ?? []) parameters.push({ in: 'path', required: true, ...param });
  if (op.query) {
    const query = toJsonSchema(op.query, 'input') as { properties?: JsonObject; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      const { description, ...rest } = schema as JsonObject;
      parameters.push({
        name,
        in: 'query',
        required: query.required?.includes(name) ?? false,
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  for (const header of op.headers ?? []) parameters.push({ in: 'header', required: false, ...header });
  return parameters;
};

const operationObject = (op: OperationSpec, open: boolean): JsonObject => {
  const responses: JsonObject = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    responses[status] = {
      description: spec.description,
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(spec.content
        ? {
            content: Object.fromEntries(
              Object.entries(spec.content).map(([type, ref]) => [type, { schema: schemaOf(ref) }]),
            ),
          }
        : {}),
    };
  }
  const errors = mergeErrors(
    op.sessionId ? { 400: ['invalid_session_id'] } : {},
    op.query ? { 400: ['invalid_query'] } : {},
    op.body ? bodyErrors : {},
    op.errors,
    open ? {} : keyErrors,
    everyRouteErrors,
  );
  for (const [status, codes] of errors) responses[String(status)] = problemResponse(status, codes);

  const parameters = parametersOf(op);
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(open ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required,
            content: {
              'application/json': { schema: { $ref: `#/components/schemas/${op.body.component}` } },
            },
          },
        }
      : {}),
    responses,
  };
};

export interface DocumentOptions {
  version: string;
  /** DOCS_PUBLIC: /docs and /openapi.json answer without a key. */
  docsPublic: boolean;
}

/** The OpenAPI 3.1 document of every route, built from the schemas the routes validate with. */
export const buildOpenApiDocument = (options: DocumentOptions): JsonObject => {
  const paths: Record<string, JsonObject> = {};
  for (const op of operations) {
    const open = op.public === true || (op.tag === 'Documentation' && options.docsPublic);
    paths[op.path] = { ...paths[op.path], [op.method]: operationObject(op, open) };
  }
  const schemas: JsonObject = {};
  for (const [name, schema] of Object.entries(requestSchemas)) schemas[name] = toJsonSchema(schema, 'input');
  for (const [name, schema] of Object.entries(responseSchemas))
    schemas[name] = toJsonSchema(schema, 'output');

  return {
    openapi: '3.1.0',
    info: {
      title: 'wa-sessions',
      version: options.version,
      description:
        'A REST API server that runs many WhatsApp Web sessions at once, one headless Chromium each. ' +
        'Errors are application/problem+json (RFC 9457) with a stable `code`. Every route but /health/* ' +
        `needs the API key: \`${API_KEY_HEADER}: <key>\` or \`Authorization: Bearer <key>\`.`,
    },
    tags: [
      { name: 'Sessions', description: 'Create, link, stop and delete sessions' },
      { name: 'Messages', description: 'Send messages, fetch received files' },
      { name: 'Chats', description: 'Chats and their history, read receipts, typing' },
      { name: 'Contacts', description: 'Contacts, and whether a number is on WhatsApp' },
      { name: 'Groups', description: 'Create and run groups' },
      { name: 'Events', description: 'Server-Sent Events (webhooks carry the same Event bodies)' },
      {
        name: 'Webhooks',
        description: 'The durable webhook outbox: pending, failed and delivered deliveries',
      },
      { name: 'Sandbox', description: 'Simulator controls: only with SIMULATOR=true' },
      { name: 'Operations', description: 'Health and metrics' },
      { name: 'Documentation', description: 'This document and its UI' },
    ],
    security: [{ apiKey: [] }, { bearer: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: API_KEY_HEADER },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' },
      },
    },
  };
};
