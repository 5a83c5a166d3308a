import { LitElement, css, html } from 'lit';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/**
 * Who I am, the People / History switch with the missed-call badge, and sign out. Side by side
 * (a wide screen shows both lists at once) there is nothing to switch, and no badge: the history
 * on screen shows its missed calls itself.
 * @fires sp-view
 * @fires sp-sign-out
 */
export class SpNav extends LitElement {
  static override properties = {
    name: { type: String },
    view: { type: String },
    unreadMissed: { type: Number },
    sideBySide: { type: Boolean },
  };
  static override styles = [
    shared,
    css`
      :host {
        margin-bottom: 0.75rem;
      }
      .top {
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 0.5rem;
        margin-bottom: 0.5rem;
      }
      .views {
        display: flex;
        gap: 0.5rem;
      }
      .views button {
        flex: 1;
        background: var(--sp-surface, #fff);
      }
      .views button[aria-current='page'] {
        background: var(--sp-fg, #14202b);
        color: #fff;
      }
      .badge {
        display: inline-block;
        min-width: 1.25rem;
        padding: 0 0.35rem;
        margin-left: 0.35rem;
        border-radius: 999px;
        background: var(--sp-danger, #c0392b);
        color: #fff;
        font-size: 0.8rem;
        line-height: 1.25rem;
      }
      button.small {
        min-height: 36px;
        padding: 0.25rem 0.9rem;
      }
    `,
  ];

  declare name: string;
  declare view: 'people' | 'history';
  declare unreadMissed: number;
  declare sideBySide: boolean;

  constructor() {
    super();
    this.name = '';
    this.view = 'people';
    this.unreadMissed = 0;
    this.sideBySide = false;
  }

  override render() {
    const missed = this.unreadMissed;
    return html`<nav aria-label="Main">
      <div class="top">
        <span class="muted">Signed in as <strong>${this.name}</strong></span>
        <button class="small" data-test="sign-out" @click=${() => emit(this, 'sp-sign-out')}>Sign out</button>
      </div>
      ${this.sideBySide ? null : this.renderViews(missed)}
    </nav>`;
  }

  private renderViews(missed: number) {
    return html`<div class="views">
      <button
        data-test="tab-people"
        aria-current=${this.view === 'people' ? 'page' : 'false'}
        @click=${() => emit(this, 'sp-view', { view: 'people' })}
      >
        People
      </button>
      <button
        data-test="tab-history"
        aria-current=${this.view === 'history' ? 'page' : 'false'}
        aria-label=${missed ? `History, ${missed} missed ${missed === 1 ? 'call' : 'calls'}` : 'History'}
        @click=${() => emit(this, 'sp-view', { view: 'history' })}
      >
        History${missed ? html`<span class="badge" data-test="missed-badge" aria-hidden="true">${missed}</span>` : null}
      </button>
    </div>`;
  }
}
customElements.define('sp-nav', SpNav);
declare global {
  interface HTMLElementTagNameMap {
    'sp-nav': SpNav;
  }
}
