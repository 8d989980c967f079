import { type LookupAddress, lookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Agent } from 'undici';
import { appError } from '../error-catalog.js';
import { AppError } from '../errors.js';
import { isPublicAddress } from './public-address.js';

export { isPublicAddress } from './public-address.js';

export const forbiddenMediaUrl = (): AppError =>
  appError('media_url_forbidden', 'The media URL points to a private or local address', {
    details: { errors: [{ path: 'body.media.url', message: 'must point to a public address' }] },
  });

const MAX_REDIRECTS = 5;

/**
 * A fetch for URLs that API clients choose (server-side request forgery guard). Every connection's
 * address is checked where it is made — in the DNS lookup of the connection itself, so a name that
 * resolves to a public address when checked and a private one when used (DNS rebinding) cannot slip
 * through — and every redirect is followed by hand, so that an IP literal in a Location is checked too.
 */
export const createGuardedFetch = (
  deps: {
    allowAddress?: (address: string) => boolean;
    /** The refusal, named for what the URL was given for (media, a webhook). */
    forbidden?: () => AppError;
  } = {},
) => {
  const allow = deps.allowAddress ?? isPublicAddress;
  const forbidden = deps.forbidden ?? forbiddenMediaUrl;
  const makeAgent = (Undici: typeof Agent): Agent =>
    new Undici({
      connect: {
        lookup: (hostname, options, callback) => {
          lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
            if (err) return callback(err, '', 0);
            const usable = addresses.filter((a) => allow(a.address));
            const first = usable[0];
            if (first === undefined || usable.length !== addresses.length) {
              return callback(forbidden(), '', 0);
            }
            // net.connect asks for every address (`all`) when it races IPv4 and IPv6; its callback then
            // takes the list, which Node's LookupFunction type does not describe.
            if ((options as { all?: boolean }).all) {
              (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
              return;
            }
            callback(null, first.address, first.family);
          });
        },
      },
    });
  // undici (~6 MiB RSS, `npm run bench -- --only heap`) is imported at the first fetch, not at start:
  // a server that never sends a webhook or fetches media never holds it.
  let agent: Promise<Agent> | null = null;
  const agentNow = (): Promise<Agent> => {
    agent ??= import('undici').then(
      (undici) => makeAgent(undici.Agent),
      (err: unknown) => {
        agent = null;
        throw err;
      },
    );
    return agent;
  };

  const guardedFetch = async (input: URL | string, init: RequestInit = {}): Promise<Response> => {
    let url = new URL(input);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0 && !allow(host)) throw forbidden();
      let response: Response;
      try {
        const dispatcher = await agentNow();
        response = await fetch(url, { ...init, redirect: 'manual', dispatcher } as RequestInit);
      } catch (err) {
        // undici wraps the lookup's error: surface the refusal as such.
        if (err instanceof Error && err.cause instanceof AppError) throw err.cause;
        throw err;
      }
      // A caller that handles redirects itself (a signed webhook POST is never re-sent elsewhere).
      if (init.redirect === 'manual') return response;
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      url = new URL(location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw forbidden();
    }
    throw appError('media_fetch_failed', `The media URL redirected more than ${MAX_REDIRECTS} times`);
  };
  return Object.assign(guardedFetch, {
    // Never loaded: nothing to close; a failed load left nothing either.
    close: async (): Promise<void> =>
      agent?.then(
        (a) => a.close(),
        () => undefined,
      ),
  });
};
