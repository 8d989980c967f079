import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createMediaFetcher } from '../../src/messages/fetch-media.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A real server on 127.0.0.1; `closed` counts connections the client dropped early. */
const serve = async (handler: RequestListener) => {
  const stats = { aborted: 0 };
  const server = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) stats.aborted += 1;
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
};

const rejection = async (work: Promise<unknown>): Promise<AppError> => {
  const err = await work.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

describe('media download', () => {
  const bytes = Buffer.from('GIF89a fake gif bytes');

  it('returns the type, base64 data and the name from Content-Disposition or the path', async () => {
    const { base } = await serve((req, res) => {
      const headers: Record<string, string> = { 'content-type': 'image/gif; charset=binary' };
      if (req.url === '/named') headers['content-disposition'] = `attachment; filename*=UTF-8''caf%C3%A9.gif`;
      res.writeHead(200, headers).end(bytes);
    });
    const fetchMedia = createMediaFetcher({ maxBytes: 1024, timeoutMs: 5000 });
    expect(await fetchMedia(`${base}/named`)).toEqual({
      mimetype: 'image/gif',
      data: bytes.toString('base64'),
      filename: 'café.gif',
    });
    expect((await fetchMedia(`${base}/files/cat.gif?sig=abc`)).filename).toBe('cat.gif');
  });

  it('refuses a declared Content-Length over the limit with 413 media_too_large', async () => {
    const { base } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '5000' }).end(Buffer.alloc(5000));
    });
    const err = await rejection(createMediaFetcher({ maxBytes: 1000, timeoutMs: 5000 })(`${base}/big`));
    expect(err).toMatchObject({ status: 413, code: 'media_too_large', details: { limitBytes: 1000 } });
  });

  it('cuts off a chunked body once it passes the limit, without waiting for its end', async () => {
    const { base, stats } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      // 600 bytes then nothing more: only cutting at the limit can end this before the timeout.
      res.write(Buffer.alloc(600));
      res.write(Buffer.alloc(600));
    });
    const err = await rejection(createMediaFetcher({ maxBytes: 1000, timeoutMs: 5000 })(`${base}/stream`));
    expect(err).toMatchObject({ status: 413, code: 'media_too_large' });
    await expect.poll(() => stats.aborted).toBe(1);
  });

  it('answers 504 media_timeout when the server does not answer in time, or stalls mid-body', async () => {
    const { base } = await serve((req, res) => {
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write('partial');
      }
    });
    const fetchMedia = createMediaFetcher({ maxBytes: 1000, timeoutMs: 100 });
    expect(await rejection(fetchMedia(`${base}/silent`))).toMatchObject({
      status: 504,
      code: 'media_timeout',
    });
    expect(await rejection(fetchMedia(`${base}/stall`))).toMatchObject({
      status: 504,
      code: 'media_timeout',
    });
  });

  it('answers 502 for an error status or an unreachable host, without the URL in the message', async () => {
    const { base } = await serve((_req, res) => {
      res.writeHead(404).end('nope');
    });
    const fetchMedia = createMediaFetcher({ maxBytes: 1000, timeoutMs: 5000 });
    const notFound = await rejection(fetchMedia(`${base}/missing?token=s3cret`));
    expect(notFound).toMatchObject({ status: 502, code: 'media_fetch_failed', details: { status: 404 } });
    expect(notFound.message).not.toContain('s3cret');
    const refused = await rejection(fetchMedia('http://127.0.0.1:1/x'));
    expect(refused).toMatchObject({ status: 502, code: 'media_fetch_failed' });
  });

  it('refuses anything but http(s)', async () => {
    const fetchMedia = createMediaFetcher({ maxBytes: 1000, timeoutMs: 5000 });
    expect(await rejection(fetchMedia('file:///etc/passwd'))).toMatchObject({ status: 400 });
  });
});
