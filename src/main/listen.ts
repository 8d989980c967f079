import type { Server } from 'node:http';
import { reapOrphans } from '../browser/orphans.js';
import type { Config } from '../config.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Sessions } from './sessions.js';

const listenOn = (server: Server, config: Config): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });

/**
 * Kills the browsers an earlier run left on our profiles. Before any session starts (restore, or a
 * request): a session's own browser must not be taken for an orphan and killed.
 */
export const reapLeftBrowsers = (reaping: Sessions['reaping']): Promise<void> =>
  reapOrphans({ ...reaping, killWaitMs: 5000 }).then(() => undefined);

/**
 * Listens. A port that cannot be had resolves with the operator's message: sessions may be starting
 * already, so the caller shuts them down before it exits 1.
 */
export const listen = async (deps: {
  config: Config;
  logger: Logger;
  http: Server;
}): Promise<string | null> => {
  const { config, logger, http } = deps;
  try {
    await listenOn(http, config);
  } catch (err) {
    return `Cannot listen on ${config.HOST}:${config.PORT} (PORT, HOST): ${toError(err).message}`;
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, `wa-sessions listening on http://${config.HOST}:${port}`);
  return null;
};
