import { LitElement, html } from 'lit';
import { CallState } from '@softphone/sfu/protocol';
import type { ActiveCall } from '../call/phone-state.ts';
import { emit } from '../events/sp-events.ts';
import { CallKeysController } from './key-shortcuts.ts';
import { initial } from './format.ts';
import { shared } from './shared.styles.ts';

/**
 * An outgoing call before answer. Escape cancels it.
 * @fires sp-hangup - cancel the call
 */
export class SpOutgoingCall extends LitElement {
  static override properties = { call: { attribute: false } };
  static override styles = shared;

  declare call: ActiveCall;

  constructor() {
    super();
    new CallKeysController(this, { Escape: () => emit(this, 'sp-hangup') });
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('button')?.focus();
  }

  override render() {
    const status = this.call.state === CallState.Ringing ? 'Ringing…' : 'Calling…';
    return html`<section class="card call" aria-labelledby="who" aria-describedby="status">
      <div class="avatar" aria-hidden="true">${initial(this.call.peer.displayName)}</div>
      <h1 class="peer" id="who">${this.call.peer.displayName}</h1>
      <p class="status muted" id="status" data-test="call-status">${status}</p>
      <div class="actions call-actions">
        <button
          class="danger"
          data-test="hangup"
          aria-keyshortcuts="Escape"
          @click=${() => emit(this, 'sp-hangup')}
        >
          Cancel
        </button>
      </div>
      <p class="keys muted" aria-hidden="true" data-test="key-hints"><kbd>Esc</kbd> cancel</p>
    </section>`;
  }
}
customElements.define('sp-outgoing-call', SpOutgoingCall);
declare global {
  interface HTMLElementTagNameMap {
    'sp-outgoing-call': SpOutgoingCall;
  }
}
