import { LitElement, css, html } from 'lit';
import type { Peer, PresenceState } from '@softphone/sfu/protocol';
import type { RecentPerson } from '../call/history-rows.ts';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/** What a row says of someone's presence, under their name. */
const PRESENCE_HINT: Record<PresenceState, string | null> = {
  online: 'Online',
  asleep: 'Will be woken by a notification',
  offline: 'Offline',
};

/**
 * Who can be called, each with a call button: a field to call anyone by their exact username, the
 * people of the latest calls, which contacts are online, then which are asleep (not connected, but a
 * push will wake their phone or browser); and a field to add someone by username.
 * @fires sp-call-requested - the user picked someone to call
 * @fires sp-dial-requested - the user asked to call someone by their username
 * @fires sp-contact-add-requested - the user asked to add someone by their username
 */
export class SpContacts extends LitElement {
  static override properties = {
    self: { attribute: false },
    recent: { attribute: false },
    users: { attribute: false },
    asleep: { attribute: false },
    notice: { type: String },
    contactNotice: { attribute: false },
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
      .dot.offline {
        background: var(--sp-fg-muted, #5b6b79);
      }
      .dot.asleep {
        background: transparent;
        border: 2px solid var(--sp-fg-muted, #5b6b79);
        width: calc(0.6rem - 4px);
        height: calc(0.6rem - 4px);
      }
      h2 {
        margin: 1rem 0 0.5rem;
        font-size: 1rem;
      }
      .hint {
        display: block;
        font-size: 0.85rem;
      }
      .notice {
        margin: 0;
        color: var(--sp-danger, #c0392b);
      }
      form {
        display: flex;
        gap: 0.5rem;
        margin-top: 1rem;
      }
      form.dial {
        margin: 0 0 0.5rem;
      }
      form input {
        flex: 1;
        min-width: 0;
      }
      .added {
        margin: 0.5rem 0 0;
      }
      button.small {
        min-height: 36px;
        padding: 0.25rem 0.9rem;
      }
    `,
  ];

  declare self: Peer | null;
  /** The people of the latest calls, newest first. */
  declare recent: RecentPerson[];
  declare users: Peer[];
  declare asleep: Peer[];
  declare notice: string | null;
  declare contactNotice: { text: string; ok: boolean } | null;

  constructor() {
    super();
    this.self = null;
    this.recent = [];
    this.users = [];
    this.asleep = [];
    this.notice = null;
    this.contactNotice = null;
  }

  override render() {
    const nobody = this.users.length === 0 && this.asleep.length === 0;
    return html`<section class="card" aria-labelledby="title">
      <h1 id="title" class="visually-hidden">People</h1>
      <form class="dial" @submit=${this.dial} aria-label="Call a username">
        <label class="visually-hidden" for="dial-username">Username to call</label>
        <input
          id="dial-username"
          data-test="dial-username"
          name="username"
          autocomplete="off"
          autocapitalize="none"
          spellcheck="false"
          placeholder="Call a username"
          required
        />
        <button class="primary small" data-test="dial" type="submit">Call</button>
      </form>
      ${this.notice ? html`<p class="notice" role="alert" data-test="people-notice">${this.notice}</p>` : null}
      ${
        this.recent.length
          ? html`<h2 id="recent-title">Recent</h2>
              ${this.recentList()}`
          : null
      }
      <h2 id="online-title">Online</h2>
      ${
        nobody
          ? html`<p class="muted">
              None of your contacts is online right now. Add someone by their username to see when they are.
            </p>`
          : this.users.length === 0
            ? html`<p class="muted">Nobody else is online right now.</p>`
            : this.list(this.users, 'People online', false)
      }
      ${
        this.asleep.length
          ? html`<h2 id="asleep-title">Asleep</h2>
              ${this.list(this.asleep, 'People whose phone or browser will be woken', true)}`
          : null
      }
      <form @submit=${this.add} aria-label="Add someone">
        <label class="visually-hidden" for="contact-username">Username to add</label>
        <input
          id="contact-username"
          data-test="contact-username"
          name="username"
          autocomplete="off"
          autocapitalize="none"
          spellcheck="false"
          placeholder="Add someone by username"
          required
        />
        <button class="small" data-test="add-contact" type="submit">Add</button>
      </form>
      ${
        this.contactNotice
          ? html`<p
              class=${this.contactNotice.ok ? 'added muted' : 'added notice'}
              data-test="contact-notice"
              role="status"
            >
              ${this.contactNotice.text}
            </p>`
          : null
      }
    </section>`;
  }

  private readonly dial = (e: SubmitEvent) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('username') as HTMLInputElement;
    const username = input.value.trim();
    if (!username) return;
    emit(this, 'sp-dial-requested', { username });
    input.value = '';
  };

  /** Rows of their own (`recent`), so that "listed online" keeps meaning the online list. */
  private recentList() {
    return html`<ul aria-label="People you called or who called you lately">
      ${this.recent.map(
        ({ peer, presence }) =>
          html`<li data-test="recent" data-name=${peer.displayName} data-presence=${presence}>
            <span class="name"
              ><span class=${`dot ${presence}`} aria-hidden="true"></span>${peer.displayName}<span
                class="hint muted"
                >${PRESENCE_HINT[presence]}</span
              ></span
            >
            <button
              class="primary small"
              data-test="call-recent"
              aria-label=${`Call ${peer.displayName}`}
              @click=${() => emit(this, 'sp-call-requested', { userId: peer.id })}
            >
              Call
            </button>
          </li>`,
      )}
    </ul>`;
  }

  private readonly add = (e: SubmitEvent) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('username') as HTMLInputElement;
    const username = input.value.trim();
    if (!username) return;
    emit(this, 'sp-contact-add-requested', { username });
    input.value = '';
  };

  private list(users: Peer[], label: string, asleep: boolean) {
    return html`<ul aria-label=${label}>
      ${users.map(
        (u) =>
          html`<li data-test="user" data-name=${u.displayName} data-presence=${asleep ? 'asleep' : 'online'}>
            <span class="name"
              ><span class=${asleep ? 'dot asleep' : 'dot'} aria-hidden="true"></span>${u.displayName}${
                asleep ? html`<span class="hint muted">Will be woken by a notification</span>` : null
              }</span
            >
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
    </ul>`;
  }
}
customElements.define('sp-contacts', SpContacts);
declare global {
  interface HTMLElementTagNameMap {
    'sp-contacts': SpContacts;
  }
}
