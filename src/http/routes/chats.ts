import { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { SessionManager } from '../../sessions/types.js';
import { chatMessages, listChats, markRead } from '../../whatsapp/chats.js';
import { parseChatId, parseMessageId } from '../../whatsapp/ids.js';
import { runnerFor } from '../../whatsapp/runner.js';
import { createTypingIndicators, MAX_TYPING_MS, type TypingIndicators } from '../../whatsapp/typing.js';
import { requireJsonBody } from '../json-body.js';
import { parseSessionId, sessionIdParam } from '../session-id.js';
import { parseBody, parseQuery } from '../validate.js';
import { pageQuerySchema } from './contacts.js';

export const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('At most 100; 50 by default'),
  before: z.string().max(200).optional().describe('A message id: the messages older than it'),
});

export const typingBodySchema = z.strictObject({
  state: z
    .enum(['typing', 'recording', 'paused'], { message: 'accepts typing, recording or paused' })
    .default('typing'),
  durationMs: z
    .number()
    .int()
    .min(1000)
    .max(MAX_TYPING_MS)
    .default(MAX_TYPING_MS)
    .describe(`How long it shows before it is cleared: 1000 to ${MAX_TYPING_MS} ms`),
});

export type ChatsRouter = Router & { close(): void };

/**
 * `GET chats`, `GET chats/:chatId/messages`, `POST chats/:chatId/read`, `POST chats/:chatId/typing`,
 * under `/sessions/:id/`. `close()` cancels the pending clears of typing indicators.
 */
export const createChatsRouter = (deps: {
  manager: Pick<SessionManager, 'runOnReady'>;
  logger: Logger;
  typing?: TypingIndicators;
}): ChatsRouter => {
  const typing = deps.typing ?? createTypingIndicators({ logger: deps.logger });
  const router = Router();
  router.param('id', sessionIdParam);
  const run = (id: unknown) => runnerFor(deps.manager, parseSessionId(id));

  router.get('/sessions/:id/chats', async (req, res) => {
    const page = parseQuery(pageQuerySchema, req);
    res.json(await listChats(run(req.params.id), page));
  });
  router.get('/sessions/:id/chats/:chatId/messages', async (req, res) => {
    const chatId = parseChatId(req.params.chatId);
    const { limit, before } = parseQuery(historyQuerySchema, req);
    const page = { limit, before: before === undefined ? undefined : parseMessageId(before, 'query.before') };
    res.json(await chatMessages(run(req.params.id), chatId, page));
  });
  router.post('/sessions/:id/chats/:chatId/read', async (req, res) => {
    const chatId = parseChatId(req.params.chatId);
    res.json({ read: await markRead(run(req.params.id), chatId) });
  });
  router.post('/sessions/:id/chats/:chatId/typing', requireJsonBody, async (req, res) => {
    const sessionId = parseSessionId(req.params.id);
    const chatId = parseChatId(req.params.chatId);
    // No body at all is the default: typing for as long as WhatsApp shows it.
    const { state, durationMs } = parseBody(typingBodySchema.optional(), req) ?? typingBodySchema.parse({});
    await typing.show({ sessionId, chatId }, run(sessionId), state, durationMs);
    res.json({ state, durationMs: state === 'paused' ? 0 : durationMs });
  });
  return Object.assign(router, { close: () => typing.close() });
};
