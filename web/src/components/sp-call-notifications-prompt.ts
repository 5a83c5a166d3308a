import { LitElement, css, html } from 'lit';
import { emit } from '../events/sp-events.ts';
import { shared } from './shared.styles.ts';

const DISMISSED_KEY = 'softphone.callNotificationsPromptDismissed';

/**
 * Offers incoming-call notifications for when no tab is open. The browser asks for permission only
 * after the user says yes here; "Not now" is remembered on this device.
 * @fires sp-call-notifications-enable
 */
export class SpCallNotificationsPrompt extends LitElement {
  static override properties = { dismissed: { state: true } };
  /** The margin is the prompt's, not the host's: a dismissed prompt leaves no gap above the list. */
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      .prompt {
        margin: 0 0 0.75rem;
        padding: 0.75rem 0.9rem;
        border-radius: 12px;
        background: #e3f1ea;
        font-family: system-ui, sans-serif;
      }
      p {
        margin: 0 0 0.5rem;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        justify-content: flex-end;
      }
    `,
  ];

  declare dismissed: boolean;

  constructor() {
    super();
    this.dismissed = localStorage.getItem(DISMISSED_KEY) === '1';
  }

  override render() {
    if (this.dismissed) return null;
    return html`<section class="prompt" aria-label="Call notifications" data-test="call-notifications-prompt">
      <p>Get calls even when Softphone is closed.</p>
      <div class="actions">
        <button data-test="call-notifications-later" @click=${this.dismiss}>Not now</button>
        <button
          class="primary"
          data-test="call-notifications-enable"
          @click=${() => emit(this, 'sp-call-notifications-enable')}
        >
          Turn on
        </button>
      </div>
    </section>`;
  }

  private readonly dismiss = () => {
    localStorage.setItem(DISMISSED_KEY, '1');
    this.dismissed = true;
  };
}
customElements.define('sp-call-notifications-prompt', SpCallNotificationsPrompt);
declare global {
  interface HTMLElementTagNameMap {
    'sp-call-notifications-prompt': SpCallNotificationsPrompt;
  }
}
