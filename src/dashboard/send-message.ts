import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { type Api, ApiError } from './api.js';
import type { FailedAction } from './problem-alert.js';

/** A test text to a number, through the session (only when it is READY). */
export const SendMessage = (props: {
  api: Api;
  sessionId: string;
  ready: boolean;
  onFailure: (failure: FailedAction) => void;
}) => {
  const [to, setTo] = useState('');
  const [text, setText] = useState('Hello from wa-sessions');
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setSent(null);
    try {
      const answer = await props.api.call<{ id: string }>(
        'POST',
        `sessions/${encodeURIComponent(props.sessionId)}/messages`,
        { to, text },
      );
      setSent(`Sent to ${to} (message ${answer?.id ?? '?'})`);
    } catch (err) {
      if (err instanceof ApiError) {
        props.onFailure({ action: `Send a message from ${props.sessionId}`, problem: err.problem });
      }
    }
    setBusy(false);
  };

  return html`<section aria-labelledby="send-title">
    <h3 id="send-title">Send a test message</h3>
    ${props.ready ? '' : html`<p class="muted">The session must be Ready to send.</p>`}
    <form class="stack" onSubmit=${submit}>
      <label for="send-to">To (a number with its country code)</label>
      <input
        id="send-to"
        type="tel"
        required
        autocomplete="off"
        placeholder="+55 11 91234-5678"
        value=${to}
        onInput=${(e: Event) => setTo((e.currentTarget as HTMLInputElement).value)}
      />
      <label for="send-text">Text</label>
      <textarea
        id="send-text"
        required
        rows="2"
        value=${text}
        onInput=${(e: Event) => setText((e.currentTarget as HTMLTextAreaElement).value)}
      ></textarea>
      <button type="submit" disabled=${busy || !props.ready}>Send</button>
    </form>
    <p role="status">${sent ?? ''}</p>
  </section>`;
};
