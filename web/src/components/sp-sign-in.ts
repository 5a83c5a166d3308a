import { LitElement, css, html } from 'lit';
import { DISPLAY_NAME_MAX } from '@softphone/sfu/protocol';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/**
 * Name entry: the first screen.
 * @fires sp-sign-in - with the trimmed display name
 */
export class SpSignIn extends LitElement {
  static override properties = {
    error: { type: String },
    busy: { type: Boolean },
  };
  static override styles = [
    shared,
    css`
      form {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
      }
      input {
        font: inherit;
        min-height: 44px;
        padding: 0 0.75rem;
        border-radius: 10px;
        border: 1px solid var(--sp-border, #b8c4cf);
      }
      .error {
        color: var(--sp-danger, #c0392b);
        margin: 0;
      }
    `,
  ];

  /** Why the last attempt failed, shown under the field. */
  declare error: string | null;
  /** True while connecting. */
  declare busy: boolean;

  constructor() {
    super();
    this.error = null;
    this.busy = false;
  }

  override render() {
    return html`<form class="card" @submit=${this.onSubmit} aria-labelledby="title">
      <h1 id="title">Softphone</h1>
      <label for="name">Your name</label>
      <input
        id="name"
        name="name"
        data-test="name"
        autocomplete="nickname"
        maxlength=${DISPLAY_NAME_MAX}
        required
        ?disabled=${this.busy}
        aria-describedby=${this.error ? 'error' : ''}
        aria-invalid=${this.error ? 'true' : 'false'}
      />
      ${this.error ? html`<p class="error" id="error" role="alert">${this.error}</p>` : null}
      <button class="primary" type="submit" data-test="sign-in" ?disabled=${this.busy}>
        ${this.busy ? 'Connecting…' : 'Go online'}
      </button>
    </form>`;
  }

  private onSubmit(e: SubmitEvent): void {
    e.preventDefault();
    const input = this.renderRoot.querySelector('input');
    const displayName = input?.value.trim() ?? '';
    if (displayName) emit(this, 'sp-sign-in', { displayName });
  }
}
customElements.define('sp-sign-in', SpSignIn);
declare global {
  interface HTMLElementTagNameMap {
    'sp-sign-in': SpSignIn;
  }
}
