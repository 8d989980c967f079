import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { type Api, ApiError } from './api.js';
import type { FailedAction } from './problem-alert.js';

/**
 * Linking a phone: the QR, large, fetched again whenever WhatsApp rotates it (`qrVersion` is the id
 * of the session's latest `session.qr` event); or a pairing code for a phone number.
 */
export const LinkPanel = (props: {
  api: Api;
  sessionId: string;
  qrVersion: string | null;
  onFailure: (failure: FailedAction) => void;
}) => {
  const { api, sessionId } = props;
  const [qr, setQr] = useState<{ dataUrl: string; at: string } | null>(null);
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api
      .call<{ dataUrl: string; at: string }>('GET', `sessions/${encodeURIComponent(sessionId)}/qr`)
      .then((answer) => {
        if (current) setQr(answer);
      })
      .catch((err: unknown) => {
        // 409: no QR pending yet (still starting) or any more (linking): the next event brings one.
        if (current && !(err instanceof ApiError && err.problem.status === 409)) {
          if (err instanceof ApiError)
            props.onFailure({ action: `QR of ${sessionId}`, problem: err.problem });
        }
      });
    return () => {
      current = false;
    };
  }, [sessionId, props.qrVersion]);

  const requestCode = async (event: Event) => {
    event.preventDefault();
    setCode(null);
    try {
      const answer = await api.call<{ code: string }>(
        'POST',
        `sessions/${encodeURIComponent(sessionId)}/pairing-code`,
        { phoneNumber: phone },
      );
      setCode(answer?.code ?? null);
    } catch (err) {
      if (err instanceof ApiError) {
        props.onFailure({ action: `Pairing code for ${sessionId}`, problem: err.problem });
      }
    }
  };

  return html`<section class="link" aria-labelledby="link-title">
    <h3 id="link-title">Link a phone</h3>
    <p>
      On the phone: WhatsApp → <em>Settings → Linked devices → Link a device</em>, then scan this
      code. It changes by itself when WhatsApp renews it.
    </p>
    ${
      qr === null
        ? html`<p class="qr-wait" role="status">Waiting for the QR code…</p>`
        : html`<img
            class="qr"
            src=${qr.dataUrl}
            width="320"
            height="320"
            alt=${`QR code to link session ${sessionId}`}
            data-at=${qr.at}
          />`
    }
    <form class="inline" onSubmit=${requestCode}>
      <label for="pair-phone">Or link with a phone number</label>
      <input
        id="pair-phone"
        type="tel"
        required
        autocomplete="off"
        placeholder="+55 11 91234-5678"
        value=${phone}
        onInput=${(e: Event) => setPhone((e.currentTarget as HTMLInputElement).value)}
      />
      <button type="submit">Get a pairing code</button>
    </form>
    ${
      code === null
        ? ''
        : html`<p role="status">
            Enter this code on the phone (<em>Link with phone number instead</em>):
            <output class="pairing-code">${code}</output>
          </p>`
    }
  </section>`;
};
