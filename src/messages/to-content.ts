import type { OutgoingContent } from '../domain/message.js';
import { type MediaFetcher, mediaTooLarge } from './fetch-media.js';
import type { SendMessageBody } from './schemas.js';

/** Bytes that a base64 string decodes to, without decoding it. */
export const base64Bytes = (data: string): number => {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length / 4) * 3 - padding;
};

/** The parsed body as the manager takes it; media from a URL is downloaded here. */
export const toOutgoingContent = async (
  body: SendMessageBody,
  deps: { fetchMedia: MediaFetcher; maxMediaBytes: number },
): Promise<OutgoingContent> => {
  if (body.kind === 'text') return { kind: 'text', text: body.text };
  if (body.kind === 'location') {
    const { latitude, longitude, description } = body.location;
    return { kind: 'location', latitude, longitude, description: description ?? null };
  }
  const { media } = body;
  if (media.source === 'data') {
    if (base64Bytes(media.data) > deps.maxMediaBytes) throw mediaTooLarge(deps.maxMediaBytes);
    return {
      kind: 'media',
      mimetype: media.mimetype,
      data: media.data,
      filename: media.filename ?? null,
      caption: body.caption ?? null,
    };
  }
  const fetched = await deps.fetchMedia(media.url);
  return {
    kind: 'media',
    mimetype: media.mimetype ?? fetched.mimetype,
    data: fetched.data,
    filename: media.filename ?? fetched.filename,
    caption: body.caption ?? null,
  };
};
