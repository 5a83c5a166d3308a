/**
 * Who is signed in and whether we are connected: sign-in, sign-up and restoring the cookie's
 * session through the accounts API, then one signalling connection per sign-in, and presence.
 */
import { ErrorCode, SessionEndReason, type Account, type PresenceState } from '@softphone/sfu/protocol';
import type { AccountClient, AccountResult } from '../account/account-client.ts';
import type { OpenSignalling } from '../signalling/signalling-client.ts';
import type { SignallingLink } from '../signalling/signalling-link.ts';
import { applyPresence, type PhoneState } from './phone-state.ts';
import type { StateStore } from './state-store.ts';

export interface SessionControllerDeps {
  store: StateStore<PhoneState>;
  link: SignallingLink;
  accounts: AccountClient;
  openSignalling: OpenSignalling;
  /** Calls `retry` once when the network is back (the browser's `online` event). */
  whenOnline: (retry: () => void) => void;
  /** The connection is up (again). */
  onConnected: () => void;
  /** The connection dropped; told before the state says so. */
  onLost: () => void;
  /** The session ended under the connection (signed out elsewhere, expired): reset, then sign in. */
  onEnded: (message: string) => void;
}

/** What the sign-in screen says when the session ended under a live connection. */
export const SESSION_ENDED_MESSAGES: Record<SessionEndReason, string> = {
  [SessionEndReason.SignedOut]: 'Signed out on another device.',
  [SessionEndReason.Expired]: 'Your session expired. Please sign in again.',
  [SessionEndReason.PasswordChanged]: 'Your password was changed on another device. Please sign in again.',
};

export class SessionController {
  /** Set by `session:ended`; the server's disconnect follows it on the same connection. */
  private endedBecause: SessionEndReason | null = null;

  constructor(private readonly d: SessionControllerDeps) {
    d.link.on('session:ended', ({ reason }) => (this.endedBecause = reason));
    d.link.on('session:welcome', ({ self, iceServers }) => d.store.set({ self, iceServers }));
    d.link.on('session:ice-servers', ({ iceServers }) => d.store.set({ iceServers }));
    d.link.on('presence:users', ({ users, asleep }) => d.store.set({ users, asleep }));
    d.link.on('presence:changed', (change) => d.store.set(applyPresence(d.store.state, change)));
  }

  /** Adds someone by their exact username; what came of it goes to `contactNotice`. */
  async addContact(username: string): Promise<void> {
    const { store, link } = this.d;
    const res = await link.request('contacts:add', { username: username.trim() });
    if (res.ok) {
      const { contact, presence } = res.data;
      // The list itself follows from the `presence:changed` the server sends every device of ours.
      store.set({ contactNotice: { text: `${contact.displayName} ${ADDED[presence]}`, ok: true } });
      return;
    }
    const text =
      res.error.code === ErrorCode.UserNotFound
        ? `Nobody has the username “${username.trim()}”.`
        : res.error.code === ErrorCode.InvalidTarget
          ? 'That is your own username.'
          : res.error.message;
    store.set({ contactNotice: { text, ok: false } });
  }

  /** Resumes a session kept in the cookie, if any. */
  async restore(): Promise<void> {
    const res = await this.d.accounts.me();
    if (res.ok) {
      this.connect(res.account);
      return;
    }
    if (res.code === 'offline') {
      // The offline shell loaded from the service worker: say so, and sign in again once back.
      this.d.store.set({ authError: 'You are offline. Softphone will reconnect when the network is back.' });
      this.d.whenOnline(() => void this.restore());
    } else {
      this.d.store.set({ authError: null });
    }
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.authenticate(this.d.accounts.signIn({ username, password }));
  }

  async signUp(username: string, password: string, displayName: string): Promise<void> {
    await this.authenticate(this.d.accounts.signUp({ username, password, displayName }));
  }

  /** Closes the connection and ends the cookie's session (the phone resets its state after). */
  async signOut(): Promise<void> {
    this.d.link.close();
    await this.d.accounts.signOut();
  }

  private async authenticate(request: Promise<AccountResult>): Promise<void> {
    this.d.store.set({ authBusy: true, authError: null });
    const res = await request;
    if (!res.ok) {
      this.d.store.set({ authBusy: false, authError: res.message });
      return;
    }
    this.d.store.set({ authBusy: false });
    this.connect(res.account);
  }

  private connect(account: Account): void {
    const { store, link } = this.d;
    link.close();
    this.endedBecause = null;
    store.set({ account, connection: 'connecting', authError: null, notice: null });
    const transport = this.d.openSignalling({
      connected: () => {
        store.set({ connection: 'connected', notice: null });
        this.d.onConnected();
      },
      refused: (e) => {
        if (link.isCurrent(transport)) link.close();
        else transport.close();
        store.set({ connection: 'signed-out', account: null, self: null, authError: e.message });
      },
      disconnected: (reason) => {
        const ended = this.endedBecause;
        if (ended) {
          // Not a lost connection: the session is gone (its cookie admits nobody any more).
          this.endedBecause = null;
          link.close();
          this.d.onEnded(SESSION_ENDED_MESSAGES[ended]);
          return;
        }
        this.d.onLost();
        // socket.io reconnects by itself unless the server or we closed the connection.
        const willRetry = reason !== 'io client disconnect' && reason !== 'io server disconnect';
        store.set({
          connection: willRetry ? 'reconnecting' : 'signed-out',
          notice: willRetry ? 'Connection lost, reconnecting…' : null,
        });
      },
    });
    link.open(transport);
  }
}

/** What adding someone says, by their presence now. */
const ADDED: Record<PresenceState, string> = {
  online: 'is added, and online.',
  asleep: 'is added: a call will wake their phone or browser.',
  offline: 'is added. They will be listed once they open Softphone.',
};
