import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectSse } from '../events/sse-client.js';
import { startToQr } from '../helpers/e2e.js';
import { makeNoisePng, makeOggOpus, makePdf, makePng } from '../helpers/media-fixtures.js';
import { TEST_API_KEY } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';
import { call, readySandbox } from './whatsapp-harness.js';

const MAX = 8192;

interface Received {
  type: string;
  payload: {
    id: string;
    type: string;
    body: string;
    hasMedia: boolean;
    media: Record<string, unknown> | null;
  };
}

describe('incoming media through the real library: announced in the event, fetched by id', () => {
  it('delivers a photo, a document, a voice note, an audio file, a video and a sticker, each byte for byte', async (context) => {
    const server = await readySandbox(context, 'media', { MEDIA_DOWNLOAD_MAX_BYTES: String(MAX) });
    const stream = await connectSse(`${server.baseUrl}/sessions/media/events`, { 'x-api-key': TEST_API_KEY });
    context.onTestFinished(() => stream.close());

    // PNG, PDF and Ogg/Opus are real files made here; the video and sticker bytes are opaque to the path.
    const files = [
      {
        type: 'image',
        mimetype: 'image/png',
        bytes: makePng(),
        caption: 'the broken part',
        filename: undefined,
      },
      {
        type: 'document',
        mimetype: 'application/pdf',
        bytes: makePdf(),
        caption: '',
        filename: 'invoice 42.pdf',
      },
      {
        type: 'ptt',
        mimetype: 'audio/ogg; codecs=opus',
        bytes: makeOggOpus(2),
        caption: '',
        filename: undefined,
      },
      { type: 'audio', mimetype: 'audio/ogg', bytes: makeOggOpus(1), caption: '', filename: 'song.ogg' },
      {
        type: 'video',
        mimetype: 'video/mp4',
        bytes: randomBytes(3000),
        caption: 'clip',
        filename: undefined,
      },
      { type: 'sticker', mimetype: 'image/webp', bytes: randomBytes(500), caption: '', filename: undefined },
    ];
    for (const file of files) {
      const { id } = (await call(server, 'POST', '/sessions/media/simulator/messages', 201, {
        from: '4915123456789',
        body: file.caption,
        media: {
          type: file.type,
          mimetype: file.mimetype,
          data: file.bytes.toString('base64'),
          ...(file.filename ? { filename: file.filename } : {}),
        },
      })) as { id: string };

      let event: Received | undefined;
      while (!event) {
        const frame = await stream.nextEvent();
        if (frame.event === 'message.received') event = JSON.parse(frame.data ?? '{}') as Received;
      }
      expect(event.payload).toMatchObject({
        id,
        type: file.type,
        body: file.caption,
        hasMedia: true,
        media: {
          mimetype: file.mimetype,
          size: file.bytes.length,
          filename: file.filename ?? null,
          caption: file.caption === '' ? null : file.caption,
        },
      });

      const res = await server.request('GET', `/sessions/media/messages/${id}/media`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(file.mimetype);
      expect(res.headers.get('content-length')).toBe(String(file.bytes.length));
      const disposition = res.headers.get('content-disposition') ?? '';
      expect(disposition.startsWith('attachment')).toBe(true);
      expect(/filename="?([^";]+)"?/.exec(disposition)?.[1] ?? null).toBe(file.filename ?? null);
      expect(Buffer.from(await res.arrayBuffer()).equals(file.bytes)).toBe(true);
    }
  });

  it('answers 404 once WhatsApp no longer has the file, 404 for a text and an unknown id, 413 from the announced size without downloading', async (context) => {
    const server = await readySandbox(context, 'gone', { MEDIA_DOWNLOAD_MAX_BYTES: String(MAX) });
    const send = async (bytes: Buffer) =>
      (
        (await call(server, 'POST', '/sessions/gone/simulator/messages', 201, {
          from: '4915123456789',
          media: { type: 'image', mimetype: 'image/png', data: bytes.toString('base64') },
        })) as { id: string }
      ).id;
    const downloads = async () =>
      ((await call(server, 'GET', '/sessions/gone/simulator', 200)) as { mediaDownloads: number })
        .mediaDownloads;

    const expiring = await send(makePng());
    await call(server, 'POST', '/sessions/gone/simulator/media/expire', 200, { messageId: expiring });
    const expired = await call(server, 'GET', `/sessions/gone/messages/${expiring}/media`, 404);
    expect(expired).toMatchObject({ code: 'media_expired' });

    const text = (await call(server, 'POST', '/sessions/gone/simulator/messages', 201, {
      from: '4915123456789',
      body: 'just text',
    })) as { id: string };
    expect(await call(server, 'GET', `/sessions/gone/messages/${text.id}/media`, 404)).toMatchObject({
      code: 'no_media',
    });
    expect(
      await call(server, 'GET', '/sessions/gone/messages/false_4915123456789@c.us_3EB0FFFFFFFF/media', 404),
    ).toMatchObject({ code: 'message_not_found' });

    // Noise does not compress: a 64×64 PNG of it (16 KiB of pixels) is past the limit.
    const huge = makeNoisePng(64, 64);
    expect(huge.length).toBeGreaterThan(MAX);
    const oversized = await send(huge);
    const before = await downloads();
    const refused = await call(server, 'GET', `/sessions/gone/messages/${oversized}/media`, 413);
    expect(refused).toMatchObject({ code: 'media_too_large', size: huge.length, maxBytes: MAX });
    expect(await downloads()).toBe(before);
  });

  it('refuses a malformed message id with 400 before the session is asked (even one not READY)', async (context) => {
    const server = await sandboxServer(context);
    await startToQr(server, 'early');
    for (const bad of [
      'nope',
      'false_abc@c.us_3EB0AA',
      'true_5511912345678@c.us_../../x',
      `false_5511912345678@c.us_${'A'.repeat(80)}`,
    ]) {
      const problem = await call(
        server,
        'GET',
        `/sessions/early/messages/${encodeURIComponent(bad)}/media`,
        400,
      );
      expect(problem).toMatchObject({ code: 'invalid_message_id', errors: [{ path: 'path.messageId' }] });
    }
    const early = await call(
      server,
      'GET',
      '/sessions/early/messages/false_5511912345678@c.us_3EB0AA/media',
      409,
    );
    expect(early).toMatchObject({ code: 'session_not_ready' });
  });
});
