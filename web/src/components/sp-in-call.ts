import { LitElement, css, html, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { peerReconnecting, type ActiveCall, type OutputDevice } from '../call/phone-state.ts';
import { stallMessage } from '../call/stall-messages.ts';
import { emit } from '../events/sp-events.ts';
import { formatDuration, initial } from './format.ts';
import { CallKeysController } from './key-shortcuts.ts';
import { shared } from './shared.styles.ts';

/** Re-renders its host once a second while connected (the call timer). */
class TickController implements ReactiveController {
  private timer: ReturnType<typeof setInterval> | undefined;
  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }
  hostConnected(): void {
    this.timer = setInterval(() => this.host.requestUpdate(), 1_000);
  }
  hostDisconnected(): void {
    clearInterval(this.timer);
  }
}

const AUDIO_STATUS: Record<ActiveCall['audio'], string> = {
  idle: 'Connecting audio…',
  activating: 'Connecting audio…',
  active: 'Connected',
  failed: 'Microphone unavailable',
  'not-activated': 'Audio not activated',
};

/** How the iOS shell's audio route reads under the status (its port name follows). */
const ROUTE_LABEL: Record<NonNullable<ActiveCall['route']>['kind'], string> = {
  receiver: 'iPhone',
  speaker: 'Speaker',
  bluetooth: 'Bluetooth',
  headphones: 'Headphones',
  other: 'Audio',
};

/**
 * An answered call: duration, mute (the page's and the system's), hold, the audio route, output
 * choice, hang up. M mutes and unmutes, Escape hangs up, wherever the focus is.
 * @fires sp-mute-changed
 * @fires sp-hold-changed
 * @fires sp-output-changed
 * @fires sp-hangup
 */
export class SpInCall extends LitElement {
  static override properties = {
    call: { attribute: false },
    outputs: { attribute: false },
    outputId: { type: String },
  };
  static override styles = [
    shared,
    css`
      label {
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        font-size: 0.875rem;
      }
      select {
        font: inherit;
        min-height: 44px;
        padding: 0 0.75rem;
        border-radius: 10px;
        border: 1px solid var(--sp-border, #b8c4cf);
        background: var(--sp-surface, #fff);
        color: inherit;
      }
      /* Hang up gets a row of its own, apart from the toggles, at every width. */
      .end {
        flex-basis: 100%;
      }
      .timer {
        font-weight: 400;
        font-variant-numeric: tabular-nums;
        font-size: 1.25rem;
        text-align: center;
      }
    `,
  ];

  declare call: ActiveCall;
  declare outputs: OutputDevice[];
  declare outputId: string;

  constructor() {
    super();
    this.outputs = [];
    this.outputId = '';
    new TickController(this);
    new CallKeysController(this, {
      Escape: () => emit(this, 'sp-hangup'),
      m: () => emit(this, 'sp-mute-changed', { muted: !this.call.muted }),
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Defined once loaded, outside what the page loads before it is interactive (bench:bundle);
    // the element upgrades then.
    void import('./sp-call-quality.ts');
  }

  /** A screen reader starts on the new screen at the caller's name; Tab goes on to the controls. */
  override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLElement>('h1')?.focus();
  }

  private status(): string {
    if (this.call.reconnecting) return 'Reconnecting…';
    if (this.call.peerReconnecting) return peerReconnecting(this.call.peer.displayName);
    if (this.call.recovering) return 'Connection lost, reconnecting…';
    if (this.call.held.self) return 'On hold';
    if (this.call.held.peer) return `${this.call.peer.displayName} put you on hold`;
    return stallMessage(this.call) ?? AUDIO_STATUS[this.call.audio];
  }

  override render() {
    const since = this.call.answeredAt ?? Date.now();
    return html`<section class="card call" aria-labelledby="who">
      <div class="avatar" aria-hidden="true">${initial(this.call.peer.displayName)}</div>
      <h1 class="peer" id="who" tabindex="-1">${this.call.peer.displayName}</h1>
      <p class="timer" role="timer" data-test="duration" aria-label="Call duration">
        ${formatDuration(Date.now() - since)}
      </p>
      <p class="status muted" role="status" data-test="audio-status">${this.status()}</p>
      ${
        // On hold nothing is expected to arrive, and a figure from before it would be stale.
        this.call.quality && !this.call.held.self && !this.call.held.peer
          ? html`<sp-call-quality .quality=${this.call.quality}></sp-call-quality>`
          : null
      }
      ${
        this.call.route
          ? html`<p class="status muted" data-test="audio-route">
              ${ROUTE_LABEL[this.call.route.kind]}: ${this.call.route.name}
            </p>`
          : null
      }
      <div class="actions call-actions">
        <button
          data-test="hold"
          aria-pressed=${this.call.held.self ? 'true' : 'false'}
          @click=${() => emit(this, 'sp-hold-changed', { held: !this.call.held.self })}
        >
          ${this.call.held.self ? 'Resume' : 'Hold'}
        </button>
        <button
          data-test="mute"
          aria-keyshortcuts="M"
          aria-pressed=${this.call.muted ? 'true' : 'false'}
          @click=${() => emit(this, 'sp-mute-changed', { muted: !this.call.muted })}
        >
          ${this.call.muted ? 'Unmute' : 'Mute'}
        </button>
        <button
          class="danger end"
          data-test="hangup"
          aria-keyshortcuts="Escape"
          @click=${() => emit(this, 'sp-hangup')}
        >
          Hang up
        </button>
      </div>
      <p class="keys muted" aria-hidden="true" data-test="key-hints">
        <kbd>M</kbd> ${this.call.muted ? 'unmute' : 'mute'} · <kbd>Esc</kbd> hang up
      </p>
      ${
        this.outputs.length > 1
          ? html`<label
              >Play through
              <select
                data-test="output"
                @change=${(e: Event) => emit(this, 'sp-output-changed', { deviceId: (e.target as HTMLSelectElement).value })}
              >
                ${this.outputs.map((o) => html`<option value=${o.id} ?selected=${o.id === this.outputId}>${o.label}</option>`)}
              </select>
            </label>`
          : null
      }
    </section>`;
  }
}
customElements.define('sp-in-call', SpInCall);
declare global {
  interface HTMLElementTagNameMap {
    'sp-in-call': SpInCall;
  }
}
