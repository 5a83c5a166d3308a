import { LitElement, css, html } from 'lit';
import type { Phone } from '../call/phone.ts';
import { microphoneMessage, screenOf, type PhoneState } from '../call/phone-state.ts';
import '../components/sp-sign-in.ts';
import '../components/sp-contacts.ts';
import '../components/sp-nav.ts';
import '../components/sp-update-prompt.ts';
import '../components/sp-call-notifications-prompt.ts';
import '../components/sp-announcer.ts';
import { announcement } from './announcement.ts';
import { recentPeople } from '../call/history-rows.ts';

/** How many people of the latest calls head the people list. */
const RECENT_PEOPLE = 5;

/**
 * What only a signed-in page shows — the history and the call screens — is fetched once signed in,
 * not with the page: none of it is needed to become interactive (`npm run bench:bundle`), and it is
 * in the service worker's precache, so a call that comes right after sign-in finds it at once. An
 * element rendered before it is defined takes the properties it was given when it is.
 */
const loadSignedInScreens = () =>
  Promise.all([
    import('../components/sp-history.ts'),
    import('../components/sp-outgoing-call.ts'),
    import('../components/sp-incoming-call.ts'),
    import('../components/sp-in-call.ts'),
    import('../components/sp-call-ended.ts'),
  ]);
import type { InstalledApp, InstalledAppState } from '../pwa/installed-app.ts';

/**
 * From this width people and history sit side by side and a call opens as a panel beside them
 * (a laptop, a tablet in landscape); below it, one screen at a time as on a phone. In px, as the
 * screenshots' sizes are: 820 px (a tablet in portrait) stays one column, a wider one.
 */
const SIDE_BY_SIDE = '(min-width: 900px)';

/**
 * The mediator: owns nothing but a reference to the Phone, passes its state down to the screen
 * that fits, and turns the screens' events into its controllers' actions.
 */
export class SpApp extends LitElement {
  static override properties = {
    phone: { attribute: false },
    installed: { attribute: false },
    state: { state: true },
    appState: { state: true },
    sideBySide: { state: true },
  };
  /*
   * From 600 px (a tablet in portrait): one screen at a time still, in a column wide enough to read
   * as a page; signing in stays a short form at every width. Side by side: the lists share the
   * width, a call takes a panel on the right and leaves them in view; where two lists and the panel
   * would not fit (under ~1200 px), history goes under people. (Said here, not in the CSS: the
   * styles ship as they are written.)
   */
  static override styles = css`
    :host {
      display: flex;
      justify-content: center;
      /* Inside the iOS shell's web view the page runs under the notch and the home indicator. */
      padding: max(1rem, env(safe-area-inset-top)) max(1rem, env(safe-area-inset-right))
        max(1rem, env(safe-area-inset-bottom)) max(1rem, env(safe-area-inset-left));
    }
    main {
      width: 100%;
      max-width: 26rem;
    }
    @media (min-width: 600px) {
      main:not([data-screen='sign-in']) {
        max-width: 36rem;
      }
    }
    /* On a desktop the phone sits a little below the top edge, not glued to it. */
    @media (min-width: 48rem) and (min-height: 40rem) {
      :host {
        padding-top: 8vh;
      }
    }
    main.side-by-side {
      max-width: 80rem;
      display: grid;
      grid-template-columns: minmax(0, 1fr);
      column-gap: 1.5rem;
      align-items: start;
    }
    main.side-by-side.with-call {
      grid-template-columns: minmax(0, 1fr) 24rem;
    }
    main.side-by-side > :not(.lists, .call-panel) {
      grid-column: 1 / -1;
    }
    .lists {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr));
      gap: 1.5rem;
      align-items: start;
    }
    .call-panel {
      position: sticky;
      top: 1rem;
    }
    .banner {
      margin: 0 0 0.75rem;
      padding: 0.5rem 0.75rem;
      border-radius: 10px;
      background: #fff4d6;
      font-family: system-ui, sans-serif;
    }
  `;

  declare phone: Phone;
  declare installed: InstalledApp;
  declare state: PhoneState;
  declare appState: InstalledAppState;
  declare sideBySide: boolean;
  private unsubscribe: (() => void)[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    const wide = window.matchMedia(SIDE_BY_SIDE);
    // The history beside the people is kept loaded; one at a time, it loads when opened.
    const follow = () => {
      this.sideBySide = wide.matches;
      void this.phone.history.pin(wide.matches);
    };
    follow();
    wide.addEventListener('change', follow);
    this.unsubscribe = [
      this.phone.subscribe((s) => (this.state = s)),
      this.installed.subscribe((s) => (this.appState = s)),
      () => wide.removeEventListener('change', follow),
    ];
    void this.phone.session.restore();
  }

  override willUpdate(): void {
    if (this.state.account) void loadSignedInScreens();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const u of this.unsubscribe) u();
  }

  override render() {
    const s = this.state;
    const screen = screenOf(s);
    const sideBySide = this.sideBySide && screen !== 'sign-in';
    const onCall = !(screen === 'contacts' || screen === 'history');
    return html`<main
      data-screen=${screen}
      class=${sideBySide ? `side-by-side${onCall ? ' with-call' : ''}` : ''}
      @sp-sign-in=${(e: GlobalEventHandlersEventMap['sp-sign-in']) => void this.phone.session.signIn(e.detail.username, e.detail.password)}
      @sp-sign-up=${(e: GlobalEventHandlersEventMap['sp-sign-up']) =>
        void this.phone.session.signUp(e.detail.username, e.detail.password, e.detail.displayName)}
      @sp-sign-out=${() => void this.phone.signOut()}
      @sp-view=${(e: GlobalEventHandlersEventMap['sp-view']) =>
        e.detail.view === 'history' ? void this.phone.history.show() : this.phone.history.showPeople()}
      @sp-call-requested=${(e: GlobalEventHandlersEventMap['sp-call-requested']) => void this.phone.calls.invite(e.detail.userId)}
      @sp-dial-requested=${(e: GlobalEventHandlersEventMap['sp-dial-requested']) => void this.phone.calls.dial(e.detail.username)}
      @sp-contact-add-requested=${(e: GlobalEventHandlersEventMap['sp-contact-add-requested']) =>
        void this.phone.session.addContact(e.detail.username)}
      @sp-answer=${() => void this.phone.calls.answer()}
      @sp-decline=${() => void this.phone.calls.decline()}
      @sp-hangup=${() => void this.phone.calls.hangup()}
      @sp-mute-changed=${(e: GlobalEventHandlersEventMap['sp-mute-changed']) => this.phone.calls.setMuted(e.detail.muted)}
      @sp-hold-changed=${(e: GlobalEventHandlersEventMap['sp-hold-changed']) => void this.phone.calls.setHeld(e.detail.held)}
      @sp-output-changed=${(e: GlobalEventHandlersEventMap['sp-output-changed']) => void this.phone.calls.setOutput(e.detail.deviceId)}
      @sp-dismiss=${() => this.phone.calls.dismissEnded()}
      @sp-update-accepted=${() => void this.installed.update()}
      @sp-call-notifications-enable=${() => void this.phone.push.enableCallNotifications()}
    >
      ${this.appState.updateReady && !s.call ? html`<sp-update-prompt></sp-update-prompt>` : null}
      <sp-announcer .message=${announcement(s)}></sp-announcer>
      ${s.connection === 'reconnecting' ? html`<p class="banner">${s.notice}</p>` : null}
      ${this.renderMicrophone(s)}
      ${
        s.soundBlocked
          ? html`<p class="banner" data-test="sound-blocked">
              Your browser keeps this page silent until you click in it or press a key, so calls ring without
              sound.
            </p>`
          : null
      }
      ${
        sideBySide || !onCall
          ? html`<sp-nav
              .name=${s.self?.displayName ?? ''}
              .view=${s.view}
              .unreadMissed=${s.unreadMissed}
              .sideBySide=${sideBySide}
            ></sp-nav>`
          : null
      }
      ${
        sideBySide
          ? html`<div class="lists">
                <div>${this.renderScreen('contacts', s)}</div>
                <div>${this.renderScreen('history', s)}</div>
              </div>
              ${onCall ? html`<aside class="call-panel" aria-label="Call">${this.renderScreen(screen, s)}</aside>` : null}`
          : this.renderScreen(screen, s)
      }
    </main>`;
  }

  /** Above every screen once signed in: a call with no microphone is silent for the other party. */
  private renderMicrophone(s: PhoneState) {
    const message = s.account ? microphoneMessage(s) : null;
    return message
      ? html`<p class="banner" role="alert" data-test="microphone-permission">${message}</p>`
      : null;
  }

  private renderScreen(screen: ReturnType<typeof screenOf>, s: PhoneState) {
    switch (screen) {
      case 'sign-in':
        return html`<sp-sign-in
          .error=${s.authError}
          .busy=${s.authBusy || s.connection === 'connecting'}
        ></sp-sign-in>`;
      case 'contacts':
        return html`${
            s.callNotifications === 'off'
              ? html`<sp-call-notifications-prompt></sp-call-notifications-prompt>`
              : null
          }<sp-contacts
            .self=${s.self}
            .recent=${recentPeople(s, RECENT_PEOPLE)}
            .users=${s.users}
            .asleep=${s.asleep}
            .notice=${s.notice}
            .contactNotice=${s.contactNotice}
          ></sp-contacts>`;
      case 'outgoing':
        return s.call ? html`<sp-outgoing-call .call=${s.call}></sp-outgoing-call>` : null;
      case 'incoming':
        return s.call ? html`<sp-incoming-call .call=${s.call}></sp-incoming-call>` : null;
      case 'history':
        return html`<sp-history .entries=${s.history}></sp-history>`;
      case 'in-call':
        return s.call
          ? html`<sp-in-call .call=${s.call} .outputs=${s.outputs} .outputId=${s.outputId}></sp-in-call>`
          : null;
      case 'ended':
        return s.ended ? html`<sp-call-ended .ended=${s.ended}></sp-call-ended>` : null;
    }
  }
}
customElements.define('sp-app', SpApp);
declare global {
  interface HTMLElementTagNameMap {
    'sp-app': SpApp;
  }
}
