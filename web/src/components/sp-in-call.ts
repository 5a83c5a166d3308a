import { LitElement, css, html, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { ActiveCall } from '../call/phone-state.ts';
import { emit } from '../events/sp-events.ts';
import { formatDuration } from './format.ts';
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
};

/**
 * An answered call: duration, mute, hang up.
 * @fires sp-mute-changed
 * @fires sp-hangup
 */
export class SpInCall extends LitElement {
  static override properties = { call: { attribute: false } };
  static override styles = [
    shared,
    css`
      .timer {
        font-variant-numeric: tabular-nums;
        font-size: 1.25rem;
        text-align: center;
      }
    `,
  ];

  declare call: ActiveCall;

  constructor() {
    super();
    new TickController(this);
  }

  override render() {
    const since = this.call.answeredAt ?? Date.now();
    return html`<section class="card" aria-label="Call in progress">
      <div class="peer">${this.call.peer.displayName}</div>
      <div class="timer" data-test="duration" aria-label="Call duration">
        ${formatDuration(Date.now() - since)}
      </div>
      <p class="status muted" role="status" data-test="audio-status">${AUDIO_STATUS[this.call.audio]}</p>
      <div class="actions">
        <button
          data-test="mute"
          aria-pressed=${this.call.muted ? 'true' : 'false'}
          @click=${() => emit(this, 'sp-mute-changed', { muted: !this.call.muted })}
        >
          ${this.call.muted ? 'Unmute' : 'Mute'}
        </button>
        <button class="danger" data-test="hangup" @click=${() => emit(this, 'sp-hangup')}>Hang up</button>
      </div>
    </section>`;
  }
}
customElements.define('sp-in-call', SpInCall);
declare global {
  interface HTMLElementTagNameMap {
    'sp-in-call': SpInCall;
  }
}
