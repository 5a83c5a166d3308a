/**
 * Models `ios-shell/Shell/Signalling/NativeCallControl.swift`: call control over the shell's own
 * socket, for the life of every CallKit call, connected as the page's device with the page's
 * session, so that answer, hang-up, media negotiation and keep-alive go on while the page is
 * frozen. A pushed or page-reported incoming call is first claimed (`call:reported`); everything
 * else about the call waits for the claim. The socket opens with the first call and closes when
 * the last one has been settled with the server.
 */
import {
  CallState,
  ErrorCode,
  type Ack,
  type CallKitEndReason,
  type Peer,
  type EndReason,
  type EndedBy,
} from '@softphone/sfu/protocol';
import { SignallingClient, type ConnectionEvents } from '../../signalling/signalling-client.ts';
import type { Outgoing } from '../bridge/web-bridge.ts';
import type { CallKitSimulator } from '../callkit-simulator.ts';
import type { NativeSignalling } from '../media/native-peer-connections.ts';
import { SHELL_POLICY } from '../shell-policy.ts';
import { bindToSocket } from './media-signalling.ts';
import type { DeviceIdentity, SessionCredentials } from './session-credentials.ts';

export interface NativeCallControlDelegate {
  tellPage(message: Outgoing): void;
  /** The claim settled: the server named the caller. */
  claimed(callId: string, peer: Peer): void;
  /** The server has this device in the call (claimed, or invited by it): the native engine may negotiate. */
  joined(callId: string): void;
  /** `call:invite` succeeded: CallKit starts the outgoing call under the server's id. */
  placed(callId: string, callee: Peer): void;
  outgoingConnected(callId: string): void;
  /** The server says the call is over (`call:ended`, or a claim or answer it refused as over). */
  serverEnded(callId: string, reason: CallKitEndReason, why: string): void;
  /** The server's `media:offer` for the call's downstream. */
  subscriberOffer(callId: string, sdp: string): void;
}

export type ServerCallAction = 'decline' | 'hangup';

interface Link {
  direction: 'incoming' | 'outgoing';
  claim: 'needed' | 'in-flight' | 'done';
  afterClaim: (() => void)[];
}

export class NativeCallControl {
  private readonly links = new Map<string, Link>();
  private socket: SignallingClient | null = null;
  /** Requests that keep the socket open without a call of their own (an invite in flight, a hang-up being settled). */
  private errands = 0;

  constructor(
    private readonly system: CallKitSimulator,
    private readonly credentials: SessionCredentials,
    private readonly delegate: NativeCallControlDelegate,
  ) {}

  /** The page's identity, for every later connection (cold launches included). */
  setIdentity(identity: DeviceIdentity): void {
    this.credentials.identity = identity;
  }

  /** The negotiation of a call's media on this socket, while it is open. */
  negotiation(callId: string): NativeSignalling | null {
    return this.socket && bindToSocket(this.socket, callId);
  }

  // ---- CallKit → server ----

  /** CallKit has the call: the socket carries it from now on. */
  track(callId: string, direction: Link['direction']): void {
    if (this.links.has(callId)) return;
    this.links.set(callId, {
      direction,
      claim: direction === 'incoming' ? 'needed' : 'done',
      afterClaim: [],
    });
    this.claim(callId);
  }

  answer(callId: string): void {
    this.afterClaim(
      callId,
      () =>
        void this.socket?.request('call:answer', { callId }).then((res) => {
          if (!res.ok) this.serverRefused(callId, res.error.code, 'answer');
        }),
    );
  }

  /**
   * The call left CallKit here; the server hears `server` unless it ended the call itself.
   * `settled` runs once now and, after a request, again when the server has answered it.
   */
  end(callId: string, server: ServerCallAction | null, settled: () => void): void {
    this.links.delete(callId);
    const socket = this.socket;
    // A device that rings (the page's socket heard the call) may decline before the shell's claim settles.
    if (server && socket) {
      this.errands += 1;
      void socket.request(server === 'decline' ? 'call:decline' : 'call:hangup', { callId }).then(() => {
        this.errands -= 1;
        settled();
        this.disconnectIfIdle();
      });
      settled();
      return;
    }
    settled();
    this.disconnectIfIdle();
  }

  /** The user held the call in the page. */
  hold(callId: string, held: boolean): void {
    this.afterClaim(callId, () => void this.socket?.request('call:hold', { callId, held }));
  }

  /** No `didActivate` in time: logged on the server at once, with the call id. */
  activationFailed(callId: string): void {
    this.afterClaim(
      callId,
      () => void this.socket?.request('call:activation-failed', { callId, why: 'not-activated' }),
    );
  }

  /** The media connection did not come back: the server ends the call with `media-lost`. */
  mediaLost(callId: string): void {
    this.afterClaim(callId, () => void this.socket?.request('call:media-lost', { callId }));
  }

  // ---- errands ----

  /** The user placed a call (the page's `call.place`). */
  place(requestId: number, callee: Peer): void {
    this.errands += 1;
    const socket = this.ensureConnected();
    if (!socket) {
      this.errands -= 1;
      this.delegate.tellPage({
        type: 'call.place-failed',
        requestId,
        code: 'offline',
        message: 'no device identity yet',
      });
      return;
    }
    void socket.request('call:invite', { to: callee.id }, SHELL_POLICY.inviteTimeoutMs.value).then((res) => {
      this.errands -= 1;
      if (!res.ok) {
        this.delegate.tellPage({
          type: 'call.place-failed',
          requestId,
          code: res.error.code,
          message: res.error.message,
        });
        this.disconnectIfIdle();
        return;
      }
      const callId = res.data.callId;
      this.links.set(callId, { direction: 'outgoing', claim: 'done', afterClaim: [] });
      this.delegate.tellPage({ type: 'call.placed', requestId, callId });
      this.delegate.placed(callId, callee);
      this.delegate.joined(callId);
    });
  }

  /** The process is killed: its socket goes with it. */
  terminate(): void {
    this.socket?.close();
    this.socket = null;
  }

  // ---- internals ----

  private claim(callId: string): void {
    const link = this.links.get(callId);
    const socket = this.ensureConnected();
    if (!link || link.claim !== 'needed' || !socket) return;
    link.claim = 'in-flight';
    void socket.request('call:reported', { callId }).then((res) => this.claimed(callId, res));
  }

  private claimed(callId: string, res: Ack<{ call: { callId: string; from: Peer } }>): void {
    const link = this.links.get(callId);
    if (!link) return;
    if (!res.ok) {
      link.claim = 'needed';
      this.serverRefused(callId, res.error.code, 'claim');
      return;
    }
    link.claim = 'done';
    this.system.log('claimed', callId);
    this.delegate.claimed(callId, res.data.call.from);
    this.delegate.joined(callId);
    for (const work of link.afterClaim.splice(0)) work();
  }

  private afterClaim(callId: string, work: () => void): void {
    const link = this.links.get(callId);
    if (!link) return;
    if (link.claim === 'done') work();
    else link.afterClaim.push(work);
  }

  /** The server refused a claim or an answer: a call that is over ends here too. */
  private serverRefused(callId: string, code: string, request: string): void {
    this.system.log('server-refused', callId, `${request}: ${code}`);
    if (code === ErrorCode.CallNoLongerAvailable || code === ErrorCode.CallNotFound) {
      this.delegate.serverEnded(callId, 'remote-ended', `${request} refused: ${code}`);
    }
  }

  private ensureConnected(): SignallingClient | null {
    if (this.socket) return this.socket;
    const identity = this.credentials.identity;
    if (!identity) {
      this.system.log('signalling-unavailable', undefined, 'no device identity from the page yet');
      return null;
    }
    // This window's cookies are the page's session: the same origin, as the shell reads WKWebView's store.
    const policy = {
      // socket.io-client-swift's `.reconnectWait` / `.reconnectWaitMax` (SignallingClient.swift).
      reconnectionDelay: SHELL_POLICY.reconnectWaitMs.value,
      reconnectionDelayMax: SHELL_POLICY.reconnectWaitMaxMs.value,
    };
    const events: ConnectionEvents = {
      connected: () => {
        this.system.log('native-socket-connected');
        // A new connection is a new socket on the server: claims that did not settle are made again.
        for (const [id, link] of this.links) if (link.claim === 'needed') this.claim(id);
      },
      disconnected: (why) => this.system.log('native-socket-disconnected', undefined, why),
      refused: (e) => {
        this.system.log('native-socket-refused', undefined, e.code);
        // Signed out or the device moved account: no call of ours can go on.
        for (const id of [...this.links.keys()])
          this.delegate.serverEnded(id, 'failed', `socket refused: ${e.code}`);
      },
    };
    const timeoutMs = SHELL_POLICY.requestTimeoutMs.value;
    const socket = new SignallingClient(window.location.origin, identity, events, policy, timeoutMs);
    socket.on('call:state', ({ callId, state }) => {
      const link = this.links.get(callId);
      if (!link) return;
      this.delegate.tellPage({ type: 'call.state', callId, state, reason: null, by: null });
      if (state === CallState.Answered && link.direction === 'outgoing')
        this.delegate.outgoingConnected(callId);
    });
    socket.on('call:ended', ({ callId, reason, by }) => {
      if (!this.links.has(callId)) return;
      this.delegate.tellPage({ type: 'call.state', callId, state: CallState.Ended, reason, by });
      this.delegate.serverEnded(callId, callKitReason(reason, by), `call:ended ${reason} by ${by}`);
    });
    socket.on('media:offer', ({ callId, sdp }) => this.delegate.subscriberOffer(callId, sdp));
    // SignallingClient.swift `sessionEnded`: the server disconnects next and socket.io does not
    // reconnect after that, so the socket is dropped (the next sign-in's cookie makes a new one) and
    // our calls end here: the server ended them with the session.
    socket.on('session:ended', ({ reason }) => {
      this.system.log('native-session-ended', undefined, reason);
      socket.close();
      if (this.socket === socket) this.socket = null;
      for (const id of [...this.links.keys()])
        this.delegate.serverEnded(id, 'failed', `session ended: ${reason}`);
    });
    this.socket = socket;
    socket.connect();
    return socket;
  }

  private disconnectIfIdle(): void {
    if (this.links.size > 0 || this.errands > 0 || !this.socket) return;
    this.socket.close();
    this.socket = null;
    this.system.log('native-socket-closed');
  }
}

/** The server's end reason as CallKit's (`CallControlWire.callKitReason` in CallControlWire.swift). */
function callKitReason(reason: EndReason, by: EndedBy): CallKitEndReason {
  if (reason === 'answered-elsewhere') return 'answered-elsewhere';
  if (reason === 'declined') return by === 'self' ? 'declined-elsewhere' : 'remote-ended';
  if (reason === 'no-answer' || reason === 'unreachable') return 'unanswered';
  if (reason === 'hung-up' || reason === 'cancelled' || reason === 'busy') return 'remote-ended';
  return 'failed';
}
