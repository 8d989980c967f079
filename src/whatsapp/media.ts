import { appError } from '../error-catalog.js';
import type { AppError } from '../errors.js';
import type { SessionRunner } from './runner.js';

export interface MediaLimits {
  /** Largest file served; a larger one is refused from its announced size, before any download. */
  maxBytes: number;
  /** The whole download out of WhatsApp. */
  timeoutMs: number;
}

export interface DownloadedMedia {
  mimetype: string;
  filename: string | null;
  bytes: Buffer;
}

const tooLarge = (size: number, max: number): AppError =>
  appError('media_too_large', `The file is ${size} bytes; at most ${max} are served.`, {
    details: { size, maxBytes: max },
  });

/**
 * The file of a received message. 404 `message_not_found` / `no_media`; 413 `media_too_large` from
 * the size WhatsApp announces, so an oversized file is never downloaded; 404 `media_expired` when
 * WhatsApp no longer has it. Base64 is measured before it is decoded.
 */
export const downloadMedia = async (
  run: SessionRunner,
  messageId: string,
  limits: MediaLimits,
): Promise<DownloadedMedia> => {
  const message = await run(
    { what: 'message lookup', code: 'lookup_failed', failure: 'WhatsApp Web did not find the message' },
    (wa) => wa.message(messageId),
  );
  if (!message) throw appError('message_not_found', `No message ${messageId} in this session.`);
  if (!message.hasMedia || !message.media) {
    throw appError('no_media', `Message ${messageId} is a ${message.type} message with no file.`);
  }
  const announced = message.media.size;
  if (announced !== null && announced > limits.maxBytes) throw tooLarge(announced, limits.maxBytes);

  const file = await run(
    {
      what: 'media download',
      code: 'media_download_failed',
      failure: 'WhatsApp Web did not download the file',
      timeoutMs: limits.timeoutMs,
    },
    (wa) => wa.downloadMedia(messageId),
  );
  if (!file) {
    throw appError('media_expired', `WhatsApp no longer has the file of message ${messageId}.`);
  }
  const decodedSize = Math.floor((file.data.length * 3) / 4);
  if (decodedSize > limits.maxBytes + 2) throw tooLarge(decodedSize, limits.maxBytes);
  const bytes = Buffer.from(file.data, 'base64');
  if (bytes.length > limits.maxBytes) throw tooLarge(bytes.length, limits.maxBytes);
  return { mimetype: file.mimetype, filename: file.filename, bytes };
};
