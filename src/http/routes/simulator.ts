import { type Request, Router } from 'express';
import { z } from 'zod';
import { isAppError } from '../../errors.js';
import { isLogout } from '../../sessions/disconnect-policy.js';
import { wrongState } from '../../sessions/session-errors.js';
import type { SessionManager } from '../../sessions/types.js';
import { createSimulatorDriver, type SimulatorDriver } from '../../simulator/driver.js';
import { requireJsonBody } from '../json-body.js';
import { parseSessionId, sessionIdParam } from '../session-id.js';
import { parseBody } from '../validate.js';

export const scanSchema = z
  .strictObject({
    phone: z
      .string()
      .regex(/^\d{7,15}$/, { message: 'accepts 7 to 15 digits with the country code' })
      .optional(),
    pushname: z.string().min(1).max(64).optional(),
  })
  .optional();

export const messageSchema = z.strictObject({
  from: z.string().regex(/^\d{7,15}$/, { message: 'accepts 7 to 15 digits with the country code' }),
  body: z.string().min(1, { message: 'accepts a non-empty text' }).max(65_536),
});

export const stateSchema = z.strictObject({
  state: z.enum(
    ['CONNECTED', 'CONFLICT', 'TOS_BLOCK', 'SMB_TOS_BLOCK', 'UNPAIRED', 'UNPAIRED_IDLE', 'TIMEOUT'],
    {
      message: 'accepts CONNECTED, CONFLICT, TOS_BLOCK, SMB_TOS_BLOCK, UNPAIRED, UNPAIRED_IDLE or TIMEOUT',
    },
  ),
});

export const codeSchema = z.strictObject({ code: z.string().min(1).max(16) });

export const ackSchema = z.strictObject({
  messageId: z.string().min(1).max(256),
  ack: z.number().int().min(-1).max(4),
});

/**
 * Sandbox mode (SIMULATOR=true): routes that play the phone and WhatsApp's servers for a session, so
 * a whole integration can be built and tested without a phone. Mounted only in sandbox mode: outside
 * it, these paths do not exist (404).
 */
export const createSimulatorRouter = (deps: { manager: Pick<SessionManager, 'page' | 'get'> }): Router => {
  const router = Router();
  router.param('id', sessionIdParam);
  /** The session took the LOGOUT: DISCONNECTED with that reason, or already cleaned up and gone. */
  const sawLogout = (id: string): boolean => {
    try {
      const session = deps.manager.get(id);
      return isLogout(session.reason) || session.state === 'CLOSING';
    } catch (err) {
      return isAppError(err) && err.code === 'session_not_found';
    }
  };
  /**
   * Runs `work` on the session's page. A call that fails because a teardown (stop, DELETE, CONFLICT,
   * a killed browser) closed the page under it ("Target closed") is not the simulator's fault: it
   * answers as every other route does, 409 with the session's state (404 when it is gone).
   */
  const withDriver = async <T>(req: Request, work: (driver: SimulatorDriver) => Promise<T>): Promise<T> => {
    const id = parseSessionId(req.params.id);
    const page = deps.manager.page(id);
    try {
      return await work(createSimulatorDriver(page));
    } catch (err) {
      // Throws the 409 (no browser, with the state) or the 404 itself when the page is gone.
      if (deps.manager.page(id) !== page) {
        const { state } = deps.manager.get(id);
        throw wrongState('no_browser', `Session "${id}" has a new browser (it is ${state}).`, state);
      }
      throw err;
    }
  };

  router.get('/sessions/:id/simulator', async (req, res) => {
    res.json(await withDriver(req, (d) => d.status()));
  });
  router.post('/sessions/:id/simulator/scan', requireJsonBody, async (req, res) => {
    const body = parseBody(scanSchema, req) ?? {};
    await withDriver(req, (d) => d.scan(body));
    res.json({ scanned: true });
  });
  router.post('/sessions/:id/simulator/qr/rotate', async (req, res) => {
    res.json({ ref: await withDriver(req, (d) => d.rotateQr()) });
  });
  router.post('/sessions/:id/simulator/pairing-code/confirm', requireJsonBody, async (req, res) => {
    const { code } = parseBody(codeSchema, req);
    await withDriver(req, (d) => d.confirmPairingCode(code));
    res.json({ confirmed: true });
  });
  router.post('/sessions/:id/simulator/messages', requireJsonBody, async (req, res) => {
    const { from, body } = parseBody(messageSchema, req);
    res.status(201).json({ id: await withDriver(req, (d) => d.incomingMessage({ from, body })) });
  });
  router.get('/sessions/:id/simulator/outbox', async (req, res) => {
    res.json({ messages: await withDriver(req, (d) => d.outbox()) });
  });
  router.post('/sessions/:id/simulator/ack', requireJsonBody, async (req, res) => {
    const { messageId, ack } = parseBody(ackSchema, req);
    await withDriver(req, (d) => d.setAck(messageId, ack));
    res.json({ acked: true });
  });
  router.post('/sessions/:id/simulator/logout', async (req, res) => {
    const id = parseSessionId(req.params.id);
    try {
      await withDriver(req, (d) => d.logout());
    } catch (err) {
      // The driver waits for the page to load again after the unlink; with a short
      // LOGOUT_CLEANUP_DELAY_MS the server may tear the browser down first. The unlink happened
      // all the same when the session saw it.
      if (!sawLogout(id)) throw err;
    }
    res.json({ loggedOut: true });
  });
  router.post('/sessions/:id/simulator/state', requireJsonBody, async (req, res) => {
    const { state } = parseBody(stateSchema, req);
    await withDriver(req, (d) => d.setState(state));
    res.json({ state });
  });
  return router;
};
