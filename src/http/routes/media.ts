import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import type { SessionManager } from '../../sessions/types.js';
import { parseMessageId } from '../../whatsapp/ids.js';
import { downloadMedia, type MediaLimits } from '../../whatsapp/media.js';
import { runnerFor } from '../../whatsapp/runner.js';
import { parseSessionId, sessionIdParam } from '../session-id.js';

const CHUNK = 64 * 1024;
// A contact chooses the mimetype: only a plain type/subtype (with parameters) goes into the header.
const SAFE_TYPE = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*(\s*;\s*[a-z0-9-]+=[a-z0-9.+-]+)*$/i;

function* chunks(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
}

/**
 * `GET /sessions/:id/messages/:messageId/media`: the file of a received message, with its content
 * type, always as an attachment (a contact picks the type: a browser must not render it as ours).
 */
export const createMediaRouter = (deps: {
  manager: Pick<SessionManager, 'runOnReady'>;
  limits: MediaLimits;
}): Router => {
  const router = Router();
  router.param('id', sessionIdParam);
  router.get('/sessions/:id/messages/:messageId/media', async (req, res) => {
    const id = parseSessionId(req.params.id);
    const messageId = parseMessageId(req.params.messageId);
    const file = await downloadMedia(runnerFor(deps.manager, id), messageId, deps.limits);
    res.status(200);
    res.type(SAFE_TYPE.test(file.mimetype) ? file.mimetype : 'application/octet-stream');
    res.set('Content-Length', String(file.bytes.length));
    res.set('Cache-Control', 'private, no-store');
    res.attachment(file.filename ?? undefined);
    try {
      await pipeline(Readable.from(chunks(file.bytes)), res);
    } catch {
      // The client went away mid-file: nothing to answer any more.
    }
  });
  return router;
};
