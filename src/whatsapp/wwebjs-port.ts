import type WAWebJS from 'whatsapp-web.js';
import type {
  ChatState,
  ChatView,
  ContactDetail,
  ContactView,
  MediaFile,
  MediaInfo,
  MessageView,
  WhatsAppPort,
} from './port.js';
import { createWwebjsGroups } from './wwebjs-groups.js';

type Raw = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const serialized = (value: unknown): string | null => {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && '_serialized' in value) return str(value._serialized);
  return null;
};

/** Media fields the library keeps only in the message's raw data (`rawData`). */
export const mediaOf = (msg: WAWebJS.Message): MediaInfo | null => {
  if (!msg.hasMedia) return null;
  const raw = msg.rawData as Raw;
  return {
    mimetype: str(raw.mimetype),
    size: num(raw.size),
    filename: str(raw.filename),
    caption: str(raw.caption),
  };
};

const quotedOf = (msg: WAWebJS.Message): MessageView['quoted'] => {
  const raw = msg.rawData as Raw;
  const stanzaId = str(raw.quotedStanzaID);
  if (!msg.hasQuotedMsg || !stanzaId) return null;
  const quoted = raw.quotedMsg;
  const body = typeof quoted === 'object' && quoted !== null ? str((quoted as Raw).body) : null;
  return { id: stanzaId, body };
};

export const toMessageView = (msg: WAWebJS.Message): MessageView => ({
  id: msg.id._serialized,
  chatId: msg.id.remote,
  from: msg.from,
  to: msg.to,
  author: msg.author ?? null,
  fromMe: msg.fromMe,
  type: String(msg.type),
  body: msg.body,
  timestamp: msg.timestamp,
  ack: num(msg.ack),
  hasMedia: msg.hasMedia,
  media: mediaOf(msg),
  quoted: quotedOf(msg),
});

const toChatView = (chat: WAWebJS.Chat): ChatView => ({
  id: chat.id._serialized,
  name: chat.name,
  isGroup: chat.isGroup,
  unreadCount: chat.unreadCount,
  archived: Boolean(chat.archived),
  pinned: Boolean(chat.pinned),
  muted: Boolean(chat.isMuted),
  timestamp: chat.timestamp,
  lastMessage: chat.lastMessage ? toMessageView(chat.lastMessage) : null,
});

const toContactView = (contact: WAWebJS.Contact): ContactView => ({
  id: contact.id._serialized,
  number: contact.number,
  name: contact.name ?? null,
  pushname: contact.pushname ?? null,
  isBusiness: Boolean(contact.isBusiness),
  isMyContact: Boolean(contact.isMyContact),
  isWAContact: Boolean(contact.isWAContact),
});

/** The WhatsApp operations of one client, through whatsapp-web.js's own calls (no page code of ours). */
export const createWwebjsPort = (client: WAWebJS.Client): WhatsAppPort => ({
  ...createWwebjsGroups(client),
  async numberId(chatId) {
    const id = await client.getNumberId(chatId);
    return id ? serialized(id) : null;
  },
  async message(messageId) {
    const msg = await client.getMessageById(messageId);
    return msg ? toMessageView(msg) : null;
  },
  async downloadMedia(messageId): Promise<MediaFile | null> {
    const msg = await client.getMessageById(messageId);
    if (!msg?.hasMedia) return null;
    // undefined when WhatsApp no longer has the file (expired, or the download found nothing).
    const media = (await msg.downloadMedia()) as WAWebJS.MessageMedia | undefined;
    if (!media) return null;
    return { mimetype: media.mimetype, filename: media.filename ?? null, data: media.data };
  },
  async chats() {
    return (await client.getChats()).map(toChatView);
  },
  async messages(chatId, limit) {
    const chat = await client.getChatById(chatId);
    const messages = await chat.fetchMessages({ limit });
    return messages.map(toMessageView).sort((a, b) => a.timestamp - b.timestamp);
  },
  markRead(chatId) {
    return client.sendSeen(chatId);
  },
  async chatState(chatId, state: ChatState) {
    const chat = await client.getChatById(chatId);
    if (state === 'typing') await chat.sendStateTyping();
    else if (state === 'recording') await chat.sendStateRecording();
    else await chat.clearState();
  },
  async contacts() {
    return (await client.getContacts()).map(toContactView);
  },
  async react(messageId, emoji) {
    const msg = await client.getMessageById(messageId);
    if (!msg) return false;
    await msg.react(emoji);
    return true;
  },
  async revoke(messageId) {
    const msg = await client.getMessageById(messageId);
    await msg?.delete(true);
  },
  async contact(contactId): Promise<ContactDetail> {
    const contact = await client.getContactById(contactId);
    const [about, picture] = await Promise.all([contact.getAbout(), client.getProfilePicUrl(contactId)]);
    return { ...toContactView(contact), about: about ?? null, profilePictureUrl: picture ?? null };
  },
});
