import { LitElement, html } from 'lit';
import type { ActiveCall } from '../call/phone-state.ts';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/**
 * An incoming call: answer or decline.
 * @fires sp-answer
 * @fires sp-decline
 */
export class SpIncomingCall extends LitElement {
  static override properties = { call: { attribute: false } };
  static override styles = shared;

  declare call: ActiveCall;

  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLButtonElement>('button.primary')?.focus();
  }

  override render() {
    return html`<section class="card" role="alertdialog" aria-labelledby="who" aria-describedby="what">
      <p class="status muted" id="what">Incoming call</p>
      <div class="peer" id="who">${this.call.peer.displayName}</div>
      <div class="actions">
        <button class="danger" data-test="decline" @click=${() => emit(this, 'sp-decline')}>Decline</button>
        <button class="primary" data-test="answer" @click=${() => emit(this, 'sp-answer')}>Answer</button>
      </div>
    </section>`;
  }
}
customElements.define('sp-incoming-call', SpIncomingCall);
declare global {
  interface HTMLElementTagNameMap {
    'sp-incoming-call': SpIncomingCall;
  }
}
