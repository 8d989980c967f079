import { type Config, ConfigError, loadConfig } from '../config.js';
import { fail } from './fail.js';

const USAGE = `wa-sessions: a REST API server for many WhatsApp Web sessions.

Usage: npm start            (or: node dist/main.js)
       node dist/main.js --help

Every setting comes from the environment (or a .env file); see .env.example and README.md.
The most used: PORT (3000), DATA_DIR (./data), API_KEY, CHROME_PATH, SIMULATOR (false).`;

/** The configuration, or null when --help was asked (the usage is printed). */
export const parseConfig = (): Config | null => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
};
