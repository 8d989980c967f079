import { Webhook } from 'standardwebhooks';

export interface WebhookSigner {
  readonly signed: boolean;
  /** The Standard Webhooks headers for one attempt; `id` stays the same across retries of one event. */
  headers(id: string, at: Date, body: string): Record<string, string>;
}

/**
 * WEBHOOK_SECRET is taken exactly as the Standard Webhooks libraries take it: base64, optionally
 * prefixed with `whsec_`. A string they cannot decode is rejected by config.ts rather than silently
 * turned into some other key, because the receiver verifies with the same library and the same
 * string: any transformation of ours would make every signature fail on their side, far from the
 * cause. The value itself never appears in the message.
 */
export const createWebhookSigner = (secret: string | undefined): WebhookSigner => {
  if (secret === undefined) {
    return { signed: false, headers: (id, at) => baseHeaders(id, at) };
  }
  // config.ts checked that the library can decode it.
  const webhook = new Webhook(secret);
  return {
    signed: true,
    headers: (id, at, body) => ({ ...baseHeaders(id, at), 'webhook-signature': webhook.sign(id, at, body) }),
  };
};

const baseHeaders = (id: string, at: Date): Record<string, string> => ({
  'webhook-id': id,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
});
