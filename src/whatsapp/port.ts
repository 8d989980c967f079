/**
 * What the chat, contact and media operations ask of one READY WhatsApp client. The adapter over
 * whatsapp-web.js (wwebjs-port.ts) implements it; every id it receives has been validated already
 * (src/whatsapp/ids.ts), and every call is bounded by whoever runs it (the session manager).
 */

import type { MediaInfo } from '../domain/message.js';
import type { EventPayloads } from '../events/types.js';

export type { MediaInfo };

export interface MessageView {
  id: string;
  chatId: string;
  from: string;
  to: string;
  /** The sender inside a group; null elsewhere. */
  author: string | null;
  fromMe: boolean;
  /** whatsapp-web.js message type: chat, image, ptt, document, ... */
  type: string;
  /** The text, or a file's caption. */
  body: string;
  timestamp: number;
  /** -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played. */
  ack: number | null;
  hasMedia: boolean;
  media: MediaInfo | null;
  /** The message this one replies to: its WhatsApp id (stanza id) and text, when known. */
  quoted: { id: string; body: string | null } | null;
}

export interface ChatView {
  id: string;
  name: string;
  isGroup: boolean;
  unreadCount: number;
  archived: boolean;
  pinned: boolean;
  muted: boolean;
  timestamp: number;
  lastMessage: MessageView | null;
}

export interface ContactView {
  id: string;
  number: string;
  name: string | null;
  pushname: string | null;
  isBusiness: boolean;
  isMyContact: boolean;
  isWAContact: boolean;
}

export interface ContactDetail extends ContactView {
  about: string | null;
  profilePictureUrl: string | null;
}

export interface MediaFile {
  mimetype: string;
  filename: string | null;
  /** base64, as whatsapp-web.js hands it over. */
  data: string;
}

export type ChatState = 'typing' | 'recording' | 'paused';

export interface GroupParticipant {
  id: string;
  isAdmin: boolean;
  isSuperAdmin: boolean;
}

export interface GroupView {
  id: string;
  subject: string;
  description: string;
  owner: string | null;
  /** Unix seconds. */
  createdAt: number | null;
  participants: GroupParticipant[];
  /** Whether this session's account is an admin of the group. */
  iAmAdmin: boolean;
}

/** What WhatsApp answered for one participant: 200 done, 403 invite only, 404 not on WhatsApp, 409 member... */
export interface ParticipantResult {
  id: string;
  code: number;
  message: string;
}

export type ParticipantAction = 'remove' | 'promote' | 'demote';

// Events WhatsApp sends about messages and groups that already exist: their payloads are the event
// schemas' (src/events/schemas.ts), so what the adapter builds is what goes out on the wire.
export type ReactionEvent = EventPayloads['message.reaction'];
export type RevokedEvent = EventPayloads['message.revoked'];
export type EditedEvent = EventPayloads['message.edited'];
export type GroupEvent = EventPayloads['group.join'];

/** One of them, as the client adapter hands it to the session. */
export type WhatsAppEvent =
  | { type: 'message.reaction'; payload: ReactionEvent }
  | { type: 'message.revoked'; payload: RevokedEvent }
  | { type: 'message.edited'; payload: EditedEvent }
  | { type: 'group.join'; payload: GroupEvent }
  | { type: 'group.leave'; payload: GroupEvent }
  | { type: 'group.update'; payload: GroupEvent };

export interface WhatsAppPort {
  /** The chat id WhatsApp knows the number by, or null when it is not on WhatsApp. */
  numberId(chatId: string): Promise<string | null>;
  message(messageId: string): Promise<MessageView | null>;
  /** The file of a message; null when WhatsApp no longer has it. */
  downloadMedia(messageId: string): Promise<MediaFile | null>;
  chats(): Promise<ChatView[]>;
  /** The newest `limit` messages of a chat, oldest first. */
  messages(chatId: string, limit: number): Promise<MessageView[]>;
  markRead(chatId: string): Promise<boolean>;
  chatState(chatId: string, state: ChatState): Promise<void>;
  contacts(): Promise<ContactView[]>;
  contact(contactId: string): Promise<ContactDetail>;
  /** Reacts with `emoji` (empty takes the reaction back); false when the message is unknown. */
  react(messageId: string, emoji: string): Promise<boolean>;
  /** Deletes one of our messages for everyone. */
  revoke(messageId: string): Promise<void>;
  createGroup(
    subject: string,
    participants: string[],
  ): Promise<{ id: string; participants: ParticipantResult[] }>;
  /** null when there is no such group. */
  group(groupId: string): Promise<GroupView | null>;
  /** false when WhatsApp refused (e.g. only admins may). */
  setGroupSubject(groupId: string, subject: string): Promise<boolean>;
  setGroupDescription(groupId: string, description: string): Promise<boolean>;
  addParticipants(groupId: string, participants: string[]): Promise<ParticipantResult[]>;
  changeParticipants(groupId: string, action: ParticipantAction, participants: string[]): Promise<void>;
  /** null when WhatsApp does not give it (we are not an admin). */
  inviteCode(groupId: string): Promise<string | null>;
  revokeInvite(groupId: string): Promise<string>;
  leaveGroup(groupId: string): Promise<void>;
}
