import { LitElement, html } from 'lit';
import type { EndedCall } from '../call/phone-state.ts';
import { emit } from '../events/sp-events.ts';
import { formatDuration, initial } from './format.ts';
import { shared } from './shared.styles.ts';

/**
 * The last call's outcome, in words.
 * @fires sp-dismiss
 */
export class SpCallEnded extends LitElement {
  static override properties = { ended: { attribute: false } };
  static override styles = shared;

  declare ended: EndedCall;

  override firstUpdated(): void {
    this.renderRoot.querySelector('button')?.focus();
  }

  override render() {
    const d = this.ended.durationMs;
    return html`<section class="card call" aria-labelledby="who">
      <div class="avatar" aria-hidden="true">${initial(this.ended.peer.displayName)}</div>
      <h1 class="peer" id="who">${this.ended.peer.displayName}</h1>
      <p class="status" role="status" data-test="end-message" data-reason=${this.ended.reason ?? ''}>
        ${this.ended.message}
      </p>
      ${d !== null ? html`<p class="status muted">Duration ${formatDuration(d)}</p>` : null}
      <div class="actions call-actions">
        <button class="primary" data-test="dismiss" @click=${() => emit(this, 'sp-dismiss')}>Done</button>
      </div>
    </section>`;
  }
}
customElements.define('sp-call-ended', SpCallEnded);
declare global {
  interface HTMLElementTagNameMap {
    'sp-call-ended': SpCallEnded;
  }
}
