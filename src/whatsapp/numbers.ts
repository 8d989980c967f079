import { appError } from '../error-catalog.js';
import type { SessionRunner } from './runner.js';

export interface NumberCheck {
  /** The number as WhatsApp writes it: digits with the country code. */
  number: string;
  onWhatsApp: boolean;
  /** The chat id to send to; null when the number is not on WhatsApp. */
  chatId: string | null;
}

const lookup = (run: SessionRunner, chatId: string) =>
  run(
    { what: 'number lookup', code: 'lookup_failed', failure: 'WhatsApp Web did not look the number up' },
    (wa) => wa.numberId(chatId),
  );

/** Whether `<digits>@c.us` is on WhatsApp (whatsapp-web.js getNumberId). */
export const checkNumber = async (run: SessionRunner, chatId: string): Promise<NumberCheck> => {
  const found = await lookup(run, chatId);
  return { number: chatId.slice(0, chatId.indexOf('@')), onWhatsApp: found !== null, chatId: found };
};

/**
 * Before a send to a phone number: 422 `not_on_whatsapp` instead of a message WhatsApp would
 * silently drop. Group and lid ids are not numbers and go through as they are.
 */
export const ensureOnWhatsApp = async (run: SessionRunner, chatId: string): Promise<string> => {
  if (!chatId.endsWith('@c.us')) return chatId;
  const found = await lookup(run, chatId);
  if (found === null) {
    throw appError('not_on_whatsapp', `${chatId.slice(0, chatId.indexOf('@'))} is not on WhatsApp.`, {
      details: { chatId },
    });
  }
  return found;
};
