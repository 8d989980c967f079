import { Router } from 'express';
import { createMediaFetcher, type MediaFetcher } from '../../messages/fetch-media.js';
import { parseSendMessageBody } from '../../messages/schemas.js';
import { toOutgoingContent } from '../../messages/to-content.js';
import { wrongState } from '../../sessions/session-errors.js';
import type { SessionManager } from '../../sessions/types.js';
import { ensureOnWhatsApp } from '../../whatsapp/numbers.js';
import { runnerFor } from '../../whatsapp/runner.js';
import { requireJsonBody } from '../json-body.js';
import { parseSessionId } from '../session-id.js';

export interface MessagesRouterDeps {
  manager: Pick<SessionManager, 'sendMessage' | 'get' | 'runOnReady'>;
  /** Downloads `media.url`; built from `limits` when not given. */
  fetchMedia?: MediaFetcher;
  limits: {
    /** Largest media file, decoded, from a URL or base64. */
    maxMediaBytes: number;
    /** Whole download of `media.url`. */
    mediaTimeoutMs: number;
  };
}

/**
 * `POST /sessions/:id/messages` → 201 `{ id }`. Expects the app's JSON body parser in front of it,
 * with a limit that fits base64 media. A phone number WhatsApp does not know answers 422
 * `not_on_whatsapp`. The manager's own errors (409 `session_not_ready` with the
 * state, 504 on a browser timeout) go through unchanged.
 */
export const createMessagesRouter = (deps: MessagesRouterDeps): Router => {
  const fetchMedia =
    deps.fetchMedia ??
    createMediaFetcher({ maxBytes: deps.limits.maxMediaBytes, timeoutMs: deps.limits.mediaTimeoutMs });
  const router = Router();

  router.post('/sessions/:id/messages', requireJsonBody, async (req, res) => {
    // Id and body are checked before a media download starts, so a bad request costs nothing.
    const id = parseSessionId(req.params.id);
    const body = parseSendMessageBody(req.body);
    // The session is checked before anything is downloaded: a request for a session that does not
    // exist or cannot send must not make this server fetch a URL on the client's behalf. sendMessage
    // checks again, as the state may change during the download.
    const { state } = deps.manager.get(id);
    if (state !== 'READY') {
      throw wrongState('session_not_ready', `Session "${id}" is ${state}, not READY.`, state);
    }
    // Before a media download: a number WhatsApp does not know is a 422, not a silent loss.
    const chatId = await ensureOnWhatsApp(runnerFor(deps.manager, id), body.to);
    const content = await toOutgoingContent(body, { fetchMedia, maxMediaBytes: deps.limits.maxMediaBytes });
    const sent = await deps.manager.sendMessage(
      id,
      chatId,
      content,
      body.replyTo === undefined ? {} : { quotedMessageId: body.replyTo },
    );
    res.status(201).json({ id: sent.id });
  });

  return router;
};
