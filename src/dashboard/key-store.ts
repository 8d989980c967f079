/**
 * The API key for this tab only: sessionStorage survives a reload but not the tab, and is never sent
 * anywhere by the browser (unlike a cookie). Signing out removes it. The page's CSP allows no script
 * but its own, which is what keeps other scripts from reading it.
 */
const NAME = 'wa-sessions.apiKey';

export const loadKey = (): string | null => {
  try {
    return sessionStorage.getItem(NAME);
  } catch {
    return null;
  }
};

export const saveKey = (key: string): void => {
  try {
    sessionStorage.setItem(NAME, key);
  } catch {
    // Storage disabled: the key lives in memory only, and a reload asks for it again.
  }
};

export const forgetKey = (): void => {
  try {
    sessionStorage.removeItem(NAME);
  } catch {
    // Nothing was stored.
  }
};
