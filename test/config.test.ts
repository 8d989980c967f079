import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

// Moved here from test/events/webhook-backoff.test.ts: config.ts is now the one gate for these settings.
describe('config: the webhook settings', () => {
  it('refuses a secret the Standard Webhooks libraries cannot decode, naming WEBHOOK_SECRET and not the value', () => {
    const make = (value: string) => () => loadConfig({ WEBHOOK_SECRET: value });
    expect(make('not base64!')).toThrow(ConfigError);
    expect(make('not base64!')).toThrow(/WEBHOOK_SECRET/);
    expect(make('not base64!')).not.toThrow(/not base64!/);
    expect(make(secret)).not.toThrow();
    expect(make(secret.slice('whsec_'.length))).not.toThrow();
  });

  it('refuses a WEBHOOK_URL with credentials in it', () => {
    expect(() => loadConfig({ WEBHOOK_URL: 'https://u:p@a.example.com/', WEBHOOK_SECRET: secret })).toThrow(
      /WEBHOOK_URL/,
    );
  });
});
