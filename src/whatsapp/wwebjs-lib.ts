import { createRequire } from 'node:module';
import type WAWebJS from 'whatsapp-web.js';

const load = createRequire(import.meta.url);

/*
 * The parts of whatsapp-web.js (pinned at 1.34.7) a session runs on, each from its own file. The
 * package's index also requires RemoteAuth, which loads archiver, unzipper and fs-extra at once:
 * ~140 ms of a server's start (the restore timeline, `npm run bench -- --only restore`) and their
 * memory, for cluster mode only (src/cluster/remote-auth.ts loads them itself, only there).
 * test/sessions/wwebjs-lib.test.ts proves these are the index's own classes.
 */
export const Client = load('whatsapp-web.js/src/Client.js') as typeof WAWebJS.Client;
export const LocalAuth = load('whatsapp-web.js/src/authStrategies/LocalAuth.js') as typeof WAWebJS.LocalAuth;
export const MessageMedia = load(
  'whatsapp-web.js/src/structures/MessageMedia.js',
) as typeof WAWebJS.MessageMedia;
export const Location = load('whatsapp-web.js/src/structures/Location.js') as typeof WAWebJS.Location;
