import { z } from 'zod';

/** What a file message announces: its bytes are fetched with GET messages/{id}/media. */
export const mediaInfoSchema = z.object({
  mimetype: z.string().nullable(),
  size: z.number().nullable().describe('Bytes, as WhatsApp announces it'),
  filename: z.string().nullable(),
  caption: z.string().nullable(),
});
export type MediaInfo = z.infer<typeof mediaInfoSchema>;

/** A message the linked account received, as the `message.received` event carries it. */
export const incomingMessageSchema = z.object({
  id: z.string(),
  from: z.string().describe('Chat id of the sender, e.g. 5511912345678@c.us'),
  to: z.string(),
  body: z.string(),
  type: z.string().describe('whatsapp-web.js message type: chat, image, location, ...'),
  timestamp: z.number().describe('Unix seconds, as WhatsApp reports it'),
  fromMe: z.boolean(),
  hasMedia: z.boolean(),
  media: mediaInfoSchema
    .nullable()
    .describe(
      'A file message (image, video, audio, ptt, document, sticker): fetch it with GET /sessions/{id}/messages/{messageId}/media',
    ),
});
export type IncomingMessage = z.infer<typeof incomingMessageSchema>;

/** What is sent, once the request was checked (messages/to-content.ts builds it). */
export type OutgoingContent =
  | { kind: 'text'; text: string }
  | { kind: 'media'; mimetype: string; data: string; filename: string | null; caption: string | null }
  | { kind: 'location'; latitude: number; longitude: number; description: string | null };

export interface SendOptions {
  quotedMessageId?: string;
}
