import { LitElement, html } from 'lit';
import { shared } from './shared.styles.ts';

/** A polite live region, visually hidden, that speaks `message` whenever it changes. */
export class SpAnnouncer extends LitElement {
  static override properties = { message: { type: String } };
  static override styles = shared;

  declare message: string;

  constructor() {
    super();
    this.message = '';
  }

  override render() {
    return html`<div
      class="visually-hidden"
      role="status"
      aria-live="polite"
      aria-atomic="true"
      data-test="announcer"
    >
      ${this.message}
    </div>`;
  }
}
customElements.define('sp-announcer', SpAnnouncer);
declare global {
  interface HTMLElementTagNameMap {
    'sp-announcer': SpAnnouncer;
  }
}
