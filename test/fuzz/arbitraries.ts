import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/** Ids the fuzz keeps coming back to, so sessions are created, used, stopped and deleted again. */
export const POOL = ['alpha', 'beta', 'gamma', 'd_1', 'E-2'] as const;

const hostileIds = [
  '..',
  '.',
  '...',
  '../..',
  '..%2F..%2Fescape',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fescape',
  '..%5c..%5cescape',
  'a%2Fb',
  'a%00b',
  '%00',
  '%zz',
  '%',
  'x'.repeat(65),
  '%C3%BC',
  '%E2%80%AE',
  'a%20b',
  'CON',
  'session-..',
  '~root',
  '%252e%252e',
];

const validId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const anyText = fc.string({ maxLength: 40, unit: 'binary' });
export const id = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...POOL) },
  { weight: 2, arbitrary: validId },
  { weight: 2, arbitrary: fc.constantFrom(...hostileIds) },
  { weight: 1, arbitrary: anyText.map((s) => encodeURIComponent(s)) },
);

const coreTails = ['', '/qr', '/pairing-code', '/messages', '/stop', '/events'];
const simulatorTails = [
  '/simulator',
  '/simulator/scan',
  '/simulator/messages',
  '/simulator/logout',
  '/simulator/state',
  '/simulator/qr/rotate',
  '/simulator/outbox',
  '/simulator/ack',
  '/simulator/pairing-code/confirm',
];
const sessionTail = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...coreTails) },
  { weight: 2, arbitrary: fc.constantFrom(...simulatorTails) },
  { weight: 1, arbitrary: fc.constantFrom('/', '/nope', '/../../..', '/%2e%2e', '/qr/', '/messages/x') },
);
const otherPaths = [
  '/sessions',
  '/sessions/',
  '/events',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/openapi.json',
  '/docs',
  '/docs/',
  '/docs/swagger-ui.css',
  '/docs/..%2f..%2fpackage.json',
  '/',
  '//sessions',
  '/sessions//alpha',
  '/%',
  '/sessions/%ff',
];

const queryKeys = ['format', 'verbose', 'lastEventId', 'x', 'a[b]', '__proto__', 'constructor'];
const query = fc.option(
  fc
    .array(
      fc.tuple(fc.constantFrom(...queryKeys), fc.oneof(fc.constantFrom('png', 'json', 'text', ''), anyText)),
      {
        maxLength: 3,
      },
    )
    .map(
      (pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
    ),
  { nil: '' },
);

export const target = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(id, sessionTail).map(([i, t]) => `/sessions/${i}${t}`) },
      { weight: 1, arbitrary: fc.constantFrom(...otherPaths) },
    ),
    query,
  )
  .map(([path, q]) => `${path}${q}`);

const host = fc.oneof(
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
  fc.constantFrom(
    'localhost',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[64:ff9b::a9fe:a9fe]',
    '[2002:7f00:1::]',
    '[fec0::1]',
    '[::]',
    '169.254.169.254',
    '0x7f.1',
    '2130706433',
    '0177.0.0.1',
    '127.1',
  ),
);
export const url = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom('http', 'https'), host, fc.nat(65535))
      .map(([s, h, p]) => `${s}://${h}:${p}/x`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'ftp://x/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://u:p@1.1.1.1/',
      'http://',
      '',
    ),
  },
  { weight: 1, arbitrary: anyText },
);

const eventName = fc.constantFrom('*', 'message.received', 'session.status', 'nope', '');
const phone = fc.oneof(
  fc.constantFrom('+55 11 91234-5678', '5511912345678', '123', '+', '0049 30 1234567'),
  anyText,
);
const base64ish = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('base64')),
  anyText,
);

const createBody = fc.record(
  {
    webhook: fc.oneof(
      fc.constant(null),
      fc.record(
        { url, events: fc.option(fc.array(eventName, { maxLength: 3 }), { nil: undefined }) },
        { requiredKeys: ['url'] },
      ),
    ),
  },
  { requiredKeys: [] },
);
const messageBody = fc.record(
  {
    to: phone,
    text: anyText,
    media: fc.oneof(
      fc.record({ url }),
      fc.record(
        {
          data: base64ish,
          mimetype: fc.constantFrom('image/png', 'application/pdf', 'x', ''),
          filename: anyText,
        },
        { requiredKeys: ['data'] },
      ),
    ),
    caption: anyText,
    location: fc.record(
      { latitude: fc.double(), longitude: fc.double(), description: anyText },
      { requiredKeys: [] },
    ),
    replyTo: anyText,
  },
  { requiredKeys: [] },
);

/** Bodies shaped like the API's own, with every field sometimes wrong, and plain random JSON. */
const jsonBody = fc
  .oneof(
    createBody,
    messageBody,
    fc.record({ phoneNumber: phone }),
    fc.record(
      {
        from: phone,
        body: anyText,
        phone,
        pushname: anyText,
        state: fc.constantFrom('CONFLICT', 'UNPAIRED', 'x'),
        messageId: anyText,
        ack: fc.integer(),
        code: anyText,
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 4 }),
  )
  .map((value) => JSON.stringify(value) ?? 'null');

export const body = fc.oneof(
  { weight: 5, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: jsonBody.map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: jsonBody.map((s) => Buffer.from(s.slice(0, Math.max(0, s.length - 1)), 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '['.repeat(5000),
        '{"a":'.repeat(2000),
        '"\\ud800"',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
      )
      .map((s) => Buffer.from(s)),
  },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-16',
  'application/json; charset=latin1',
  'application/json; charset=bogus',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  '*/*',
);
const encoding = fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-bogus', 'gzip, gzip');

const anyRequest = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE') },
    { weight: 2, arbitrary: fc.constantFrom('PUT', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'FOO', 'get') },
  ),
  target,
  auth: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('key', 'bearer') },
    { weight: 1, arbitrary: fc.constantFrom('wrong', 'none', 'both-wrong') },
  ),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: contentType },
  ),
  encoding: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: encoding }),
  /** Whether a gzip/deflate Content-Encoding gets a body really compressed so. */
  compress: fc.boolean(),
  chunked: fc.boolean(),
  accept: fc.option(
    fc.constantFrom('application/json', 'image/png', 'text/plain', 'text/event-stream', 'x/y', '*/*;q=0'),
    { nil: undefined },
  ),
  extraHeaders: fc.array(
    fc.tuple(
      fc.oneof(
        {
          weight: 20,
          arbitrary: fc.constantFrom(
            'Last-Event-ID',
            'X-Request-Id',
            'X-Forwarded-For',
            'Range',
            'If-None-Match',
          ),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom('Expect', 'X-Api-Key', 'Content-Length', 'Transfer-Encoding'),
        },
      ),
      fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    ),
    { maxLength: 3 },
  ),
  body,
  /** A step before the request: the fake phone acts on a pool session, so every state is reached. */
  phone: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom(...POOL),
        fc.constantFrom('qr', 'link', 'link', 'logout', 'conflict'),
      ),
    },
  ),
});

/**
 * Mostly anything; a share of requests aimed at the two routes where a request names a URL (a
 * session's webhook, a message's media), so the guards see thousands of addresses, not a handful.
 */
export const request = fc.oneof(
  { weight: 8, arbitrary: anyRequest },
  {
    weight: 1,
    arbitrary: fc.tuple(anyRequest, fc.constantFrom(...POOL), createBody).map(([r, sessionId, b]) => ({
      ...r,
      method: 'POST' as const,
      target: `/sessions/${sessionId}`,
      body: Buffer.from(JSON.stringify(b)),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(anyRequest, fc.constantFrom(...POOL), messageBody).map(([r, sessionId, b]) => ({
      ...r,
      method: 'POST' as const,
      target: `/sessions/${sessionId}/messages`,
      body: Buffer.from(JSON.stringify(b)),
    })),
  },
);

export type FuzzRequest = typeof anyRequest extends fc.Arbitrary<infer T> ? T : never;

/** The bytes on the wire: well-formed HTTP/1.1 framing around whatever the fields say. */
export const toWire = (r: FuzzRequest, key: string): Buffer => {
  const headers: string[] = ['Host: fuzz', 'Connection: close'];
  if (r.auth === 'key') headers.push(`X-Api-Key: ${key}`);
  if (r.auth === 'bearer') headers.push(`Authorization: Bearer ${key}`);
  if (r.auth === 'wrong') headers.push('X-Api-Key: wrong');
  if (r.auth === 'both-wrong') headers.push('Authorization: Basic Zm9vOmJhcg==');
  if (r.accept !== undefined) headers.push(`Accept: ${r.accept}`);
  for (const [name, value] of r.extraHeaders) headers.push(`${name}: ${value}`);
  let payload = r.body;
  if (payload !== null) {
    if (r.contentType !== undefined) headers.push(`Content-Type: ${r.contentType}`);
    if (r.encoding !== undefined) {
      headers.push(`Content-Encoding: ${r.encoding}`);
      if (r.compress && r.encoding === 'gzip') payload = gzipSync(payload);
    }
  }
  const head = `${r.method} ${r.target} HTTP/1.1\r\n`;
  if (payload === null) return Buffer.from(`${head}${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  if (r.chunked) {
    headers.push('Transfer-Encoding: chunked');
    const chunk = `${payload.length.toString(16)}\r\n`;
    return Buffer.concat([
      Buffer.from(`${head}${headers.join('\r\n')}\r\n\r\n${payload.length > 0 ? chunk : ''}`, 'latin1'),
      payload,
      Buffer.from(`${payload.length > 0 ? '\r\n' : ''}0\r\n\r\n`, 'latin1'),
    ]);
  }
  headers.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${head}${headers.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
};
