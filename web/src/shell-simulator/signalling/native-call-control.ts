/**
 * Models `ios-shell/Shell/Signalling/NativeCallControl.swift`: call control over the shell's own
 * socket, for the life of every CallKit call, connected as the page's device with the page's
 * session, so that answer, hang-up, media negotiation and keep-alive go on while the page is
 * frozen. A pushed or page-reported incoming call is first claimed (`call:reported`); everything
 * else about the call waits for the claim. The socket opens with the first call and closes when
 * the last one has been settled with the server.
 *
 * Reconnects (as the Swift): every (re)connection is a new socket on the server, which gives each
 * call this device was settled in back as `call:resync` (or `call:ended`) before its welcome; the
 * resync is applied (a missed answer connects the outgoing call, a missed downstream offer reaches
 * the engine) and a settled call the welcome comes without ends here. A claim or answer whose ack
 * does not come while connected is sent again, at most `SHELL_POLICY.ackAttempts` times.
 */
import {
  CallState,
  ErrorCode,
  type CallKitEndReason,
  type DeviceReport,
  type IceServer,
  type MicPermission,
  type Peer,
  type EndReason,
  type EndedBy,
} from '@softphone/sfu/protocol';
import type { Outgoing } from '../bridge/web-bridge.ts';
import type { CallKitSimulator } from '../callkit-simulator.ts';
import type { NativeSignalling } from '../media/native-peer-connections.ts';
import { SHELL_POLICY } from '../shell-policy.ts';
import { bindToSocket } from './media-signalling.ts';
import type { DeviceIdentity, SessionCredentials } from './session-credentials.ts';
import { SignallingClient, type ShellAck, type ShellSocketRoute } from './signalling-client.ts';

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
  /** `session:welcome`: the server's no-answer timeout and this device's ICE servers. */
  welcome(noAnswerTimeoutMs: number, iceServers: IceServer[]): void;
  /** `session:ice-servers`: TURN credentials renewed. */
  iceServers(iceServers: IceServer[]): void;
}

export type ServerCallAction = 'decline' | 'hangup';

interface Link {
  direction: 'incoming' | 'outgoing';
  claim: 'needed' | 'in-flight' | 'done';
  afterClaim: (() => void)[];
  /** Sends of the claim so far on this connection (`AckRetry`). */
  claimAttempts: number;
  /** The server said the call is answered (`call:state`, or a resync). */
  answered: boolean;
}

const newLink = (direction: Link['direction'], claim: Link['claim']): Link => ({
  direction,
  claim,
  afterClaim: [],
  claimAttempts: 1,
  answered: false,
});

export class NativeCallControl {
  private readonly links = new Map<string, Link>();
  private socket: SignallingClient | null = null;
  /** `ResyncLedger`: settled calls that owe a resync (or an end) before this connection's welcome. */
  private awaitingResync = new Set<string>();
  /** Requests that keep the socket open without a call of their own (an invite in flight, a hang-up being settled). */
  private errands = 0;

  constructor(
    private readonly system: CallKitSimulator,
    private readonly credentials: SessionCredentials,
    private readonly route: ShellSocketRoute,
    private readonly delegate: NativeCallControlDelegate,
    /** The rig's network latency on the claim's answer (a slow network holds the claim in flight). */
    private readonly claimAckDelayMs: () => number = () => 0,
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
    this.links.set(callId, newLink(direction, direction === 'incoming' ? 'needed' : 'done'));
    this.claim(callId);
  }

  answer(callId: string): void {
    this.afterClaim(callId, () => this.sendAnswer(callId, 1));
  }

  /** The answer, sent again while its ack does not come (`sendAnswer(_:retry:)`). */
  private sendAnswer(callId: string, attempt: number): void {
    void this.socket?.request('call:answer', { callId }).then((res) => {
      if (res.ok || !this.links.has(callId)) return;
      if (res.error.code === 'no-ack' && this.socket?.connected) {
        if (attempt < SHELL_POLICY.ackAttempts.value) {
          this.system.log('answer-unacked', callId, `sending again attempt=${attempt + 1}`);
          this.sendAnswer(callId, attempt + 1);
        } else this.lost(callId, `answer unacked after ${attempt} attempts`);
        return;
      }
      this.serverRefused(callId, res.error.code, 'answer');
    });
  }

  /**
   * The call left CallKit here; the server hears `server` unless it ended the call itself.
   * `settled` runs once now and, after a request, again when the server has answered it.
   */
  end(callId: string, server: ServerCallAction | null, settled: () => void): void {
    const link = this.links.get(callId);
    if (server && link && link.claim !== 'done') {
      // As NativeCallControl.swift: what the server must hear waits for the claim, which makes this
      // device a party to a pushed call; the link stays until then (S9: the claim may still succeed).
      link.afterClaim.push(() => {
        this.links.delete(callId);
        this.tellServer(callId, server, settled);
      });
      settled();
      return;
    }
    this.links.delete(callId);
    settled();
    if (server) this.tellServer(callId, server, settled);
    else this.disconnectIfIdle();
  }

  /** The decline or hang-up; `settled` runs again once the server has answered. */
  private tellServer(callId: string, server: ServerCallAction, settled: () => void): void {
    const socket = this.socket;
    if (!socket) {
      this.disconnectIfIdle();
      return;
    }
    this.errands += 1;
    void socket.request(server === 'decline' ? 'call:decline' : 'call:hangup', { callId }).then(() => {
      this.errands -= 1;
      settled();
      this.disconnectIfIdle();
    });
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

  /** NativeCallControl.swift `deviceReport`: this iPhone and its call's activation, for the quality record. */
  deviceReport(callId: string, report: DeviceReport): void {
    this.afterClaim(callId, () => void this.socket?.request('call:device-report', { callId, report }));
  }

  /** The permission to record as this device joins the call: kept with the call on the server. */
  micPermission(callId: string, state: MicPermission): void {
    this.afterClaim(callId, () => void this.socket?.request('call:mic-permission', { callId, state }));
  }

  /**
   * PushKit invalidated `token`: only that one is unregistered, since the page may already have
   * registered its successor on its own socket (a device-wide unregister would delete it too).
   */
  unregisterPush(token: string | null): void {
    this.errands += 1;
    const socket = this.ensureConnected();
    if (!socket) {
      this.errands -= 1;
      return;
    }
    void socket.request('push:unregister', token === null ? {} : { token }).then((res) => {
      this.errands -= 1;
      this.system.log('push-unregistered', undefined, res.ok ? (token?.slice(-8) ?? 'all') : res.error.code);
      this.disconnectIfIdle();
    });
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
      this.links.set(callId, newLink('outgoing', 'done'));
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
    void socket.request('call:reported', { callId }).then((res) => {
      const delay = this.claimAckDelayMs();
      if (delay > 0) setTimeout(() => this.claimed(callId, res), delay);
      else this.claimed(callId, res);
    });
  }

  private claimed(callId: string, res: ShellAck<{ call: { callId: string; from: Peer } }>): void {
    const link = this.links.get(callId);
    if (!link) return;
    if (!res.ok) {
      link.claim = 'needed';
      if (res.error.code === 'no-ack' && this.socket?.connected) {
        if (link.claimAttempts < SHELL_POLICY.ackAttempts.value) {
          link.claimAttempts += 1;
          this.system.log('claim-unacked', callId, `sending again attempt=${link.claimAttempts}`);
          this.claim(callId);
        } else this.lost(callId, `claim unacked after ${link.claimAttempts} attempts`);
        return;
      }
      // Retried at the next connection (the ack was lost with a socket that dropped).
      if (res.error.code === 'no-ack') return;
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

  /** The server refused a claim or an answer: a call that is over ends here too; so does one it can't be reached for. */
  private serverRefused(callId: string, code: string, request: string): void {
    this.system.log('server-refused', callId, `${request}: ${code}`);
    if (code === ErrorCode.CallNoLongerAvailable || code === ErrorCode.CallNotFound || code === 'offline') {
      // What waited for the claim (a decline) has nothing left to tell (`refusedAsOver` untracks).
      this.links.delete(callId);
      this.delegate.serverEnded(
        callId,
        code === 'offline' ? 'failed' : 'remote-ended',
        `${request} refused: ${code}`,
      );
      this.disconnectIfIdle();
    }
  }

  /** The server can't be made to hear this call: CallKit ends it as failed. */
  private lost(callId: string, why: string): void {
    this.links.delete(callId);
    this.delegate.serverEnded(callId, 'failed', why);
    this.disconnectIfIdle();
  }

  /** The call as the server has it after this socket (re)connected: what was missed while away is applied. */
  private resynced(callId: string, state: CallState, answered: boolean): void {
    this.awaitingResync.delete(callId);
    if (!this.links.has(callId)) return;
    this.system.log('resync', callId, `state=${state} answered=${answered}`);
    this.delegate.tellPage({ type: 'call.state', callId, state, reason: null, by: null });
    if (answered) this.markAnswered(callId);
  }

  /** An answer the device hears of once: an outgoing call connects in CallKit (its ring timer disarmed). */
  private markAnswered(callId: string): void {
    const link = this.links.get(callId);
    if (!link || link.answered) return;
    link.answered = true;
    if (link.direction === 'outgoing') this.delegate.outgoingConnected(callId);
  }

  /** The welcome closes what the server had to say before it: a settled call it did not give back is over. */
  private welcomed(): void {
    const gone = [...this.awaitingResync].filter((id) => this.links.has(id));
    this.awaitingResync.clear();
    for (const callId of gone) {
      this.system.log('resync-missing', callId, 'not resynced after reconnecting');
      this.delegate.tellPage({ type: 'call.state', callId, state: CallState.Ended, reason: null, by: null });
      this.lost(callId, 'not resynced after reconnecting');
    }
  }

  private ensureConnected(): SignallingClient | null {
    if (this.socket) return this.socket;
    const identity = this.credentials.identity;
    if (!identity) {
      this.system.log('signalling-unavailable', undefined, 'no device identity from the page yet');
      return null;
    }
    // This window's cookies are the page's session (the stand-in is on the same host), as the
    // shell reads WKWebView's store.
    const socket = new SignallingClient(this.route, identity, {
      connected: () => {
        this.system.log('native-socket-connected');
        // A new connection is a new socket on the server: claims that did not settle are made
        // again, and every settled call waits for its resync (sent before the welcome).
        this.awaitingResync = new Set(
          [...this.links].filter(([, link]) => link.claim === 'done').map(([id]) => id),
        );
        for (const [id, link] of this.links) {
          link.claimAttempts = 1;
          if (link.claim === 'needed') this.claim(id);
        }
      },
      disconnected: (why) => this.system.log('native-socket-disconnected', undefined, why),
      refused: (e) => {
        this.system.log('native-socket-refused', undefined, e.code);
        // Signed out or the device moved account: no call of ours can go on.
        for (const id of [...this.links.keys()])
          this.delegate.serverEnded(id, 'failed', `socket refused: ${e.code}`);
      },
    });
    // S10: the shell's own TURN, so that a cold launch from a push has a relay before any page does.
    socket.on('session:welcome', ({ noAnswerTimeoutMs, iceServers }) => {
      this.delegate.welcome(noAnswerTimeoutMs, iceServers);
      this.welcomed();
    });
    socket.on('call:resync', ({ callId, state, answered, downstream }) => {
      this.resynced(callId, state, answered);
      // MediaNegotiator's part: the downstream as last sent to this device (one already answered
      // is recognised by the engine).
      if (downstream?.event === 'media:offer' && this.links.has(callId))
        this.delegate.subscriberOffer(callId, downstream.sdp);
    });
    socket.on('call:state', ({ callId, state }) => {
      if (!this.links.has(callId)) return;
      this.delegate.tellPage({ type: 'call.state', callId, state, reason: null, by: null });
      if (state === CallState.Answered) this.markAnswered(callId);
    });
    socket.on('call:ended', ({ callId, reason, by }) => {
      this.awaitingResync.delete(callId);
      if (!this.links.has(callId)) return;
      this.delegate.tellPage({ type: 'call.state', callId, state: CallState.Ended, reason, by });
      this.delegate.serverEnded(callId, callKitReason(reason, by), `call:ended ${reason} by ${by}`);
    });
    socket.on('media:offer', ({ callId, sdp }) => this.delegate.subscriberOffer(callId, sdp));
    socket.on('session:ice-servers', ({ iceServers }) => this.delegate.iceServers(iceServers));
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
