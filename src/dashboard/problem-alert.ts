import { html } from 'htm/preact';
import type { Problem } from './types.js';

export interface FailedAction {
  /** What was tried, e.g. "Stop shop". */
  action: string;
  problem: Problem;
}

/** A failed action, as the server worded it (problem+json title and detail), until dismissed. */
export const ProblemAlert = (props: { failure: FailedAction | null; onDismiss: () => void }) => {
  const { failure } = props;
  if (failure === null) return html`<div role="alert" class="alert-slot"></div>`;
  const { problem } = failure;
  return html`<div role="alert" class="alert-slot">
    <div class="problem">
      <p><strong>${failure.action} failed: ${problem.title}</strong>${
        problem.status > 0
          ? html` <span class="muted">(HTTP ${problem.status}${problem.code ? `, ${problem.code}` : ''})</span>`
          : ''
      }</p>
      ${problem.detail ? html`<p>${problem.detail}</p>` : ''}
      <button type="button" onClick=${props.onDismiss}>Dismiss</button>
    </div>
  </div>`;
};
