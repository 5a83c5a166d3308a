import { LitElement, html } from 'lit';
import { CallState } from '@softphone/sfu/protocol';
import type { ActiveCall } from '../call/phone-state.ts';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/**
 * An outgoing call before answer.
 * @fires sp-hangup - cancel the call
 */
export class SpOutgoingCall extends LitElement {
  static override properties = { call: { attribute: false } };
  static override styles = shared;

  declare call: ActiveCall;

  override render() {
    const status = this.call.state === CallState.Ringing ? 'Ringing…' : 'Calling…';
    return html`<section class="card" aria-label="Outgoing call">
      <div class="peer">${this.call.peer.displayName}</div>
      <p class="status muted" role="status" data-test="call-status">${status}</p>
      <div class="actions">
        <button class="danger" data-test="hangup" @click=${() => emit(this, 'sp-hangup')}>Cancel</button>
      </div>
    </section>`;
  }
}
customElements.define('sp-outgoing-call', SpOutgoingCall);
declare global {
  interface HTMLElementTagNameMap {
    'sp-outgoing-call': SpOutgoingCall;
  }
}
