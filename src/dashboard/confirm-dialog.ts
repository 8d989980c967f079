import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';

export interface Confirmation {
  title: string;
  body: string;
  confirmLabel: string;
  run: () => void;
}

/**
 * A modal <dialog>: the browser keeps focus inside it, Escape cancels, and focus returns to the
 * button that opened it. Cancel has the focus first, so Enter never destroys anything by accident.
 */
export const ConfirmDialog = (props: { confirmation: Confirmation; onClose: () => void }) => {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const { confirmation } = props;
  return html`<dialog ref=${ref} aria-labelledby="confirm-title" aria-describedby="confirm-body" onClose=${props.onClose}>
    <h2 id="confirm-title">${confirmation.title}</h2>
    <p id="confirm-body">${confirmation.body}</p>
    <div class="buttons">
      <button type="button" autofocus onClick=${props.onClose}>Cancel</button>
      <button
        type="button"
        class="danger"
        onClick=${() => {
          confirmation.run();
          props.onClose();
        }}
      >${confirmation.confirmLabel}</button>
    </div>
  </dialog>`;
};
