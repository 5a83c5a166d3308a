import { LitElement, css, html } from 'lit';
import { EndReason, type HistoryEntry } from '@softphone/sfu/protocol';
import { callOutcome, type CallOutcome } from '../call/history-rows.ts';
import { emit } from '../events/sp-events.ts';
import { formatDuration } from './format.ts';
import { shared } from './shared.styles.ts';

const REASON: Record<EndReason, string> = {
  [EndReason.HungUp]: 'ended',
  [EndReason.Cancelled]: 'cancelled',
  [EndReason.Declined]: 'declined',
  [EndReason.Busy]: 'busy',
  [EndReason.NoAnswer]: 'no answer',
  [EndReason.Unreachable]: 'unreachable',
  [EndReason.Disconnected]: 'connection lost',
  [EndReason.MediaServerRestarted]: 'failed: media server restarted',
  [EndReason.ServerLost]: 'ended: server went away',
  [EndReason.MediaFailed]: 'failed: no audio connection',
  [EndReason.MediaLost]: 'dropped: connection lost',
  [EndReason.AnswerFailed]: 'failed: the answer did not get through',
  [EndReason.AnsweredElsewhere]: 'answered on another device',
};

const OUTCOME: Record<CallOutcome, string> = {
  answered: 'Answered',
  missed: 'Missed',
  'not-answered': 'Not answered',
  declined: 'Declined',
  cancelled: 'Cancelled',
  failed: 'Failed',
  live: 'In progress',
};

/** The row's icon: which way the call went, the words beside it say how it went. */
const DIRECTION_ICON: Record<HistoryEntry['direction'], string> = { incoming: '↙', outgoing: '↗' };

/** Why a call was missed, where that says more than "Missed". */
const MISSED_BECAUSE: Partial<Record<EndReason, string>> = {
  [EndReason.Busy]: 'you were in another call',
  [EndReason.Unreachable]: 'you were offline',
};

function when(at: number): string {
  const d = new Date(at);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function quality(e: HistoryEntry): string | null {
  const q = e.quality;
  if (!q) return null;
  const loss =
    q.packetsReceived + q.packetsLost > 0 ? (100 * q.packetsLost) / (q.packetsReceived + q.packetsLost) : 0;
  const parts = [
    q.heard ? `audio after ${q.timeToFirstAudioMs ?? '?'} ms` : 'no audio heard',
    `loss ${loss.toFixed(1)} %`,
    `jitter ${q.jitterMs} ms`,
  ];
  if (q.roundTripMs !== null) parts.push(`RTT ${q.roundTripMs} ms`);
  // A call through the TURN relay works but costs a hop: worth knowing when its quality is poor.
  if (q.path?.local === 'relay') parts.push(`relayed (${q.path.relayProtocol ?? 'udp'})`);
  // Lines break between figures, never inside one ("RTT 2 / ms").
  return parts.map((p) => p.replaceAll(' ', '\u00a0')).join(' · ');
}

/** What follows the outcome: an answered call's duration, else why it went as it did. */
function detail(e: HistoryEntry, outcome: CallOutcome): string | null {
  if (outcome === 'answered') return e.durationMs !== null ? formatDuration(e.durationMs) : null;
  if (!e.endReason || outcome === 'declined' || outcome === 'cancelled') return null;
  if (outcome === 'missed') return MISSED_BECAUSE[e.endReason] ?? null;
  return REASON[e.endReason].replace(/^failed: /, '');
}

/**
 * Recent calls, newest first: each with its direction and outcome in words beside an icon, an
 * answered call's duration, its quality, and a button to call the person back (anyone with an
 * account can be called: an asleep device is woken, and the call says so if nobody can be reached).
 * Missed ones stand out.
 * @fires sp-call-requested - call the person back
 */
export class SpHistory extends LitElement {
  static override properties = { entries: { attribute: false } };
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
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.15rem 0.75rem;
        padding: 0.6rem 0.75rem;
        border-radius: 12px;
        background: var(--sp-row, #f3f6f8);
      }
      .who {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .new {
        display: inline-block;
        margin-left: 0.35rem;
        padding: 0 0.45rem;
        border-radius: 999px;
        background: var(--sp-danger, #c0392b);
        color: #fff;
        font-size: 0.75rem;
        line-height: 1.25rem;
        vertical-align: 0.1em;
      }
      li.missed .who,
      li.missed .what {
        color: var(--sp-danger, #c0392b);
      }
      .icon {
        display: inline-block;
        width: 1.25em;
        font-weight: 700;
      }
      .what,
      .q {
        grid-column: 1;
        font-size: 0.875rem;
      }
      .time {
        grid-column: 2;
        grid-row: 1;
        text-align: right;
        font-size: 0.875rem;
      }
      button.small {
        grid-column: 2;
        grid-row: 2 / span 2;
        align-self: center;
        min-height: 36px;
        padding: 0.25rem 0.9rem;
      }
    `,
  ];

  declare entries: HistoryEntry[];

  constructor() {
    super();
    this.entries = [];
  }

  override render() {
    return html`<section class="card" aria-labelledby="title">
      <h1 id="title">History</h1>
      ${
        this.entries.length === 0
          ? html`<p class="muted">No calls yet.</p>`
          : html`<ul aria-label="Recent calls">
              ${this.entries.map((e) => this.renderEntry(e))}
            </ul>`
      }
    </section>`;
  }

  private renderEntry(e: HistoryEntry) {
    const outcome = callOutcome(e);
    const more = detail(e, outcome);
    const words = [
      e.direction === 'incoming' ? 'Incoming' : 'Outgoing',
      OUTCOME[outcome],
      ...(more ? [more] : []),
    ];
    const q = quality(e);
    // The call-back button is named "Call Bob back" by its text, of which "Call back" shows: the
    // visible words stay part of the name (WCAG 2.5.3), as an aria-label's would not.
    return html`<li
      class=${e.missed ? 'missed' : ''}
      data-test="history-entry"
      data-call-id=${e.callId}
      data-kind=${e.missed ? 'missed' : e.direction}
      data-outcome=${outcome}
    >
      <span class="who"
        >${e.peer.displayName}${e.unread ? html` <span class="new" data-test="unread">New</span>` : null}</span
      >
      <span class="time muted">${when(e.startedAt)}</span>
      <span class="what"
        ><span class="icon" aria-hidden="true">${DIRECTION_ICON[e.direction]}</span
        ><span data-test="outcome">${words.join(' · ')}</span></span
      >
      ${q ? html`<span class="q muted" data-test="quality">${q}</span>` : null}
      <button
        class="small"
        data-test="call-back"
        @click=${() => emit(this, 'sp-call-requested', { userId: e.peer.id })}
      >
        Call<span class="visually-hidden"> ${e.peer.displayName}</span> back
      </button>
    </li>`;
  }
}
customElements.define('sp-history', SpHistory);
declare global {
  interface HTMLElementTagNameMap {
    'sp-history': SpHistory;
  }
}
