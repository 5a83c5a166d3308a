import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { DISPLAY_NAME_MAX } from '@softphone/sfu/protocol';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

/** The server's messages are lower-case phrases ("wrong username or password"). */
function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

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
        font-weight: 600;
      }
      .brand {
        margin-bottom: -0.5rem;
        color: var(--sp-accent, #1f7a4d);
        font-weight: 600;
        letter-spacing: 0.02em;
      }
      button.link {
        background: none;
        min-height: 36px;
        color: var(--sp-focus, #1d5bd6);
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

  override firstUpdated(): void {
    this.input('username')?.focus();
  }

  override updated(changed: PropertyValues<this>): void {
    // After a failed attempt the form is enabled again: put the cursor where the fix goes, with
    // the password cleared as sign-in forms do.
    if (changed.has('error') && this.error && !this.busy) {
      const username = this.input('username');
      const password = this.input('password');
      if (password && username?.value.trim()) {
        password.value = '';
        password.focus();
      } else username?.focus();
    }
  }

  override render() {
    const signUp = this.mode === 'sign-up';
    const invalid = this.error ? 'true' : 'false';
    return html`<form class="card" @submit=${this.onSubmit} aria-labelledby="title" novalidate>
      <p class="brand">Softphone</p>
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
          aria-invalid=${invalid}
          aria-describedby=${this.error ? 'auth-error' : nothing}
          ?disabled=${this.busy}
        />
      </label>
      <label
        >Password
        ${signUp ? html`<span class="hint muted" id="password-hint">at least 8 characters</span>` : null}
        <input
          name="password"
          type="password"
          data-test="password"
          autocomplete=${signUp ? 'new-password' : 'current-password'}
          required
          minlength=${signUp ? 8 : 1}
          aria-invalid=${invalid}
          aria-describedby=${[signUp ? 'password-hint' : '', this.error ? 'auth-error' : ''].join(' ').trim() || nothing}
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
      ${
        this.error
          ? html`<p class="error" id="auth-error" role="alert" data-test="auth-error">
              ${sentence(this.error)}
            </p>`
          : null
      }
      <button class="primary" type="submit" data-test="submit" ?disabled=${this.busy}>
        ${this.busy ? 'Please wait…' : signUp ? 'Create account' : 'Sign in'}
      </button>
      <button class="link" type="button" data-test="switch-mode" @click=${this.toggle}>
        ${signUp ? 'I already have an account' : 'Create an account'}
      </button>
    </form>`;
  }

  private input(name: string): HTMLInputElement | null {
    return this.renderRoot.querySelector<HTMLInputElement>(`input[name="${name}"]`);
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
