// The setting is read and checked by config.ts, the one gate; re-exported for the HTTP layer's readers.
export { parseTrustProxy } from '../config.js';
