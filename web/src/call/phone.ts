/**
 * The page's phone: the controllers that make it up, wired to each other and to what they need
 * from the platform (passed in, so the whole phone runs in Node against a real server). The UI
 * reads {@link Phone.state} and calls the controllers' actions.
 *
 * - {@link SessionController}: sign-in, the connection, presence.
 * - {@link CallController}: the current call's life, its media and its quality report.
 * - {@link HistoryController}: the history view and the missed-calls badge.
 * - {@link PushRegistration}: where this device can be woken (VoIP token, Web Push).
 * - `RingController` (ring-sound.ts, loaded once signed in): the ringtone and ringback, where the page rings.
 */
import type { CallId, IceServer } from '@softphone/sfu/protocol';
import type { AccountClient } from '../account/account-client.ts';
import type { AudioActivation } from '../media/audio-activation.ts';
import type { MediaEngine, MediaEngineEvents } from '../media/media-engine.ts';
import type { CallNotifications } from '../push/call-notifications.ts';
import type { OpenSignalling } from '../signalling/signalling-client.ts';
import { SignallingLink } from '../signalling/signalling-link.ts';
import { CallController } from './call-controller.ts';
import type { CallRequests } from './call-requests.ts';
import { HistoryController } from './history-controller.ts';
import { initialPhoneState, type OutputDevice, type PhoneState } from './phone-state.ts';
import { PushRegistration } from './push-registration.ts';
import type { OpenRingPlayer } from './ring-sound.ts';
import { SessionController } from './session-controller.ts';
import { StateStore, type StateListener } from './state-store.ts';

export interface PhoneDeps {
  accounts: AccountClient;
  openSignalling: OpenSignalling;
  /** Who tells the server about calls: the page over `link` (a browser), or the iOS shell. */
  callRequests: (link: SignallingLink) => CallRequests;
  createEngine: (events: MediaEngineEvents, callId: CallId, iceServers: IceServer[]) => MediaEngine;
  activation: AudioActivation;
  listOutputs: () => Promise<OutputDevice[]>;
  notifications: CallNotifications;
  whenOnline: (retry: () => void) => void;
  /** Absent where the page must not ring: the iOS shell (CallKit rings), Node. */
  openRingPlayer?: OpenRingPlayer;
}

export class Phone {
  readonly session: SessionController;
  readonly calls: CallController;
  readonly history: HistoryController;
  readonly push: PushRegistration;
  private readonly store = new StateStore<PhoneState>(initialPhoneState);
  private ringing: Promise<unknown> | null = null;

  constructor(deps: PhoneDeps) {
    const store = this.store;
    const link = new SignallingLink();
    this.calls = new CallController({
      store,
      link,
      requests: deps.callRequests(link),
      createEngine: deps.createEngine,
      activation: deps.activation,
      listOutputs: deps.listOutputs,
    });
    this.history = new HistoryController({ store, link });
    this.push = new PushRegistration({ store, link, notifications: deps.notifications });
    this.session = new SessionController({
      store,
      link,
      accounts: deps.accounts,
      openSignalling: deps.openSignalling,
      whenOnline: deps.whenOnline,
      onConnected: () => {
        if (deps.openRingPlayer) this.startRinging(deps.openRingPlayer);
        void this.calls.connected();
        this.push.connected();
      },
      onLost: () => this.calls.connectionLost(),
      // The server has ended the calls of a session it disconnected; this device forgets them and
      // shows the sign-in screen with why.
      onEnded: (message) => {
        this.calls.reset();
        this.store.set({ ...initialPhoneState, authError: message });
      },
    });
  }

  /**
   * Loaded once signed in, not with the page (its budget): it follows the state from then on, a
   * call that rang in the meantime included.
   */
  private startRinging(open: OpenRingPlayer): void {
    this.ringing ??= import('./ring-sound.ts').then(
      ({ RingController }) => new RingController(this.store, open),
      (err: unknown) => console.warn('the ring controller did not load', err),
    );
  }

  get state(): PhoneState {
    return this.store.state;
  }

  subscribe(listener: StateListener<PhoneState>): () => void {
    return this.store.subscribe(listener);
  }

  async signOut(): Promise<void> {
    await this.calls.hangup();
    await this.push.unregister();
    await this.session.signOut();
    this.calls.reset();
    this.store.set({ ...initialPhoneState });
  }
}
