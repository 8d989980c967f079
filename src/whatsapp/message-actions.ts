import { appError } from '../error-catalog.js';
import type { SessionRunner } from './runner.js';

/** WhatsApp lets a sender delete a message for everyone for about two and a half days. */
export const REVOKE_WINDOW_S = 60 * 3600;

const lookup = {
  what: 'message lookup',
  code: 'lookup_failed',
  failure: 'WhatsApp Web did not find the message',
} as const;

const notFound = (messageId: string) =>
  appError('message_not_found', `No message ${messageId} in this session.`);

/** Reacts to a message; an empty emoji takes our reaction back. */
export const react = async (run: SessionRunner, messageId: string, emoji: string): Promise<void> => {
  const found = await run(
    { what: 'reaction', code: 'reaction_failed', failure: 'WhatsApp Web did not send the reaction' },
    (wa) => wa.react(messageId, emoji),
  );
  if (!found) throw notFound(messageId);
};

/**
 * Deletes one of our messages for everyone. Checked first, because whatsapp-web.js quietly deletes
 * the message for us alone when WhatsApp would not revoke it: someone else's message, or one older
 * than the window, is a 422 `not_revocable` and nothing is deleted.
 */
export const revokeForEveryone = async (
  run: SessionRunner,
  messageId: string,
  now: () => number = Date.now,
): Promise<void> => {
  const message = await run(lookup, (wa) => wa.message(messageId));
  if (!message) throw notFound(messageId);
  if (message.type === 'revoked') return;
  if (!message.fromMe) {
    throw appError('not_revocable', 'Only your own messages can be deleted for everyone.');
  }
  if (now() / 1000 - message.timestamp > REVOKE_WINDOW_S) {
    throw appError(
      'not_revocable',
      `The message is older than WhatsApp's ${REVOKE_WINDOW_S / 3600} hours for deleting for everyone.`,
    );
  }
  await run(
    {
      what: 'delete for everyone',
      code: 'revoke_failed',
      failure: 'WhatsApp Web did not delete the message',
    },
    (wa) => wa.revoke(messageId),
  );
};
