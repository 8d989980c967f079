import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

/** The same rule the server applies; it still checks, this only saves a round trip. */
const ID_PATTERN = '[A-Za-z0-9_\\-]{1,64}';

export const CreateSession = (props: { onCreate: (id: string) => Promise<boolean> }) => {
  const [id, setId] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (id === '') return;
    setBusy(true);
    if (await props.onCreate(id)) setId('');
    setBusy(false);
  };
  return html`<form class="inline" onSubmit=${submit}>
    <label for="new-session">New session id</label>
    <input
      id="new-session"
      required
      pattern=${ID_PATTERN}
      maxlength="64"
      autocomplete="off"
      spellcheck=${false}
      aria-describedby="new-session-help"
      value=${id}
      onInput=${(e: Event) => setId((e.currentTarget as HTMLInputElement).value)}
    />
    <button type="submit" disabled=${busy}>Create</button>
    <p id="new-session-help" class="muted">Letters, digits, - and _, up to 64.</p>
  </form>`;
};
