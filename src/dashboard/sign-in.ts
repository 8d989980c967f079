import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, createApi } from './api.js';
import type { Problem } from './types.js';

/** Checks the key with one authenticated call before keeping it. */
export const SignIn = (props: { onSignedIn: (key: string) => void; reason: string | null }) => {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') return;
    setBusy(true);
    setProblem(null);
    try {
      await createApi(trimmed).call('GET', 'sessions');
      props.onSignedIn(trimmed);
    } catch (err) {
      setProblem(err instanceof ApiError ? err.problem : { status: 0, title: 'Error', detail: String(err) });
      setBusy(false);
    }
  };

  return html`<main class="sign-in">
    <h1>wa-sessions</h1>
    <form onSubmit=${submit}>
      <h2>Sign in</h2>
      ${props.reason ? html`<p class="notice" role="status">${props.reason}</p>` : ''}
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autocomplete="off"
        spellcheck=${false}
        required
        value=${key}
        onInput=${(e: Event) => setKey((e.currentTarget as HTMLInputElement).value)}
        aria-describedby="api-key-help"
      />
      <p id="api-key-help" class="muted">
        The server prints its key once, on its first start (or set it with API_KEY). It is kept in
        this tab only, sent as a header, and forgotten when you sign out.
      </p>
      <div role="alert">
        ${
          problem === null
            ? ''
            : html`<div class="problem">
                <p><strong>${problem.status === 401 ? 'That key was refused' : problem.title}</strong>${
                  problem.status > 0 ? ` (HTTP ${problem.status})` : ''
                }</p>
                ${problem.detail ? html`<p>${problem.detail}</p>` : ''}
              </div>`
        }
      </div>
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
};
