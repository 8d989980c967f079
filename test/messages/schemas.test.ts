import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { parseSendMessageBody } from '../../src/messages/schemas.js';

const to = '+55 11 91234-5678';
const png = Buffer.from('\x89PNG fake image bytes').toString('base64');

/** The paths of the field errors a body is refused with. */
const errorPaths = (body: unknown): string[] => {
  try {
    parseSendMessageBody(body);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const appError = err as AppError;
    expect(appError.status).toBe(400);
    expect(appError.code).toBe('invalid_body');
    return (appError.details as { errors: { path: string }[] }).errors.map((e) => e.path);
  }
  throw new Error('accepted');
};

describe('send message body', () => {
  it('parses text, media by URL, media as base64 and location, normalising the recipient', () => {
    expect(parseSendMessageBody({ to, text: 'hi', replyTo: 'true_1@c.us_ABC' })).toEqual({
      kind: 'text',
      to: '5511912345678@c.us',
      text: 'hi',
      replyTo: 'true_1@c.us_ABC',
    });
    expect(
      parseSendMessageBody({ to, media: { url: 'https://cdn.example.com/a.jpg' }, caption: 'c' }),
    ).toEqual({
      kind: 'media',
      to: '5511912345678@c.us',
      media: { source: 'url', url: 'https://cdn.example.com/a.jpg' },
      caption: 'c',
    });
    expect(
      parseSendMessageBody({
        to,
        media: { data: `${png.slice(0, 8)}\n${png.slice(8)}`, mimetype: 'Image/PNG' },
      }),
    ).toEqual({
      kind: 'media',
      to: '5511912345678@c.us',
      media: { source: 'data', data: png, mimetype: 'image/png' },
    });
    expect(
      parseSendMessageBody({ to, location: { latitude: -23.55, longitude: -46.63, description: 'SP' } }),
    ).toEqual({
      kind: 'location',
      to: '5511912345678@c.us',
      location: { latitude: -23.55, longitude: -46.63, description: 'SP' },
    });
  });

  it.each<[string, unknown, string[]]>([
    ['not an object', 'hello', ['body']],
    ['an array', [], ['body']],
    ['null', null, ['body']],
    ['no content key', { to }, ['body']],
    ['two content keys', { to, text: 'a', location: { latitude: 0, longitude: 0 } }, ['body.location']],
    ['missing to', { text: 'a' }, ['body.to']],
    ['to not a string', { to: 5511912345678, text: 'a' }, ['body.to']],
    ['to a local number', { to: '(11) 91234-5678', text: 'a' }, ['body.to']],
    ['empty text', { to, text: '' }, ['body.text']],
    ['text not a string', { to, text: 42 }, ['body.text']],
    ['unknown field', { to, text: 'a', priority: 'high' }, ['body.priority']],
    ['caption on text', { to, text: 'a', caption: 'c' }, ['body.caption']],
    ['replyTo empty', { to, text: 'a', replyTo: '' }, ['body.replyTo']],
    ['media not an object', { to, media: 'https://x.example.com/a.jpg' }, ['body.media']],
    ['media url not http', { to, media: { url: 'file:///etc/passwd' } }, ['body.media.url']],
    ['media url with credentials', { to, media: { url: 'https://u:p@x.example.com/a' } }, ['body.media.url']],
    ['media url and data', { to, media: { url: 'https://x.example.com/a', data: png } }, ['body.media.data']],
    [
      'media data not base64',
      { to, media: { data: 'not base64!', mimetype: 'image/png' } },
      ['body.media.data'],
    ],
    ['media data without mimetype', { to, media: { data: png } }, ['body.media.mimetype']],
    ['media bad mimetype', { to, media: { data: png, mimetype: 'png' } }, ['body.media.mimetype']],
    [
      'media bad filename',
      { to, media: { data: png, mimetype: 'image/png', filename: '../x.png' } },
      ['body.media.filename'],
    ],
    [
      'caption not a string',
      { to, media: { data: png, mimetype: 'image/png' }, caption: 1 },
      ['body.caption'],
    ],
    ['latitude out of range', { to, location: { latitude: 91, longitude: 0 } }, ['body.location.latitude']],
    ['longitude a string', { to, location: { latitude: 0, longitude: '10' } }, ['body.location.longitude']],
    ['location missing longitude', { to, location: { latitude: 0 } }, ['body.location.longitude']],
    [
      'location extra field',
      { to, location: { latitude: 0, longitude: 0, zoom: 3 } },
      ['body.location.zoom'],
    ],
    [
      'several bad fields',
      { to: 'x', location: { latitude: 'a', longitude: 200 } },
      ['body.to', 'body.location.latitude', 'body.location.longitude'],
    ],
  ])('refuses %s, naming the field', (_name, body, paths) => {
    expect(errorPaths(body).sort()).toEqual([...paths].sort());
  });
});
