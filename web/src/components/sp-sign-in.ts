import { LitElement, css, html } from 'lit';
import { DISPLAY_NAME_MAX } from '@softphone/sfu/protocol';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/**
 * Sign in, or create an account.
 * @fires sp-sign-in - username and password
 * @fires sp-sign-up - username, password and display name
 */
export class SpSignIn extends LitElement {
  static override properties = {
    error: { type: String },
    busy: { type: Boolean },
    mode: { state: true },
  };
  static override styles = [
    shared,
    css`
      form {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        font-weight: 500;
      }
      input {
        font: inherit;
        min-height: 44px;
        padding: 0 0.75rem;
        border-radius: 10px;
        border: 1px solid var(--sp-border, #b8c4cf);
      }
      .hint {
        font-weight: 400;
        font-size: 0.875rem;
      }
      .error {
        color: var(--sp-danger, #c0392b);
      }
      button.link {
        background: none;
        min-height: 36px;
        color: var(--sp-focus, #2f6fed);
        text-decoration: underline;
      }
    `,
  ];

  /** Why the last attempt failed, shown above the button. */
  declare error: string | null;
  /** True while a request is in flight. */
  declare busy: boolean;
  declare mode: 'sign-in' | 'sign-up';

  constructor() {
    super();
    this.error = null;
    this.busy = false;
    this.mode = 'sign-in';
  }

  override render() {
    const signUp = this.mode === 'sign-up';
    return html`<form class="card" @submit=${this.onSubmit} aria-labelledby="title" novalidate>
      <h1 id="title">${signUp ? 'Create your account' : 'Sign in'}</h1>
      <label
        >Username
        <input
          name="username"
          data-test="username"
          autocomplete="username"
          required
          minlength="3"
          maxlength="32"
          ?disabled=${this.busy}
        />
      </label>
      <label
        >Password ${signUp ? html`<span class="hint muted">at least 8 characters</span>` : null}
        <input
          name="password"
          type="password"
          data-test="password"
          autocomplete=${signUp ? 'new-password' : 'current-password'}
          required
          minlength=${signUp ? 8 : 1}
          ?disabled=${this.busy}
        />
      </label>
      ${
        signUp
          ? html`<label
              >Name others see
              <input
                name="displayName"
                data-test="display-name"
                autocomplete="nickname"
                required
                maxlength=${DISPLAY_NAME_MAX}
                ?disabled=${this.busy}
              />
            </label>`
          : null
      }
      ${this.error ? html`<p class="error" role="alert" data-test="auth-error">${this.error}</p>` : null}
      <button class="primary" type="submit" data-test="submit" ?disabled=${this.busy}>
        ${this.busy ? 'Please wait…' : signUp ? 'Create account' : 'Sign in'}
      </button>
      <button class="link" type="button" data-test="switch-mode" @click=${this.toggle}>
        ${signUp ? 'I already have an account' : 'Create an account'}
      </button>
    </form>`;
  }

  private toggle(): void {
    this.mode = this.mode === 'sign-in' ? 'sign-up' : 'sign-in';
    this.error = null;
  }

  private onSubmit(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    const password = String(data.get('password') ?? '');
    if (!username || !password) {
      this.error = 'Enter your username and password.';
      return;
    }
    if (this.mode === 'sign-up') {
      const displayName = String(data.get('displayName') ?? '').trim();
      if (!displayName) {
        this.error = 'Enter the name others will see.';
        return;
      }
      emit(this, 'sp-sign-up', { username, password, displayName });
    } else {
      emit(this, 'sp-sign-in', { username, password });
    }
  }
}
customElements.define('sp-sign-in', SpSignIn);
declare global {
  interface HTMLElementTagNameMap {
    'sp-sign-in': SpSignIn;
  }
}
