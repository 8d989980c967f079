import { z } from 'zod';

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
