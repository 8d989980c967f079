/**
 * Turns the TRUST_PROXY setting into the value Express's `trust proxy` expects: `true`/`false`, a hop
 * count, or a (comma-separated) list of addresses, subnets and names such as `loopback`. Express would
 * read the strings 'true', 'false' and '1' as address lists, trusting nothing or failing, so they are
 * converted here.
 */
export const parseTrustProxy = (value: string): boolean | number | string => {
  const trimmed = value.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false' || trimmed === '') return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(',');
};
