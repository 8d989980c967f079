import { Router } from 'express';
import { z } from 'zod';
import { appError } from '../../error-catalog.js';
import { parseRecipient } from '../../messages/recipient.js';
import type { SessionManager } from '../../sessions/types.js';
import { getContact, listContacts } from '../../whatsapp/contacts.js';
import { parseChatId } from '../../whatsapp/ids.js';
import { checkNumber } from '../../whatsapp/numbers.js';
import { runnerFor } from '../../whatsapp/runner.js';
import { parseSessionId, sessionIdParam } from '../session-id.js';
import { parseQuery } from '../validate.js';

export const checkNumberQuerySchema = z.object({
  phone: z
    .string()
    .min(1)
    .max(64)
    .describe('A phone number with its country code, in any common notation, or <digits>@c.us'),
});

/** `?limit=&offset=` of the list routes. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most 500; 100 by default'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const phoneToChatId = (phone: string): string => {
  const result = parseRecipient(phone);
  const message = !result.ok
    ? result.message
    : result.chatId.endsWith('@c.us')
      ? null
      : 'accepts a phone number, not a group or lid id';
  if (message !== null || !result.ok) {
    throw appError('invalid_query', `query.phone ${message}`, {
      details: { errors: [{ path: 'query.phone', message }] },
    });
  }
  return result.chatId;
};

/**
 * `GET /sessions/:id/contacts/check?phone=`, `GET /sessions/:id/contacts`,
 * `GET /sessions/:id/contacts/:contactId`. Ids and numbers are checked before the browser is asked.
 */
export const createContactsRouter = (deps: { manager: Pick<SessionManager, 'runOnReady'> }): Router => {
  const router = Router();
  router.param('id', sessionIdParam);
  const run = (id: unknown) => runnerFor(deps.manager, parseSessionId(id));

  router.get('/sessions/:id/contacts/check', async (req, res) => {
    const { phone } = parseQuery(checkNumberQuerySchema, req);
    const chatId = phoneToChatId(phone);
    res.json(await checkNumber(run(req.params.id), chatId));
  });
  router.get('/sessions/:id/contacts', async (req, res) => {
    const page = parseQuery(pageQuerySchema, req);
    res.json(await listContacts(run(req.params.id), page));
  });
  router.get('/sessions/:id/contacts/:contactId', async (req, res) => {
    const contactId = parseChatId(req.params.contactId, 'path.contactId');
    if (contactId.endsWith('@g.us')) {
      throw appError('invalid_chat_id', 'path.contactId is a group id: contacts are people', {
        details: { errors: [{ path: 'path.contactId', message: 'accepts <digits>@c.us or <digits>@lid' }] },
      });
    }
    res.json(await getContact(run(req.params.id), contactId));
  });
  return router;
};
