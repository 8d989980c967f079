import { z } from 'zod';
import { mediaInfoSchema } from '../../domain/message.js';
import type { ChatPage, MessagePage } from '../../whatsapp/chats.js';
import type { ContactPage } from '../../whatsapp/contacts.js';
import type { NumberCheck } from '../../whatsapp/numbers.js';
import type { ContactDetail, GroupView } from '../../whatsapp/port.js';

/** What the chat, contact and number routes answer (the TypeScript types stay the source; see the checks below). */

export const numberCheckSchema = z.object({
  number: z.string().describe('Digits with the country code'),
  onWhatsApp: z.boolean(),
  chatId: z
    .string()
    .nullable()
    .describe('The id to send to, e.g. 5511912345678@c.us; null when not on WhatsApp'),
});

export const messageViewSchema = z.object({
  id: z.string(),
  chatId: z.string(),
  from: z.string(),
  to: z.string(),
  author: z.string().nullable().describe('The sender inside a group'),
  fromMe: z.boolean(),
  type: z.string().describe('chat, image, video, audio, ptt, document, sticker, location, ...'),
  body: z.string().describe('The text, or the caption of a file'),
  timestamp: z.number().describe('Unix seconds'),
  ack: z.number().nullable().describe('-1 error, 0 pending, 1 server, 2 device, 3 read, 4 played'),
  hasMedia: z.boolean(),
  media: mediaInfoSchema
    .nullable()
    .describe('Fetch the file with GET /sessions/{id}/messages/{messageId}/media'),
  quoted: z
    .object({ id: z.string().describe("WhatsApp's id of the quoted message"), body: z.string().nullable() })
    .nullable()
    .describe('The message this one replies to'),
});

export const chatViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  isGroup: z.boolean(),
  unreadCount: z.number(),
  archived: z.boolean(),
  pinned: z.boolean(),
  muted: z.boolean(),
  timestamp: z.number().describe('Unix seconds of the last activity'),
  lastMessage: messageViewSchema.nullable(),
});

export const chatPageSchema = z.object({
  chats: z.array(chatViewSchema).describe('Pinned first, then the most recent'),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});

export const messagePageSchema = z.object({
  messages: z.array(messageViewSchema).describe('Oldest first'),
  nextBefore: z.string().nullable().describe('Pass as `before` for older messages; null at the start'),
});

const contactFields = {
  id: z.string(),
  number: z.string(),
  name: z.string().nullable().describe('As saved in the phone'),
  pushname: z.string().nullable().describe('As the contact named themselves'),
  isBusiness: z.boolean(),
  isMyContact: z.boolean().describe("In the phone's address book"),
  isWAContact: z.boolean().describe('On WhatsApp'),
};

export const contactPageSchema = z.object({
  contacts: z.array(z.object(contactFields)).describe('By name'),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});

export const contactDetailSchema = z.object({
  ...contactFields,
  about: z.string().nullable(),
  profilePictureUrl: z
    .string()
    .nullable()
    .describe("WhatsApp's URL of the picture, when it shares one; it expires"),
});

export const typingAnswerSchema = z.object({
  state: z.enum(['typing', 'recording', 'paused']),
  durationMs: z.number().int().describe('0 for paused'),
});

const participantResultSchema = z.object({
  id: z.string(),
  code: z
    .number()
    .int()
    .describe(
      '200 done, 403 refused (invitation only / creator), 404 not on WhatsApp or not a member, 409 already a member',
    ),
  message: z.string(),
});

export const groupCreatedSchema = z.object({
  id: z.string().describe('The new group id (<id>@g.us)'),
  participants: z.array(participantResultSchema),
});

export const participantResultsSchema = z.object({
  action: z.enum(['add', 'remove', 'promote', 'demote']),
  results: z.array(participantResultSchema),
});

export const groupSchema = z.object({
  id: z.string(),
  subject: z.string(),
  description: z.string(),
  owner: z.string().nullable(),
  createdAt: z.number().nullable().describe('Unix seconds'),
  participants: z.array(z.object({ id: z.string(), isAdmin: z.boolean(), isSuperAdmin: z.boolean() })),
  iAmAdmin: z.boolean().describe("Whether this session's account is an admin"),
});

type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const drift: [
  Equal<z.infer<typeof numberCheckSchema>, NumberCheck>,
  Equal<z.infer<typeof chatPageSchema>, ChatPage>,
  Equal<z.infer<typeof messagePageSchema>, MessagePage>,
  Equal<z.infer<typeof contactPageSchema>, ContactPage>,
  Equal<z.infer<typeof contactDetailSchema>, ContactDetail>,
  Equal<z.infer<typeof groupSchema>, GroupView>,
] = [true, true, true, true, true, true];
void drift;
