import type { Server } from 'node:http';
import { reapOrphans } from '../browser/orphans.js';
import type { Config } from '../config.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { fail } from './fail.js';
import type { Sessions } from './sessions.js';

const listenOn = (server: Server, config: Config): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** Kills the browsers an earlier run left, then listens; a port that cannot be had exits 1. */
export const listen = async (deps: {
  config: Config;
  logger: Logger;
  http: Server;
  reaping: Sessions['reaping'];
}): Promise<void> => {
  const { config, logger, http, reaping } = deps;
  // Before the first request: a session created now must not be taken for an orphan and killed.
  await reapOrphans({ ...reaping, killWaitMs: 5000 });
  try {
    await listenOn(http, config);
  } catch (err) {
    fail(`Cannot listen on ${config.HOST}:${config.PORT} (PORT, HOST): ${toError(err).message}`);
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ host: config.HOST, port }, `wa-sessions listening on http://${config.HOST}:${port}`);
};
