import { LitElement, css, html } from 'lit';
import type { Peer } from '@softphone/sfu/protocol';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/**
 * Who is online, each with a call button.
 * @fires sp-call-requested - the user picked someone to call
 */
export class SpContacts extends LitElement {
  static override properties = {
    self: { attribute: false },
    users: { attribute: false },
    notice: { type: String },
  };
  static override styles = [
    shared,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      li {
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 0.75rem;
        padding: 0.5rem 0.25rem 0.5rem 0.75rem;
        border-radius: 12px;
        background: var(--sp-row, #f3f6f8);
      }
      .name {
        overflow-wrap: anywhere;
      }
      .dot {
        display: inline-block;
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 50%;
        background: var(--sp-accent, #1f7a4d);
        margin-right: 0.5rem;
      }
      .notice {
        margin: 0;
        color: var(--sp-danger, #c0392b);
      }
      button.small {
        min-height: 36px;
        padding: 0.25rem 0.9rem;
      }
    `,
  ];

  declare self: Peer | null;
  declare users: Peer[];
  declare notice: string | null;

  constructor() {
    super();
    this.self = null;
    this.users = [];
    this.notice = null;
  }

  override render() {
    return html`<section class="card" aria-labelledby="title">
      <h1 id="title">Online</h1>
      ${this.notice ? html`<p class="notice" role="alert">${this.notice}</p>` : null}
      ${
        this.users.length === 0
          ? html`<p class="muted">
              Nobody else is online yet. Open this page in another browser to call yourself.
            </p>`
          : html`<ul aria-label="People online">
              ${this.users.map(
                (u) =>
                  html`<li data-test="user" data-name=${u.displayName}>
                    <span class="name"><span class="dot" aria-hidden="true"></span>${u.displayName}</span>
                    <button
                      class="primary small"
                      data-test="call"
                      aria-label=${`Call ${u.displayName}`}
                      @click=${() => emit(this, 'sp-call-requested', { userId: u.id })}
                    >
                      Call
                    </button>
                  </li>`,
              )}
            </ul>`
      }
    </section>`;
  }
}
customElements.define('sp-contacts', SpContacts);
declare global {
  interface HTMLElementTagNameMap {
    'sp-contacts': SpContacts;
  }
}
