import { Router } from 'express';
import { z } from 'zod';
import type { SessionManager } from '../../sessions/types.js';
import { parseMessageId } from '../../whatsapp/ids.js';
import { react, revokeForEveryone } from '../../whatsapp/message-actions.js';
import { runnerFor } from '../../whatsapp/runner.js';
import { requireJsonBody } from '../json-body.js';
import { parseSessionId, sessionIdParam } from '../session-id.js';
import { parseBody } from '../validate.js';

// Pictographs with their modifiers, joiners and variation selectors, flags, keycaps (#️⃣ 1️⃣).
const EMOJI =
  /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\u200d|\ufe0f|\u20e3|[#*0-9])+$/u;

export const reactionBodySchema = z.strictObject({
  reaction: z
    .string()
    .max(32)
    .refine((v) => v === '' || (EMOJI.test(v) && /\P{ASCII}/u.test(v)), {
      message: 'accepts one emoji, or an empty text to take it back',
    })
    .describe('An emoji such as 👍; empty takes your reaction back'),
});

/** `POST /sessions/:id/messages/:messageId/reaction` and `DELETE /sessions/:id/messages/:messageId`. */
export const createMessageActionsRouter = (deps: { manager: Pick<SessionManager, 'runOnReady'> }): Router => {
  const router = Router();
  router.param('id', sessionIdParam);
  router.post('/sessions/:id/messages/:messageId/reaction', requireJsonBody, async (req, res) => {
    const id = parseSessionId(req.params.id);
    const messageId = parseMessageId(req.params.messageId);
    const { reaction } = parseBody(reactionBodySchema, req);
    await react(runnerFor(deps.manager, id), messageId, reaction);
    res.json({ messageId, reaction });
  });
  router.delete('/sessions/:id/messages/:messageId', async (req, res) => {
    const id = parseSessionId(req.params.id);
    const messageId = parseMessageId(req.params.messageId);
    await revokeForEveryone(runnerFor(deps.manager, id), messageId);
    res.status(204).end();
  });
  return router;
};
