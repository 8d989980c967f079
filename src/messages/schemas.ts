import { z } from 'zod';
import { type FieldError, fieldErrors } from '../domain/field-errors.js';
import { appError } from '../error-catalog.js';
import { parseRecipient } from './recipient.js';

const to = z
  .string()
  .describe(
    'A phone number with its country code (+55 11 91234-5678, 0049 30 1234567) or a chat id (…@c.us, …@g.us, …@lid)',
  )
  .transform((value, ctx) => {
    const result = parseRecipient(value);
    if (result.ok) return result.chatId;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });

const replyTo = z.string().min(1).max(256).describe('Id of the message to quote in reply').optional();

// Some encoders wrap base64 at 76 columns; the whitespace is dropped before it is checked.
const base64 = z
  .string()
  .transform((value) => value.replace(/\s+/g, ''))
  .refine((value) => value.length > 0 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value), {
    message: 'accepts standard base64 (no data: prefix)',
  });

const mimetype = z
  .string()
  .regex(/^[\w.+-]+\/[\w.+-]+$/, { message: 'accepts a MIME type such as image/jpeg' })
  .transform((value) => value.toLowerCase());

const filename = z
  .string()
  .min(1)
  .max(255)
  .refine((value) => !/[/\\\p{Cc}]/u.test(value), {
    message: 'accepts a file name without / \\ or control characters',
  });

const httpUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === 'http:' || url.protocol === 'https:') &&
          url.username === '' &&
          url.password === ''
        );
      } catch {
        return false;
      }
    },
    { message: 'accepts an http(s) URL without user:password' },
  );

export const mediaUrlSchema = z.strictObject({
  url: httpUrl.describe('Fetched by the server, within a time and size limit'),
  mimetype: mimetype.optional().describe('Overrides the Content-Type the URL answers with'),
  filename: filename.optional(),
});

export const mediaDataSchema = z.strictObject({
  data: base64.describe('The file, base64'),
  mimetype,
  filename: filename.optional(),
});

export const textMessageSchema = z.strictObject({ to, text: z.string().min(1).max(65_536), replyTo });

export const mediaMessageSchema = z.strictObject({
  to,
  media: z.union([mediaUrlSchema, mediaDataSchema]),
  caption: z.string().max(4096).optional(),
  replyTo,
});

export const locationMessageSchema = z.strictObject({
  to,
  location: z.strictObject({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    description: z.string().max(1024).optional(),
  }),
  replyTo,
});

/** `POST /sessions/:id/messages`, as documented: exactly one of text, media, location. */
export const sendMessageBodySchema = z.union([textMessageSchema, mediaMessageSchema, locationMessageSchema]);

export type SendMessageBody =
  | ({ kind: 'text' } & z.output<typeof textMessageSchema>)
  | ({ kind: 'media' } & Omit<z.output<typeof mediaMessageSchema>, 'media'> & { media: MediaSource })
  | ({ kind: 'location' } & z.output<typeof locationMessageSchema>);

export type MediaSource =
  | ({ source: 'url' } & z.output<typeof mediaUrlSchema>)
  | ({ source: 'data' } & z.output<typeof mediaDataSchema>);

const kinds = ['text', 'media', 'location'] as const;

/**
 * Parses the body by the one key that says what it is. A plain z.union reports a mismatch as one
 * "invalid input" at the root; choosing the branch first lets every issue name its field
 * (`body.location.latitude`, `body.media.url`), which is what a developer needs to fix the call.
 */
export const parseSendMessageBody = (body: unknown): SendMessageBody => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalid([
      { path: 'body', message: 'accepts a JSON object with to and one of text, media, location' },
    ]);
  }
  const present = kinds.filter((kind) => kind in body);
  const [kind, ...extra] = present;
  if (kind === undefined) {
    return invalid([{ path: 'body', message: 'needs one of text, media or location' }]);
  }
  if (extra.length > 0) {
    return invalid(
      extra.map((k) => ({ path: `body.${k}`, message: `cannot be sent together with ${kind}` })),
    );
  }
  if (kind === 'text') return { kind, ...check(textMessageSchema, body) };
  if (kind === 'location') return { kind, ...check(locationMessageSchema, body) };

  const { media, ...rest } = body as { media?: unknown };
  const shell = mediaMessageSchema.omit({ media: true }).safeParse(rest);
  const inner = parseMedia(media);
  if (!shell.success || 'errors' in inner) {
    return invalid([
      ...(shell.success ? [] : fieldErrors(shell.error.issues, 'body')),
      ...('errors' in inner ? inner.errors : []),
    ]);
  }
  return { kind: 'media', ...shell.data, media: inner.media };
};

/** `url` picks the URL form (so a stray `data` next to it is named as unknown); otherwise base64. */
const parseMedia = (media: unknown): { media: MediaSource } | { errors: FieldError[] } => {
  if (typeof media === 'object' && media !== null && 'url' in media) {
    const result = mediaUrlSchema.safeParse(media);
    return result.success
      ? { media: { source: 'url', ...result.data } }
      : { errors: fieldErrors(result.error.issues, 'body.media') };
  }
  const result = mediaDataSchema.safeParse(media);
  return result.success
    ? { media: { source: 'data', ...result.data } }
    : { errors: fieldErrors(result.error.issues, 'body.media') };
};

const check = <S extends z.ZodType>(schema: S, value: unknown): z.output<S> => {
  const result = schema.safeParse(value);
  return result.success ? result.data : invalid(fieldErrors(result.error.issues, 'body'));
};

// The same code and shape as the other routes' bodies (src/http/validate.ts).
const invalid = (errors: FieldError[]): never => {
  throw appError('invalid_body', 'The request body is not valid', { details: { errors } });
};
