import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY (as config.ts parsed it) compiled once, the way Express compiles `trust proxy`: given to
 * Express as the function itself, and used by the fast lane, so both resolve the same client address.
 */
export const compileTrust = (value: boolean | number | string): TrustFunction => {
  if (value === true) return () => true;
  if (value === false) return () => false;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return proxyAddr.compile(value.split(',').map((part) => part.trim()));
};

/** What Express's `req.ip` answers: the socket's address, or a forwarded one the trusted hops vouch for. */
export const clientAddress = (req: IncomingMessage, trust: TrustFunction): string => proxyAddr(req, trust);
