import { LitElement, css, html } from 'lit';
import type { CallQuality } from '../media/call-quality.ts';
import { qualityWords } from '../media/quality-meter.ts';
import { shared } from './shared.styles.ts';

const BARS: Record<CallQuality['level'], number> = { good: 3, fair: 2, poor: 1 };

/**
 * The call's connection quality: three bars and the words for them, so colour is never the only
 * sign. Not a live region: the page's announcer says once when it turns poor
 * (`app/announcement.ts`), and a region here would speak every change between good and fair.
 */
export class SpCallQuality extends LitElement {
  static override properties = { quality: { attribute: false } };
  static override styles = [
    shared,
    css`
      p {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        justify-content: center;
        font-size: 0.875rem;
        text-align: center;
      }
      .bars {
        display: inline-flex;
        gap: 2px;
        align-items: flex-end;
        height: 0.9rem;
        flex: none;
      }
      .bars i {
        width: 4px;
        border-radius: 1px;
        background: var(--sp-border, #b8c4cf);
      }
      .bars i:nth-child(1) {
        height: 40%;
      }
      .bars i:nth-child(2) {
        height: 70%;
      }
      .bars i:nth-child(3) {
        height: 100%;
      }
      [data-level='good'] i.on {
        background: var(--sp-accent, #1f7a4d);
      }
      [data-level='fair'] i.on {
        background: #8a6100;
      }
      [data-level='poor'] i.on {
        background: var(--sp-danger, #c0392b);
      }
      [data-level='poor'] {
        font-weight: 600;
      }
    `,
  ];

  declare quality: CallQuality;

  override render() {
    const q = this.quality;
    const on = BARS[q.level];
    return html`<p data-test="call-quality" data-level=${q.level}>
      <span class="bars" aria-hidden="true">
        ${[1, 2, 3].map((n) => html`<i class=${n <= on ? 'on' : ''}></i>`)}
      </span>
      <span class=${q.level === 'poor' ? '' : 'muted'}>
        ${qualityWords(q)}${q.relayed ? html` · <span data-test="relayed">through a relay</span>` : null}
      </span>
    </p>`;
  }
}
customElements.define('sp-call-quality', SpCallQuality);
declare global {
  interface HTMLElementTagNameMap {
    'sp-call-quality': SpCallQuality;
  }
}
