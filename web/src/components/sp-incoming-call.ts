import { LitElement, html } from 'lit';
import type { ActiveCall } from '../call/phone-state.ts';
import { emit } from '../events/sp-events.ts';
import { CallKeysController } from './key-shortcuts.ts';
import { initial } from './format.ts';
import { shared } from './shared.styles.ts';

/**
 * An incoming call: answer or decline. Answer has focus (Space answers); Enter answers and Escape
 * declines wherever the focus is.
 * @fires sp-answer
 * @fires sp-decline
 */
export class SpIncomingCall extends LitElement {
  static override properties = { call: { attribute: false } };
  static override styles = shared;

  declare call: ActiveCall;

  constructor() {
    super();
    new CallKeysController(this, {
      Escape: () => emit(this, 'sp-decline'),
      Enter: () => emit(this, 'sp-answer'),
    });
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLButtonElement>('button.primary')?.focus();
  }

  override render() {
    return html`<section class="card call" role="alertdialog" aria-labelledby="who" aria-describedby="what">
      <div class="avatar" aria-hidden="true">${initial(this.call.peer.displayName)}</div>
      <p class="status muted" id="what">Incoming call</p>
      <h1 class="peer" id="who">${this.call.peer.displayName}</h1>
      <div class="actions call-actions">
        <button
          class="danger"
          data-test="decline"
          aria-keyshortcuts="Escape"
          @click=${() => emit(this, 'sp-decline')}
        >
          Decline
        </button>
        <button
          class="primary"
          data-test="answer"
          aria-keyshortcuts="Enter"
          @click=${() => emit(this, 'sp-answer')}
        >
          Answer
        </button>
      </div>
      <p class="keys muted" aria-hidden="true" data-test="key-hints">
        <kbd>Enter</kbd> answer · <kbd>Esc</kbd> decline
      </p>
    </section>`;
  }
}
customElements.define('sp-incoming-call', SpIncomingCall);
declare global {
  interface HTMLElementTagNameMap {
    'sp-incoming-call': SpIncomingCall;
  }
}
