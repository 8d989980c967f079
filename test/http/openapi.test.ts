import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { buildOpenApiDocument } from '../../src/http/openapi/document.js';
import { createFakePort } from '../helpers/fake-port.js';
import { fullAppsClosedAfterEach, KEY } from '../helpers/full-app.js';

type Json = Record<string, unknown>;

const build = fullAppsClosedAfterEach();

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/**
 * Every (method, path) the Express app answers, from its router stack (Express 5: `app.router.stack`,
 * routers nested as layers whose handle has a `stack`). `:id` becomes `{id}` as OpenAPI writes it.
 */
const appRoutes = (app: unknown): string[] => {
  const found = new Set<string>();
  const walk = (stack: unknown): void => {
    if (!Array.isArray(stack)) return;
    for (const layer of stack as unknown[]) {
      if (!isObject(layer)) continue;
      const route = layer.route;
      if (isObject(route) && typeof route.path === 'string' && isObject(route.methods)) {
        for (const method of Object.keys(route.methods)) {
          if (method === '_all') continue;
          found.add(`${method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
        }
      }
      const handle = layer.handle;
      if (typeof handle === 'function' && 'stack' in handle) walk(handle.stack);
    }
  };
  const router =
    isObject(app) || typeof app === 'function' ? (app as { router?: unknown }).router : undefined;
  walk(isObject(router) || typeof router === 'function' ? (router as { stack?: unknown }).stack : undefined);
  return [...found].sort();
};

const documentedRoutes = (doc: Json): string[] =>
  Object.entries(doc.paths as Record<string, Json>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

/**
 * Routes that exist only to refuse: `/sessions/` with an empty id answers 400 invalid_session_id
 * rather than a 404 that would suggest the path is wrong. There is no operation to document.
 */
const refusalOnly = ['DELETE /sessions', 'POST /sessions'];

describe('OpenAPI document', () => {
  it('documents every route the app answers, and no route it does not', async () => {
    const { app } = build();
    const res = await request(app).get('/openapi.json').set('X-Api-Key', KEY).expect(200);
    const routes = appRoutes(app.express);
    // A sanity check of the walk itself: it must see the routers' routes, not only the app's.
    expect(routes).toContain('POST /sessions/{id}/messages');
    expect(routes).toContain('GET /health/ready');
    expect(documentedRoutes(res.body as Json)).toEqual(
      routes.filter((route) => !refusalOnly.includes(route)),
    );
  });

  it('is OpenAPI 3.1 with both security schemes, health open and everything else behind the key', () => {
    const doc = buildOpenApiDocument({ version: '1.2.3', docsPublic: false });
    expect(doc).toMatchObject({
      openapi: '3.1.0',
      info: { version: '1.2.3' },
      security: [{ apiKey: [] }, { bearer: [] }],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    });
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const op of Object.values(item)) {
        const responses = op.responses as Json;
        if (path.startsWith('/health/') || path.startsWith('/dashboard')) {
          expect(op.security, path).toEqual([]);
          // Only /health/ready?verbose needs the key (the details of every check).
          if (path === '/health/ready') expect(responses['401'], path).toBeDefined();
          else expect(responses['401'], path).toBeUndefined();
        } else {
          expect(op.security, path).toBeUndefined();
          expect(responses['401'], path).toBeDefined();
          expect(responses['429'], path).toBeDefined();
        }
      }
    }
  });

  it('declares every path parameter of every template, and the session id with its pattern', () => {
    const doc = buildOpenApiDocument({ version: '0', docsPublic: false });
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        const params = ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path');
        expect(
          params.map((p) => p.name),
          path,
        ).toEqual(names);
      }
    }
    const getSession = (doc.paths as Record<string, Record<string, Json>>)['/sessions/{id}']?.get;
    expect(getSession?.parameters).toContainEqual(
      expect.objectContaining({ name: 'id', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }),
    );
  });

  it('describes request bodies with the very schemas the routes parse', () => {
    const doc = buildOpenApiDocument({ version: '0', docsPublic: false });
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas.PairingCodeBody).toMatchObject({
      type: 'object',
      required: ['phoneNumber'],
      additionalProperties: false,
    });
    expect(schemas.CreateSessionBody?.properties).toHaveProperty('webhook');
    expect(JSON.stringify(schemas.SendMessageBody)).toContain('"location"');
    const qr = (doc.paths as Record<string, Record<string, Json>>)['/sessions/{id}/qr']?.get;
    expect(qr?.parameters).toContainEqual(
      expect.objectContaining({
        name: 'format',
        in: 'query',
        schema: { type: 'string', enum: ['png', 'json', 'text'] },
      }),
    );
    const qrResponses = (qr?.responses ?? {}) as Record<string, { content: Json }>;
    expect(Object.keys(qrResponses['200']?.content ?? {})).toEqual([
      'image/png',
      'application/json',
      'text/plain',
    ]);
  });

  it('marks the documentation routes open when DOCS_PUBLIC is on', () => {
    const doc = buildOpenApiDocument({ version: '0', docsPublic: true });
    const paths = doc.paths as Record<string, Record<string, Json>>;
    expect(paths['/docs']?.get?.security).toEqual([]);
    expect(paths['/openapi.json']?.get?.security).toEqual([]);
    expect(paths['/sessions']?.get?.security).toBeUndefined();
  });
});

/** Validates real answers against the document: status documented, media type documented, body valid. */
const createConformance = (doc: Json) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formats.default(ajv);
  ajv.addSchema({ $id: 'https://wa-sessions.test/openapi.json', components: doc.components });
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!isObject(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? `https://wa-sessions.test/openapi.json${v}` : rewrite(v),
      ]),
    );
  };
  const cache = new Map<string, ValidateFunction>();
  const checked = new Set<string>();

  const check = (
    method: string,
    template: string,
    status: number,
    contentType: string | undefined,
    body: unknown,
  ) => {
    const op = (doc.paths as Record<string, Record<string, Json>>)[template]?.[method];
    expect(op, `${method} ${template} is documented`).toBeDefined();
    const response = ((op?.responses ?? {}) as Record<string, Json>)[String(status)];
    expect(response, `${method} ${template} documents ${status}`).toBeDefined();
    const content = response?.content as Record<string, { schema?: unknown }> | undefined;
    if (content === undefined) {
      expect(contentType, `${method} ${template} ${status} has no body`).toBeUndefined();
      return;
    }
    const sent = (contentType ?? '').split(';')[0]?.trim() ?? '';
    // A documented range (`*/*`, `image/*`) covers the types it names, as OpenAPI reads it.
    const type =
      Object.keys(content).find(
        (t) => t === sent || t === '*/*' || (t.endsWith('/*') && sent.startsWith(t.slice(0, -1))),
      ) ?? sent;
    expect(Object.keys(content), `${method} ${template} ${status} documents ${sent}`).toContain(type);
    const key = `${method} ${template} ${status} ${type}`;
    checked.add(key);
    if (!type.endsWith('json')) return;
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(rewrite(content[type]?.schema) as Json);
      cache.set(key, validate);
    }
    const valid = validate(body);
    expect(valid ? [] : validate.errors, `${key}: ${JSON.stringify(body)}`).toEqual([]);
  };
  return { check, checked };
};

describe('real answers conform to the document', () => {
  let doc: Json;
  beforeAll(() => {
    doc = buildOpenApiDocument({ version: '0', docsPublic: false });
  });

  it('for every session, message, health, metrics and error answer the fake manager can give', async () => {
    const { app, manager } = build({
      env: { RATE_LIMIT_PER_MINUTE: '1000', RATE_LIMIT_LOOPBACK: 'true' },
      probe: { check: async () => ({ ok: true, version: 'Chromium 1' }) },
    });
    const { check, checked } = createConformance(doc);
    const call = async (
      method: 'get' | 'post' | 'delete',
      path: string,
      template: string,
      options: { body?: unknown; accept?: string; key?: string | null; type?: string; raw?: string } = {},
    ) => {
      let req = request(app)[method](path);
      if (options.key !== null) req = req.set('X-Api-Key', options.key ?? KEY);
      if (options.accept) req = req.set('Accept', options.accept);
      if (options.raw !== undefined)
        req = req.set('Content-Type', options.type ?? 'application/json').send(options.raw);
      else if (options.body !== undefined) req = req.send(options.body as object);
      const res = await req;
      const type = res.headers['content-type'];
      check(method, template, res.status, res.status === 204 ? undefined : type, res.body);
      return res;
    };

    await call('get', '/sessions', '/sessions');
    manager.seed('ready', {
      state: 'READY',
      me: { wid: '5511912345678@c.us', name: 'Ana' },
      webhook: { url: 'https://h.example/x', events: ['*'] },
    });
    manager.seed('waiting', { state: 'QR', hasQr: true });
    manager.qrCodes.set('waiting', { qr: '2@abc,def', at: '2025-01-01T00:00:00.000Z' });
    expect((await call('get', '/sessions', '/sessions')).body.sessions).toHaveLength(2);
    await call('get', '/sessions/ready', '/sessions/{id}');
    await call('get', '/sessions/ghost', '/sessions/{id}');
    await call('get', '/sessions/bad.id', '/sessions/{id}');
    expect(
      (
        await call('post', '/sessions/new', '/sessions/{id}', {
          body: { webhook: { url: 'https://h.example' } },
        })
      ).status,
    ).toBe(201);
    manager.seed('stopped', { state: 'STOPPED' });
    expect((await call('post', '/sessions/stopped', '/sessions/{id}')).status).toBe(200);
    expect((await call('post', '/sessions/ready', '/sessions/{id}')).status).toBe(409);
    expect((await call('post', '/sessions/x', '/sessions/{id}', { body: { nope: 1 } })).status).toBe(400);
    expect((await call('post', '/sessions/x', '/sessions/{id}', { raw: '{oops' })).status).toBe(400);
    expect(
      (
        await call('post', '/sessions/x', '/sessions/{id}', {
          raw: 'a=1',
          type: 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
    manager.browserMissing = 'chromium-headless-shell';
    expect((await call('post', '/sessions/y', '/sessions/{id}')).status).toBe(503);
    manager.browserMissing = null;
    expect(
      (await call('get', '/sessions/waiting/qr', '/sessions/{id}/qr', { accept: 'application/json' })).body,
    ).toHaveProperty('dataUrl');
    expect((await call('get', '/sessions/waiting/qr', '/sessions/{id}/qr')).headers['content-type']).toBe(
      'image/png',
    );
    await call('get', '/sessions/waiting/qr?format=text', '/sessions/{id}/qr');
    await call('get', '/sessions/waiting/qr?format=gif', '/sessions/{id}/qr');
    await call('get', '/sessions/waiting/qr', '/sessions/{id}/qr', { accept: 'image/gif' });
    await call('get', '/sessions/ready/qr', '/sessions/{id}/qr', { accept: 'application/json' });
    await call('post', '/sessions/waiting/pairing-code', '/sessions/{id}/pairing-code', {
      body: { phoneNumber: '+49 151 2345678' },
    });
    await call('post', '/sessions/waiting/pairing-code', '/sessions/{id}/pairing-code', {
      body: { phoneNumber: 'x' },
    });
    await call('post', '/sessions/ready/messages', '/sessions/{id}/messages', {
      body: { to: '+5511912345678', text: 'hi' },
    });
    await call('post', '/sessions/waiting/messages', '/sessions/{id}/messages', {
      body: { to: '+5511912345678', text: 'hi' },
    });
    await call('post', '/sessions/ready/messages', '/sessions/{id}/messages', {
      body: { to: 'x', text: 'hi' },
    });
    manager.failNext('sendMessage', new AppError(504, 'timeout', 'send did not finish'));
    await call('post', '/sessions/ready/messages', '/sessions/{id}/messages', {
      body: { to: '+5511912345678', text: 'hi' },
    });
    await call('post', '/sessions/waiting/stop', '/sessions/{id}/stop');
    await call('get', '/sessions/ready/simulator', '/sessions/{id}/simulator');
    await call('post', '/sessions/ready/simulator/state', '/sessions/{id}/simulator/state', {
      body: { state: 'NOPE' },
    });
    // Sandbox routes over a session without a browser: 409 no_browser from the manager.
    for (const [method, tail, body] of [
      ['get', 'simulator/outbox', undefined],
      ['post', 'simulator/scan', {}],
      ['post', 'simulator/qr/rotate', undefined],
      ['post', 'simulator/pairing-code/confirm', { code: 'ABCD1234' }],
      ['post', 'simulator/messages', { from: '5511912345678', body: 'hi' }],
      ['post', 'simulator/ack', { messageId: 'm1', ack: 3 }],
      ['post', 'simulator/media/expire', { messageId: 'm1' }],
      ['post', 'simulator/reactions', { from: '5511912345678', messageId: 'm1', reaction: '👍' }],
      ['post', 'simulator/revoke', { messageId: 'm1' }],
      ['post', 'simulator/edit', { messageId: 'm1', body: 'fixed' }],
      ['post', 'simulator/groups', { subject: 'G', owner: '5511912345678@c.us' }],
      [
        'post',
        'simulator/groups/events',
        { groupId: '120363000000000001@g.us', author: '5511912345678@c.us', action: 'subject', value: 'x' },
      ],
      ['post', 'simulator/contacts', { phone: '5511912345678', onWhatsApp: false }],
      ['post', 'simulator/chats', { id: '5511912345678@c.us', messages: [{ fromMe: true, body: 'hi' }] }],
      ['get', 'simulator/chats', undefined],
      ['post', 'simulator/logout', undefined],
      ['post', 'simulator/state', { state: 'CONFLICT' }],
    ] as const) {
      const res = await call(
        method,
        `/sessions/ready/${tail}`,
        `/sessions/{id}/${tail}`,
        body === undefined ? {} : { body },
      );
      expect(res.body.code).toBe('no_browser');
    }
    // Chats, contacts and media over a scripted port (the e2e tests run them on the real library).
    const message = {
      id: 'false_5511912345678@c.us_3EB0AA',
      chatId: '5511912345678@c.us',
      from: '5511912345678@c.us',
      to: '15550000001@c.us',
      author: null,
      fromMe: false,
      type: 'image',
      body: 'look',
      timestamp: 1_700_000_000,
      ack: 1,
      hasMedia: true,
      media: { mimetype: 'image/png', size: 4, filename: null, caption: 'look' },
      quoted: { id: '3EB0BB', body: 'hi' },
    };
    const contact = {
      id: '5511912345678@c.us',
      number: '5511912345678',
      name: 'Ana',
      pushname: null,
      isBusiness: false,
      isMyContact: true,
      isWAContact: true,
    };
    manager.port = createFakePort({
      numberId: async (id) => (id === '5511900000000@c.us' ? null : id),
      chats: async () => [
        {
          id: message.chatId,
          name: 'Ana',
          isGroup: false,
          unreadCount: 1,
          archived: false,
          pinned: true,
          muted: false,
          timestamp: message.timestamp,
          lastMessage: message,
        },
      ],
      messages: async () => [message],
      message: async (id) => (id === message.id ? message : null),
      downloadMedia: async () => ({ mimetype: 'image/png', filename: null, data: 'AAAAAA==' }),
      markRead: async () => true,
      chatState: async () => undefined,
      contacts: async () => [contact],
      contact: async () => ({ ...contact, about: null, profilePictureUrl: null }),
      react: async (id) => id === message.id,
      revoke: async () => undefined,
      createGroup: async () => ({
        id: '120363000000000001@g.us',
        participants: [{ id: contact.id, code: 403, message: 'invite only' }],
      }),
      group: async (id) =>
        id === '120363000000000001@g.us'
          ? {
              id,
              subject: 'Desk',
              description: '',
              owner: '15550000001@c.us',
              createdAt: 1_700_000_000,
              participants: [{ id: '15550000001@c.us', isAdmin: true, isSuperAdmin: true }],
              iAmAdmin: true,
            }
          : null,
      setGroupSubject: async () => true,
      setGroupDescription: async () => false,
      addParticipants: async () => [{ id: contact.id, code: 200, message: 'Done' }],
      changeParticipants: async () => undefined,
      inviteCode: async () => 'AbCdEf',
      revokeInvite: async () => 'GhIjKl',
      leaveGroup: async () => undefined,
    });
    const group = '/sessions/ready/groups/120363000000000001@g.us';
    await call('post', '/sessions/ready/groups', '/sessions/{id}/groups', {
      body: { subject: 'Desk', participants: ['+5511912345678'] },
    });
    await call('post', '/sessions/ready/groups', '/sessions/{id}/groups', { body: { subject: '' } });
    await call('get', group, '/sessions/{id}/groups/{groupId}');
    await call('get', '/sessions/ready/groups/120363000000000002@g.us', '/sessions/{id}/groups/{groupId}');
    await call('get', '/sessions/ready/groups/x@c.us', '/sessions/{id}/groups/{groupId}');
    await call('post', `${group}/subject`, '/sessions/{id}/groups/{groupId}/subject', {
      body: { subject: 'New' },
    });
    await call('post', `${group}/description`, '/sessions/{id}/groups/{groupId}/description', {
      body: { description: 'refused' },
    });
    await call('post', `${group}/participants`, '/sessions/{id}/groups/{groupId}/participants', {
      body: { action: 'add', participants: ['5511912345678'] },
    });
    await call('post', `${group}/participants`, '/sessions/{id}/groups/{groupId}/participants', {
      body: { action: 'remove', participants: ['5511912345678'] },
    });
    await call('get', `${group}/invite`, '/sessions/{id}/groups/{groupId}/invite');
    await call('post', `${group}/invite/revoke`, '/sessions/{id}/groups/{groupId}/invite/revoke');
    await call('post', `${group}/leave`, '/sessions/{id}/groups/{groupId}/leave');
    await call(
      'get',
      '/sessions/ready/contacts/check?phone=%2B5511912345678',
      '/sessions/{id}/contacts/check',
    );
    await call('get', '/sessions/ready/contacts/check?phone=123', '/sessions/{id}/contacts/check');
    await call(
      'get',
      '/sessions/waiting/contacts/check?phone=5511912345678',
      '/sessions/{id}/contacts/check',
    );
    await call('post', '/sessions/ready/messages', '/sessions/{id}/messages', {
      body: { to: '5511900000000', text: 'hi' },
    });
    await call('get', '/sessions/ready/contacts?limit=10', '/sessions/{id}/contacts');
    await call('get', '/sessions/ready/contacts/5511912345678@c.us', '/sessions/{id}/contacts/{contactId}');
    await call('get', '/sessions/ready/contacts/nope@c.us', '/sessions/{id}/contacts/{contactId}');
    await call('get', '/sessions/ready/chats', '/sessions/{id}/chats');
    await call('get', '/sessions/ready/chats?limit=0', '/sessions/{id}/chats');
    await call(
      'get',
      '/sessions/ready/chats/5511912345678@c.us/messages?limit=5',
      '/sessions/{id}/chats/{chatId}/messages',
    );
    await call('get', '/sessions/ready/chats/x/messages', '/sessions/{id}/chats/{chatId}/messages');
    await call('post', '/sessions/ready/chats/5511912345678@c.us/read', '/sessions/{id}/chats/{chatId}/read');
    await call(
      'post',
      '/sessions/ready/chats/5511912345678@c.us/typing',
      '/sessions/{id}/chats/{chatId}/typing',
      {
        body: { state: 'recording', durationMs: 1000 },
      },
    );
    await call(
      'post',
      '/sessions/ready/chats/5511912345678@c.us/typing',
      '/sessions/{id}/chats/{chatId}/typing',
      {
        body: { state: 'dancing' },
      },
    );
    await call(
      'get',
      `/sessions/ready/messages/${message.id}/media`,
      '/sessions/{id}/messages/{messageId}/media',
    );
    await call('get', '/sessions/ready/messages/nope/media', '/sessions/{id}/messages/{messageId}/media');
    await call(
      'post',
      `/sessions/ready/messages/${message.id}/reaction`,
      '/sessions/{id}/messages/{messageId}/reaction',
      {
        body: { reaction: '👍🏽' },
      },
    );
    await call(
      'post',
      `/sessions/ready/messages/${message.id}/reaction`,
      '/sessions/{id}/messages/{messageId}/reaction',
      {
        body: { reaction: 'like' },
      },
    );
    // Someone else's message: not ours to delete for everyone.
    await call('delete', `/sessions/ready/messages/${message.id}`, '/sessions/{id}/messages/{messageId}');
    await call('delete', '/sessions/ready/messages/nope', '/sessions/{id}/messages/{messageId}');
    await call(
      'get',
      '/sessions/ready/messages/false_5511912345678@c.us_3EB0CC/media',
      '/sessions/{id}/messages/{messageId}/media',
    );
    await call('delete', '/sessions/ready', '/sessions/{id}');
    await call('delete', '/sessions/ready', '/sessions/{id}');
    await call('get', '/events?lastEventId=%20', '/events');
    await call('get', '/webhooks/deliveries?status=failed', '/webhooks/deliveries');
    await call('get', '/webhooks/deliveries?limit=0', '/webhooks/deliveries');
    await call('post', '/webhooks/deliveries/1/retry', '/webhooks/deliveries/{id}/retry');
    await call('post', '/webhooks/deliveries/1/retry', '/webhooks/deliveries/{id}/retry');
    await call('post', '/webhooks/deliveries/42/retry', '/webhooks/deliveries/{id}/retry');
    await call('get', '/health/live', '/health/live', { key: null });
    await call('get', '/health/ready', '/health/ready', { key: null });
    await call('get', '/health/ready?verbose', '/health/ready');
    await call('get', '/health/ready?verbose', '/health/ready', { key: null });
    await call('get', '/metrics', '/metrics');
    await call('get', '/openapi.json', '/openapi.json');
    await call('get', '/docs', '/docs');
    await call('get', '/docs/swagger-ui.css', '/docs/{asset}');
    await call('get', '/docs/nothing.js', '/docs/{asset}');
    await call('get', '/dashboard', '/dashboard', { key: null });
    // 200 once `npm run build` compiled it, 503 dashboard_not_built before: both documented.
    await call('get', '/dashboard/', '/dashboard', { key: null });
    await call('get', '/dashboard/preact.mjs', '/dashboard/{file}', { key: null });
    await call('get', '/dashboard/nothing.js', '/dashboard/{file}', { key: null });
    await call('get', '/sessions', '/sessions', { key: 'wrong' });
    manager.failNext('list', new Error('boom'));
    await call('get', '/sessions', '/sessions');

    // Every operation was answered at least once (the session event stream is the next test's).
    const answered = new Set([...checked].map((key) => key.split(' ').slice(0, 2).join(' ')));
    const documented = documentedRoutes(doc).map((route) => {
      const [method = '', path = ''] = route.split(' ');
      return `${method.toLowerCase()} ${path}`;
    });
    expect(documented.filter((op) => !answered.has(op))).toEqual(['get /sessions/{id}/events']);
  });

  it('for a 429 and a 503 not_ready', async () => {
    const { app } = build({
      env: { RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_LOOPBACK: 'true' },
      probe: { check: async () => ({ ok: false, problem: 'no browser' }) },
    });
    const { check } = createConformance(doc);
    await request(app).get('/sessions').set('X-Api-Key', KEY).expect(200);
    const limited = await request(app).get('/sessions').set('X-Api-Key', KEY).expect(429);
    check('get', '/sessions', 429, limited.headers['content-type'], limited.body);
    const ready = await request(app).get('/health/ready').expect(503);
    check('get', '/health/ready', 503, ready.headers['content-type'], ready.body);
  });

  it('for the event stream: text/event-stream whose data is a documented Event', async () => {
    const { app, bus } = build();
    const { check } = createConformance(doc);
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const abort = new AbortController();
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/sessions/alice/events`, {
        headers: { 'X-Api-Key': KEY },
        signal: abort.signal,
      });
      check('get', '/sessions/{id}/events', res.status, res.headers.get('content-type') ?? undefined, null);
      const reader = res.body?.getReader();
      bus.publish('session.status', 'alice', { state: 'QR', previous: 'STARTING', reason: null });
      let text = '';
      while (!text.includes('\n\n') || !text.includes('data:')) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      const data = /^data: (.*)$/m.exec(text)?.[1];
      expect(data).toBeDefined();
      const ajv = new Ajv2020({ strict: false });
      const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
      const validate = ajv.compile(schemas.Event as Json);
      expect(validate(JSON.parse(data ?? 'null')) ? [] : validate.errors).toEqual([]);
    } finally {
      abort.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
