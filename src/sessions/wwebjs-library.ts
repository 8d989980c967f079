import type wwebjs from 'whatsapp-web.js';
import type { createSessionAuth } from './auth-strategy.js';

/** What a session needs from whatsapp-web.js, and the auth strategies built on it. */
export interface WwebjsLibrary {
  readonly Client: typeof wwebjs.Client;
  readonly MessageMedia: typeof wwebjs.MessageMedia;
  readonly Location: typeof wwebjs.Location;
  readonly createSessionAuth: typeof createSessionAuth;
}

let loading: Promise<WwebjsLibrary> | null = null;

/**
 * whatsapp-web.js with puppeteer and the rest it requires (src/whatsapp/wwebjs-lib.ts: the classes
 * a session runs on, without the index's archiver and unzipper) costs the server ~20 MiB RSS
 * (~10 MiB of V8 heap) once imported (`npm run bench -- --only heap`), so it is imported
 * when the first session starts, not at server start: a server with no session never holds it.
 * Imported once; a failed import (a broken install) is tried again by the next session.
 */
export const loadWwebjs = (): Promise<WwebjsLibrary> => {
  loading ??= Promise.all([import('../whatsapp/wwebjs-lib.js'), import('./auth-strategy.js')]).then(
    ([library, auth]) => ({
      Client: library.Client,
      MessageMedia: library.MessageMedia,
      Location: library.Location,
      createSessionAuth: auth.createSessionAuth,
    }),
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
};
