import { html, render } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { createApi } from './api.js';
import { DashboardView } from './dashboard-view.js';
import { forgetKey, loadKey, saveKey } from './key-store.js';
import { SignIn } from './sign-in.js';

const App = () => {
  const [key, setKey] = useState<string | null>(loadKey);
  const [reason, setReason] = useState<string | null>(null);
  const api = useMemo(() => (key === null ? null : createApi(key)), [key]);

  const signOut = (why: string | null) => {
    forgetKey();
    setKey(null);
    setReason(why);
  };

  if (api === null) {
    return html`<${SignIn}
      reason=${reason}
      onSignedIn=${(signedIn: string) => {
        saveKey(signedIn);
        setReason(null);
        setKey(signedIn);
      }}
    />`;
  }
  return html`<${DashboardView}
    api=${api}
    onSignOut=${() => signOut('Signed out: the key is forgotten.')}
    onUnauthorized=${() => signOut('The server refused the key (it may have changed): sign in again.')}
  />`;
};

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
