import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createMessagesRouter } from '../../src/http/routes/messages.js';
import type { MediaFetcher } from '../../src/messages/fetch-media.js';
import type { OutgoingContent, SendOptions, SessionState } from '../../src/sessions/types.js';
import { createFakeManager } from '../helpers/fake-manager.js';
import { createFakePort } from '../helpers/fake-port.js';

type Send = (
  id: string,
  chatId: string,
  content: OutgoingContent,
  options?: SendOptions,
) => Promise<{ id: string }>;

/** The router in a tiny app: JSON parser in front (as createApp has it), a stub problem handler behind. */
const makeApp = (
  options: {
    send?: Send;
    fetchMedia?: MediaFetcher;
    maxMediaBytes?: number;
    state?: SessionState | null;
    notOnWhatsApp?: string[];
  } = {},
) => {
  // The session `alpha`, READY unless a test says otherwise (null: there is none).
  const manager = createFakeManager();
  if (options.state !== null) manager.seed('alpha', { state: options.state ?? 'READY' });
  const sendMessage = vi.fn<Send>(options.send ?? (async () => ({ id: 'true_5511912345678@c.us_3EB0' })));
  const fetchMedia = vi.fn<MediaFetcher>(
    options.fetchMedia ?? (async () => ({ mimetype: 'image/jpeg', data: 'AAAA', filename: 'a.jpg' })),
  );
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.use(
    createMessagesRouter({
      manager: {
        sendMessage,
        get: (id) => manager.get(id),
        runOnReady: (_id, _call, work) =>
          work(
            createFakePort({
              numberId: async (id) => (options.notOnWhatsApp?.includes(id) ? null : id),
            }),
          ),
      },
      fetchMedia,
      limits: { maxMediaBytes: options.maxMediaBytes ?? 1000, mediaTimeoutMs: 1000 },
    }),
  );
  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    if (err instanceof AppError) res.status(err.status).json({ code: err.code, details: err.details });
    else res.status(500).json({ code: 'internal' });
  };
  app.use(onError);
  return { app, sendMessage, fetchMedia };
};

const to = '+55 (11) 91234-5678';
const chatId = '5511912345678@c.us';

describe('POST /sessions/:id/messages', () => {
  it('answers 422 not_on_whatsapp for a number WhatsApp does not know, and sends nothing', async () => {
    const fetchMedia = vi.fn<MediaFetcher>();
    const { app, sendMessage } = makeApp({ notOnWhatsApp: [chatId], fetchMedia });
    const response = await request(app)
      .post('/sessions/alpha/messages')
      .send({ to, media: { url: 'https://example.com/a.jpg' } });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'not_on_whatsapp', details: { chatId } });
    expect(sendMessage).not.toHaveBeenCalled();
    expect(fetchMedia).not.toHaveBeenCalled();
  });

  it('sends text and answers 201 with the message id', async () => {
    const { app, sendMessage } = makeApp();
    const response = await request(app).post('/sessions/alpha/messages').send({ to, text: 'hello' });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: 'true_5511912345678@c.us_3EB0' });
    expect(sendMessage).toHaveBeenCalledWith('alpha', chatId, { kind: 'text', text: 'hello' }, {});
  });

  it('passes replyTo as the quoted message, and a location as it is', async () => {
    const { app, sendMessage } = makeApp();
    await request(app)
      .post('/sessions/alpha/messages')
      .send({ to, location: { latitude: 1.5, longitude: 2.5 }, replyTo: 'msg-1' })
      .expect(201);
    expect(sendMessage).toHaveBeenCalledWith(
      'alpha',
      chatId,
      { kind: 'location', latitude: 1.5, longitude: 2.5, description: null },
      { quotedMessageId: 'msg-1' },
    );
  });

  it('downloads media from a URL, the body overriding its name', async () => {
    const { app, sendMessage, fetchMedia } = makeApp();
    await request(app)
      .post('/sessions/alpha/messages')
      .send({ to, media: { url: 'https://cdn.example.com/x', filename: 'photo.jpg' }, caption: 'look' })
      .expect(201);
    expect(fetchMedia).toHaveBeenCalledWith('https://cdn.example.com/x');
    expect(sendMessage).toHaveBeenCalledWith(
      'alpha',
      chatId,
      { kind: 'media', mimetype: 'image/jpeg', data: 'AAAA', filename: 'photo.jpg', caption: 'look' },
      {},
    );
  });

  it('sends base64 media, and answers 413 media_too_large past the limit', async () => {
    const { app, sendMessage } = makeApp({ maxMediaBytes: 6 });
    await request(app)
      .post('/sessions/alpha/messages')
      .send({ to, media: { data: 'AAAAAAAA', mimetype: 'application/pdf', filename: 'a.pdf' } })
      .expect(201);
    expect(sendMessage).toHaveBeenLastCalledWith(
      'alpha',
      chatId,
      { kind: 'media', mimetype: 'application/pdf', data: 'AAAAAAAA', filename: 'a.pdf', caption: null },
      {},
    );
    const tooBig = await request(app)
      .post('/sessions/alpha/messages')
      .send({ to, media: { data: 'AAAAAAAAAAAA', mimetype: 'application/pdf' } });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({ code: 'media_too_large' });
    expect(sendMessage).toHaveBeenCalledTimes(1);
  });

  it.each<[unknown, string]>([
    [{ text: 'a' }, 'body.to'],
    [{ to: 'abc', text: 'a' }, 'body.to'],
    [{ to: '(11) 91234-5678', text: 'a' }, 'body.to'],
    [{ to }, 'body'],
    [{ to, text: 1 }, 'body.text'],
    [{ to, text: 'a', media: { url: 'https://x.example.com/' } }, 'body.media'],
    [{ to, media: { url: 'ftp://x.example.com/a' } }, 'body.media.url'],
    [{ to, media: { data: '***', mimetype: 'image/png' } }, 'body.media.data'],
    [{ to, media: { data: 'AAAA' } }, 'body.media.mimetype'],
    [{ to, location: { latitude: 0, longitude: 181 } }, 'body.location.longitude'],
    [{ to, location: { latitude: null, longitude: 0 } }, 'body.location.latitude'],
    [{ to, text: 'a', replyTo: 5 }, 'body.replyTo'],
    [{ to, text: 'a', extra: true }, 'body.extra'],
    [[1, 2], 'body'],
  ])('answers 400 naming the field for %j', async (body, path) => {
    const { app, sendMessage, fetchMedia } = makeApp();
    const response = await request(app)
      .post('/sessions/alpha/messages')
      .send(body as object);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_body');
    expect(response.body.details.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(sendMessage).not.toHaveBeenCalled();
    expect(fetchMedia).not.toHaveBeenCalled();
  });

  it('answers 400 for a missing body, a bad session id, and 415 for a non-JSON body', async () => {
    const { app } = makeApp();
    const empty = await request(app).post('/sessions/alpha/messages');
    expect(empty.status).toBe(400);
    expect(empty.body.details.errors[0].path).toBe('body');
    const badId = await request(app).post('/sessions/bad.id/messages').send({ to, text: 'a' });
    expect(badId.status).toBe(400);
    expect(badId.body.code).toBe('invalid_session_id');
    const form = await request(app).post('/sessions/alpha/messages').type('form').send('to=1&text=a');
    expect(form.status).toBe(415);
  });

  it("lets the manager's 409 session_not_ready and 504, and the fetcher's errors, through unchanged", async () => {
    const notReady = makeApp({
      send: async () => {
        throw new AppError(409, 'session_not_ready', 'Session alpha is QR, not READY', {
          details: { state: 'QR' },
        });
      },
    });
    const conflict = await request(notReady.app).post('/sessions/alpha/messages').send({ to, text: 'a' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({ code: 'session_not_ready', details: { state: 'QR' } });

    const slow = makeApp({
      send: async () => {
        throw new AppError(504, 'timeout', 'sendMessage did not finish within 30000 ms');
      },
    });
    expect((await request(slow.app).post('/sessions/alpha/messages').send({ to, text: 'a' })).status).toBe(
      504,
    );

    const big = makeApp({
      fetchMedia: async () => {
        throw new AppError(413, 'media_too_large', 'too large');
      },
    });
    const response = await request(big.app)
      .post('/sessions/alpha/messages')
      .send({ to, media: { url: 'https://cdn.example.com/huge.mp4' } });
    expect(response.status).toBe(413);
    expect(big.sendMessage).not.toHaveBeenCalled();
  });

  it.for([
    ['STARTING', 409, 'session_not_ready'],
    ['QR', 409, 'session_not_ready'],
    ['STOPPED', 409, 'session_not_ready'],
    [null, 404, 'session_not_found'],
  ] as const)('downloads nothing for a session that is %s: %i %s', async ([state, status, code]) => {
    const { app, fetchMedia, sendMessage } = makeApp({ state });
    const response = await request(app)
      .post('/sessions/alpha/messages')
      .send({ to, media: { url: 'https://cdn.example.com/x.jpg' } });
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    expect(fetchMedia).not.toHaveBeenCalled();
    expect(sendMessage).not.toHaveBeenCalled();
  });
});
