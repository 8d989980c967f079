import { apiKeyFingerprint, apiKeyStrength, MIN_API_KEY_LENGTH, resolveApiKey } from '../api-key.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { fail } from './fail.js';

/** The API key every route but /health/* requires; a key refused for this HOST exits 1. */
export const loadApiKey = async (config: Config, logger: Logger): Promise<string> => {
  const apiKey = await resolveApiKey({
    configured: config.API_KEY,
    dataDir: config.dataDir,
    write: (text) => process.stderr.write(text),
  });
  const strength = apiKeyStrength(apiKey.key, config.HOST);
  if (strength.verdict === 'refused') fail(strength.message);
  if (strength.verdict === 'weak') logger.warn({ minLength: MIN_API_KEY_LENGTH }, strength.message);
  logger.info(
    { source: apiKey.source, generated: apiKey.generated, fingerprint: apiKeyFingerprint(apiKey.key) },
    'Every route but /health/* requires the API key',
  );
  return apiKey.key;
};
