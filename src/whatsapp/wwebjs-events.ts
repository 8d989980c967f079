import type WAWebJS from 'whatsapp-web.js';
import type { WhatsAppEvent } from './port.js';

/**
 * whatsapp-web.js events about existing messages, as WhatsAppEvents. The library's names and
 * argument lists are read in Client.js (attachEventListeners) of 1.34.7.
 */

const serialized = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && '_serialized' in value) return String(value._serialized);
  return '';
};

/** `message_reaction`: the parent key's `remote` is the chat. */
export const fromReaction = (reaction: WAWebJS.Reaction): WhatsAppEvent => {
  const parent = reaction.msgId as unknown as { remote?: unknown };
  return {
    type: 'message.reaction',
    payload: {
      id: serialized(reaction.id),
      messageId: serialized(reaction.msgId),
      chatId: serialized(parent.remote),
      from: reaction.senderId,
      reaction: reaction.reaction ?? '',
      timestamp: reaction.timestamp,
    },
  };
};

/** `message_revoke_everyone`: the message in its revoked state (same id, no body). */
export const fromRevoked = (message: WAWebJS.Message): WhatsAppEvent => ({
  type: 'message.revoked',
  payload: {
    id: message.id._serialized,
    chatId: message.id.remote,
    from: message.from,
    fromMe: message.fromMe,
    timestamp: message.timestamp,
  },
});

/** `message_edit`: (message, newBody, prevBody). */
export const fromEdited = (message: WAWebJS.Message, body: unknown, previous: unknown): WhatsAppEvent => ({
  type: 'message.edited',
  payload: {
    id: message.id._serialized,
    chatId: message.id.remote,
    from: message.from,
    fromMe: message.fromMe,
    body: typeof body === 'string' ? body : message.body,
    previousBody: typeof previous === 'string' ? previous : '',
  },
});

/** `group_join`, `group_leave`, `group_update` and `group_admin_changed` (as group.update). */
export const fromGroupNotification = (
  type: 'group.join' | 'group.leave' | 'group.update',
  notification: WAWebJS.GroupNotification,
): WhatsAppEvent => ({
  type,
  payload: {
    groupId: notification.chatId,
    author: notification.author ? serialized(notification.author) : null,
    action: String(notification.type),
    participants: (notification.recipientIds ?? []).map(serialized),
    body: notification.body ?? '',
    timestamp: notification.timestamp,
  },
});
