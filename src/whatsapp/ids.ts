import { appError } from '../error-catalog.js';
import type { AppError } from '../errors.js';
import { parseRecipient } from '../messages/recipient.js';

/**
 * The one guard for chat and message ids taken from a request: checked here, before any of it
 * reaches the browser. A wrong shape is a 400 naming the parameter.
 */

const invalid = (code: 'invalid_chat_id' | 'invalid_message_id', path: string, message: string): AppError =>
  appError(code, `${path} ${message}`, { details: { errors: [{ path, message }] } });

/** `<digits>@c.us`, `<id>@g.us` or `<digits>@lid` (the chat's id as whatsapp-web.js writes it). */
export const parseChatId = (value: unknown, path = 'path.chatId'): string => {
  if (typeof value !== 'string' || !value.includes('@')) {
    throw invalid('invalid_chat_id', path, 'accepts a chat id: <digits>@c.us, <id>@g.us or <digits>@lid');
  }
  const result = parseRecipient(value);
  if (!result.ok) throw invalid('invalid_chat_id', path, result.message);
  return result.chatId;
};

// `<fromMe>_<chat id>_<WhatsApp's id>` and, in groups, `_<participant>`: what message ids look like.
const CHAT = String.raw`(?:\d{5,25}(?:-\d{5,15})?@g\.us|\d{5,20}@(?:c\.us|lid)|status@broadcast)`;
const MESSAGE_ID = new RegExp(`^(?:true|false)_${CHAT}_[A-Za-z0-9]{4,64}(?:_\\d{5,20}@(?:c\\.us|lid))?$`);

export const parseMessageId = (value: unknown, path = 'path.messageId'): string => {
  if (typeof value !== 'string' || value.length > 200 || !MESSAGE_ID.test(value)) {
    throw invalid(
      'invalid_message_id',
      path,
      'accepts a message id as events and sends return it: true_5511912345678@c.us_3EB0C0FFEE...',
    );
  }
  return value;
};
