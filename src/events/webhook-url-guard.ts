import { type LookupAddress, lookup } from 'node:dns';
import { isIP } from 'node:net';
import { appError } from '../error-catalog.js';
import { AppError } from '../errors.js';
import { createGuardedFetch } from '../messages/guarded-fetch.js';
import { isPublicAddress } from '../messages/public-address.js';

export const WEBHOOK_URL_FORBIDDEN = 'webhook_url_forbidden' as const;

export const forbiddenWebhookUrl = (): AppError =>
  appError(WEBHOOK_URL_FORBIDDEN, 'The webhook URL points to a private or local address', {
    details: { errors: [{ path: 'body.webhook.url', message: 'must point to a public address' }] },
  });

export interface WebhookUrlGuardDeps {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: every address is allowed. */
  allowPrivate: boolean;
  allowAddress?: (address: string) => boolean;
  /** Bound of the name lookup made when a session's webhook is set. */
  lookupTimeoutMs?: number;
}

const lookupAll = (hostname: string, timeoutMs: number): Promise<LookupAddress[] | null> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    lookup(hostname, { all: true }, (err, addresses) => {
      clearTimeout(timer);
      resolve(err ? null : addresses);
    });
  });

/**
 * The check made when a session's webhook is set (`POST /sessions/:id`): an IP literal, or a name
 * any of whose addresses, is refused with 400 `webhook_url_forbidden` unless public. It is early
 * feedback only: a name can resolve elsewhere later (DNS rebinding), so every delivery is checked
 * again by the connection's own lookup (createWebhookFetch). A name that does not resolve now is
 * let through for the same reason; its deliveries fail until it does, and are refused if it then
 * resolves to a private address.
 */
export const createWebhookUrlCheck = (deps: WebhookUrlGuardDeps) => {
  const allow = deps.allowAddress ?? isPublicAddress;
  const timeoutMs = deps.lookupTimeoutMs ?? 5000;
  return async (url: string): Promise<void> => {
    if (deps.allowPrivate) return;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      if (!allow(host)) throw forbiddenWebhookUrl();
      return;
    }
    const addresses = await lookupAll(host, timeoutMs);
    if (addresses?.some((a) => !allow(a.address))) throw forbiddenWebhookUrl();
  };
};

export type WebhookFetch = typeof fetch & { close(): Promise<void> };

const sameUrl = (a: string | URL, b: string): boolean => {
  try {
    return new URL(a).toString() === new URL(b).toString();
  } catch {
    return false;
  }
};

/**
 * How one webhook delivery is made. The operator's own WEBHOOK_URL (set in the environment, so
 * trusted, and often a receiver on the same host or network) goes out with plain fetch; every other
 * URL is a session's webhook, chosen by an API client, and goes through the connect-time guard that
 * media downloads use: the address is checked in the connection's own DNS lookup, so a name that
 * resolved to a public address when the webhook was set cannot be pointed inward later.
 */
export const createWebhookFetch = (
  deps: WebhookUrlGuardDeps & { globalUrl: string | undefined; plainFetch?: typeof fetch },
): WebhookFetch => {
  const plain = deps.plainFetch ?? globalThis.fetch;
  const guarded = createGuardedFetch({
    allowAddress: deps.allowPrivate ? () => true : (deps.allowAddress ?? isPublicAddress),
    forbidden: forbiddenWebhookUrl,
  });
  const { globalUrl } = deps;
  const send = (input: Parameters<typeof fetch>[0], init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === 'string' || input instanceof URL ? input : input.url;
    return globalUrl !== undefined && sameUrl(url, globalUrl) ? plain(url, init) : guarded(url, init);
  };
  return Object.assign(send, { close: () => guarded.close() });
};

/** True when a delivery was refused by the guard: not worth a retry, the address will not change. */
export const isForbiddenWebhook = (err: unknown): boolean =>
  err instanceof AppError && err.code === WEBHOOK_URL_FORBIDDEN;
