import { LitElement, css, html } from 'lit';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/**
 * "A new version is ready": the user reloads when it suits them. The app shows it only outside
 * calls, so an update never cuts one.
 * @fires sp-update-accepted
 */
export class SpUpdatePrompt extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
        margin: 0 0 0.75rem;
      }
      .prompt {
        display: flex;
        align-items: center;
        gap: 0.75rem;
        padding: 0.5rem 0.5rem 0.5rem 0.9rem;
        border-radius: 12px;
        background: #e3f1ea;
        font-family: system-ui, sans-serif;
      }
      p {
        flex: 1;
        margin: 0;
      }
    `,
  ];

  override render() {
    return html`<div class="prompt" role="status" data-test="update-prompt">
      <p>A new version of Softphone is ready.</p>
      <button class="primary" data-test="update-reload" @click=${() => emit(this, 'sp-update-accepted')}>
        Reload
      </button>
    </div>`;
  }
}
customElements.define('sp-update-prompt', SpUpdatePrompt);
declare global {
  interface HTMLElementTagNameMap {
    'sp-update-prompt': SpUpdatePrompt;
  }
}
