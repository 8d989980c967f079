import { type LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { Agent } from 'undici';
import { appError } from '../error-catalog.js';
import { AppError } from '../errors.js';

/**
 * Addresses a media URL given by an API client must not reach: this host, the private networks
 * behind it, link-local (cloud metadata at 169.254.169.254), and the reserved ranges.
 */
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

/** True for an address on the public internet. An IPv4-mapped IPv6 address is judged as IPv4. */
export const isPublicAddress = (address: string): boolean => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return !internal.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return !internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

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
export const createGuardedFetch = (deps: { allowAddress?: (address: string) => boolean } = {}) => {
  const allow = deps.allowAddress ?? isPublicAddress;
  // undici is loaded with the first media download: most servers send text only (about 3.5 MiB of
  // heap and 19 MiB of RSS when loaded).
  let agent: Promise<Agent> | undefined;
  const makeAgent = async (): Promise<Agent> => {
    const { Agent } = await import('undici');
    return new Agent({
      connect: {
        lookup: (hostname, options, callback) => {
          lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
            if (err) return callback(err, '', 0);
            const usable = addresses.filter((a) => allow(a.address));
            const first = usable[0];
            if (first === undefined || usable.length !== addresses.length) {
              return callback(forbiddenMediaUrl(), '', 0);
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
  };

  const guardedFetch = async (input: URL | string, init: RequestInit = {}): Promise<Response> => {
    let url = new URL(input);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0 && !allow(host)) throw forbiddenMediaUrl();
      let response: Response;
      try {
        agent ??= makeAgent();
        const dispatcher = await agent;
        response = await fetch(url, { ...init, redirect: 'manual', dispatcher } as RequestInit);
      } catch (err) {
        // undici wraps the lookup's error: surface the refusal as such.
        if (err instanceof Error && err.cause instanceof AppError) throw err.cause;
        throw err;
      }
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      url = new URL(location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw forbiddenMediaUrl();
    }
    throw appError('media_fetch_failed', `The media URL redirected more than ${MAX_REDIRECTS} times`);
  };
  return Object.assign(guardedFetch, {
    close: async (): Promise<void> => {
      if (agent !== undefined) await (await agent).close();
    },
  });
};
