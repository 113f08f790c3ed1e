// Labelled fields and the problem+json of the last submit, each error shown beside the field its pointer names.
import { h } from 'preact';
import htm from 'htm';
export const html = htm.bind(h);

let ids = 0;
export const fieldId = () => `f${++ids}`;

/** <label> and input; `error` (a problem pointer's message) is shown under it and tied to it for screen readers. */
export function Field({ label, id, error, children }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${error ? html`<span class="field-error" id=${`${id}-error`} role="alert">${error}</span>` : null}
  </div>`;
}

export function ProblemBox({ error }) {
  if (!error) return null;
  const problem = error.problem || { detail: String(error.message || error) };
  return html`<div class="problem" role="alert">
    <strong>${problem.title || 'Error'}${problem.code ? ` (${problem.code})` : ''}</strong>
    <p>${problem.detail}</p>
    ${problem.errors ? html`<ul>${problem.errors.map((e) => html`<li><code>${e.pointer}</code> ${e.message}</li>`)}</ul>` : null}
  </div>`;
}

export const fmtTime = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').replace('Z', '') : '');
