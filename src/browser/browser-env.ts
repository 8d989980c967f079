/**
 * The environment a session's Chromium gets: only what it needs to find its libraries, fonts,
 * locale, time zone and a home for its caches. Renderers parse content any WhatsApp user can send;
 * a compromised one must not find API_KEY, WEBHOOK_SECRET, DATABASE_URL or anything else the
 * server was given, so everything not on this list is left out (an allow-list, not a deny-list).
 */
const exactNames: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'LANG',
  'LANGUAGE',
  'TZ',
]);
const prefixes: readonly string[] = ['LC_', 'XDG_', 'FONTCONFIG_'];

export const isBrowserEnvName = (name: string): boolean =>
  exactNames.has(name) || prefixes.some((prefix) => name.startsWith(prefix));

export const pickBrowserEnv = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isBrowserEnvName(name)) picked[name] = value;
  }
  return picked;
};
