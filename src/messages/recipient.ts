import { appError } from '../error-catalog.js';

export type RecipientResult = { ok: true; chatId: string } | { ok: false; message: string };

const EXAMPLE = 'e.g. +55 11 91234-5678 or 5511912345678@c.us';

/**
 * The one place a recipient becomes a whatsapp-web.js chat id.
 * - A chat id: `<digits>@c.us` (`@s.whatsapp.net`, the multi-device spelling, is mapped to it),
 *   `<id>@g.us` (a group), `<digits>@lid` (a linked-device id).
 * - A phone number with its country code: `+`, or `00` (the international call prefix), then the
 *   digits, with any spaces, dots, dashes, slashes or parentheses; a `(0)` trunk digit after the
 *   country code (`+44 (0)20 ...`) is dropped, as a caller would drop it.
 * - Bare digits (`5511912345678`) are taken as international already: that is how WhatsApp writes
 *   numbers, and the form every whatsapp-web.js user knows.
 * A formatted number without `+`/`00`, or one with a leading 0, is a local number: refused with a
 * request for the country code, because guessing one would message a stranger in another country.
 */
export const parseRecipient = (input: string): RecipientResult => {
  const value = input.trim();
  if (value === '') return fail('is required');
  if (value.includes('@')) return parseChatId(value);

  if (/[^\d\s.\-()/+]/.test(value)) {
    return fail(`accepts a phone number with its country code or a chat id (${EXAMPLE})`);
  }
  const international = value.startsWith('+') || value.startsWith('00');
  let rest = value.startsWith('+') ? value.slice(1) : value.startsWith('00') ? value.slice(2) : value;
  if (rest.includes('+')) return fail(`has a + that is not at the start (${EXAMPLE})`);
  if (international) rest = rest.replace(/\(0\)/g, '');
  const digits = rest.replace(/[\s.\-()/]/g, '');
  if (!international && (digits !== value || digits.startsWith('0'))) {
    return fail(
      `looks like a local number: a country code is needed, written with + or 00 (e.g. +55 11 91234-5678, +1 415 555 0132)`,
    );
  }
  if (digits.startsWith('0')) return fail('has a country code starting with 0, which none does');
  if (digits.length < 7 || digits.length > 15) {
    return fail(`has ${digits.length} digits; a number with its country code has 7 to 15`);
  }
  return { ok: true, chatId: `${digits}@c.us` };
};

const parseChatId = (value: string): RecipientResult => {
  const at = value.lastIndexOf('@');
  const user = value.slice(0, at);
  const server = value.slice(at + 1).toLowerCase();
  if (server === 'c.us' || server === 's.whatsapp.net') {
    return /^\d{7,15}$/.test(user)
      ? { ok: true, chatId: `${user}@c.us` }
      : fail('accepts <digits>@c.us with 7 to 15 digits (the number with its country code)');
  }
  if (server === 'g.us') {
    // New groups are one long number; old ones are <creator number>-<creation time>.
    return /^\d{5,25}(-\d{5,15})?$/.test(user)
      ? { ok: true, chatId: `${user}@g.us` }
      : fail('accepts a group id such as 120363012345678901@g.us');
  }
  if (server === 'lid') {
    return /^\d{5,20}$/.test(user) ? { ok: true, chatId: `${user}@lid` } : fail('accepts <digits>@lid');
  }
  return fail(`is not a WhatsApp chat id: use <digits>@c.us, <id>@g.us or <digits>@lid (${EXAMPLE})`);
};

const fail = (message: string): RecipientResult => ({ ok: false, message });

/** For callers outside a zod schema: the chat id, or a 400 naming the field. */
export const normalizeRecipient = (input: string, field = 'to'): string => {
  const result = parseRecipient(input);
  if (result.ok) return result.chatId;
  throw appError('invalid_recipient', `${field} ${result.message}`, {
    details: { errors: [{ path: `body.${field}`, message: result.message }] },
  });
};
