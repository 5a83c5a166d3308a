/**
 * One audio-only VideoRoom for one call, with each party's two legs: the publisher (its own
 * upstream) and the subscriber (the partner's downstream). Owns a janode session; closing the
 * room destroys the session, and with it every handle. janode events become typed domain events.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import Janode, { type Handle, type Session } from 'janode';
import VideoRoomPlugin, { type TalkingEvent, type VideoRoomHandle } from 'janode/plugins/videoroom';
import type { Logger } from '../log.ts';
import type { JanusGateway } from './janus-gateway.ts';

export type Leg = 'publisher' | 'subscriber';

export interface Candidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export interface MediaRoomEvents {
  /** A party's upstream finished ICE + DTLS with Janus: its feed can now be subscribed to. */
  'publisher-up': [party: string];
  /** Janus's audio-level verdict on a party's upstream. */
  talking: [party: string, talking: boolean];
  /** A leg's peer connection failed or was hung up by Janus. */
  'leg-failed': [party: string, leg: Leg, why: string];
}

/** Room numbers are random 48-bit integers: not guessable, and they never leave the server. */
function randomRoomId(): number {
  return crypto.randomBytes(6).readUIntBE(0, 6);
}

class LegState {
  handle: VideoRoomHandle | null = null;
  /** Candidates that arrived before the handle existed, flushed when it does. */
  pending: (Candidate | null)[] = [];
}

class Party {
  feed: number | null = null;
  publisherUp = false;
  readonly legs: Record<Leg, LegState> = { publisher: new LegState(), subscriber: new LegState() };
  constructor(readonly name: string) {}
}

export class MediaRoom extends EventEmitter<MediaRoomEvents> {
  private readonly parties = new Map<string, Party>();
  private closed = false;

  private constructor(
    readonly room: number,
    private readonly session: Session,
    private readonly control: VideoRoomHandle,
    private readonly log: Logger,
  ) {
    super();
  }

  /** `maxPublishers` leaves room for parties added later (devices a push woke); default: `partyNames`. */
  static async open(
    gateway: JanusGateway,
    partyNames: string[],
    log: Logger,
    maxPublishers = partyNames.length,
  ): Promise<MediaRoom> {
    const session = await gateway.createSession();
    try {
      const control = await session.attach(VideoRoomPlugin);
      const room = randomRoomId();
      await control.create({
        room,
        description: 'call',
        // Every ringing device of the callee publishes before anyone answers.
        max_publishers: maxPublishers,
        permanent: false,
        is_private: true,
        audiocodec: 'opus',
        talking_events: true,
        talking_level_threshold: 60,
        talking_packets_threshold: 50,
      });
      const mr = new MediaRoom(room, session, control, log.child({ room }));
      for (const name of partyNames) mr.parties.set(name, new Party(name));
      return mr;
    } catch (err) {
      await session.destroy().catch(() => undefined);
      throw err;
    }
  }

  /** Publishes a party's upstream from its SDP offer; returns Janus's answer. */
  async publish(partyName: string, offerSdp: string): Promise<string> {
    const party = this.party(partyName);
    if (party.legs.publisher.handle) throw new Error('already published');
    const handle = await this.attach(party, 'publisher');
    handle.on(Janode.EVENT.HANDLE_WEBRTCUP, () => {
      party.publisherUp = true;
      if (party.feed !== null) this.emit('publisher-up', party.name);
    });
    handle.on(VideoRoomPlugin.EVENT.VIDEOROOM_TALKING, (e: TalkingEvent) =>
      this.emit('talking', party.name, e.talking),
    );
    const res = await handle.joinConfigurePublisher({
      room: this.room,
      display: party.name,
      audio: true,
      video: false,
      data: false,
      jsep: { type: 'offer', sdp: offerSdp },
    });
    party.feed = res.feed;
    // WebRTC-up can beat the join response; the feed is only subscribable once both are in.
    if (party.publisherUp) this.emit('publisher-up', party.name);
    await this.flush(party, 'publisher');
    return res.jsep.sdp;
  }

  /** Subscribes `subscriberName` to `publisherName`'s feed; returns Janus's offer. */
  async subscribe(subscriberName: string, publisherName: string): Promise<string> {
    const party = this.party(subscriberName);
    const feed = this.party(publisherName).feed;
    if (feed === null) throw new Error(`${publisherName} has not published`);
    if (party.legs.subscriber.handle) throw new Error('already subscribed');
    const handle = await this.attach(party, 'subscriber');
    const res = await handle.joinSubscriber({ room: this.room, streams: [{ feed }] });
    return res.jsep.sdp;
  }

  async answerSubscription(partyName: string, answerSdp: string): Promise<void> {
    const handle = this.party(partyName).legs.subscriber.handle;
    if (!handle) throw new Error('no subscription to answer');
    await handle.start({ jsep: { type: 'answer', sdp: answerSdp } });
    await this.flush(this.party(partyName), 'subscriber');
  }

  /** ICE restart of a party's upstream: its new offer in, Janus's answer out. */
  async restartPublisher(partyName: string, offerSdp: string): Promise<string> {
    const handle = this.party(partyName).legs.publisher.handle;
    if (!handle) throw new Error('not published');
    const res = await handle.configure({ jsep: { type: 'offer', sdp: offerSdp } });
    if (!res.jsep) throw new Error('Janus sent no answer to the ICE restart');
    return res.jsep.sdp;
  }

  /** ICE restart of a party's downstream: Janus's new offer, answered with {@link answerSubscription}. */
  async restartSubscriber(partyName: string): Promise<string> {
    const handle = this.party(partyName).legs.subscriber.handle;
    if (!handle) throw new Error('not subscribed');
    const res = await handle.configure({ restart: true });
    if (!res.jsep) throw new Error('Janus sent no offer for the ICE restart');
    return res.jsep.sdp;
  }

  /** Relays a browser ICE candidate (`null`: gathering complete), buffering until the leg exists. */
  async trickle(partyName: string, leg: Leg, candidate: Candidate | null): Promise<void> {
    const state = this.party(partyName).legs[leg];
    if (!state.handle) {
      state.pending.push(candidate);
      return;
    }
    await this.sendCandidate(state.handle, candidate);
  }

  /** Adds a party after the room opened (a callee device woken by a push). Idempotent. */
  addParty(partyName: string): void {
    if (!this.parties.has(partyName)) this.parties.set(partyName, new Party(partyName));
  }

  /** Removes a party that will take no part in the call (a callee device that did not answer). */
  async dropParty(partyName: string): Promise<void> {
    const party = this.parties.get(partyName);
    if (!party) return;
    this.parties.delete(partyName);
    for (const leg of Object.values(party.legs)) await leg.handle?.detach().catch(() => undefined);
  }

  isPublished(partyName: string): boolean {
    const p = this.party(partyName);
    return p.publisherUp && p.feed !== null;
  }

  /** Destroys the room and the session. Idempotent; never throws (Janus may already be gone). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.removeAllListeners();
    await this.control.destroy({ room: this.room }).catch(() => undefined);
    await this.session.destroy().catch(() => undefined);
  }

  private party(name: string): Party {
    const p = this.parties.get(name);
    if (!p) throw new Error(`not a party of this call: ${name}`);
    return p;
  }

  private async attach(party: Party, leg: Leg): Promise<VideoRoomHandle> {
    if (this.closed) throw new Error('room closed');
    const handle = await this.session.attach(VideoRoomPlugin);
    party.legs[leg].handle = handle;
    // A dropped party (a device that stopped ringing) is detached on purpose: not a failure.
    const live = () => !this.closed && this.parties.get(party.name) === party;
    handle.once(Janode.EVENT.HANDLE_ICE_FAILED, () => {
      if (live()) this.emit('leg-failed', party.name, leg, 'ice failed');
    });
    handle.once(Janode.EVENT.HANDLE_HANGUP, (d: { reason?: string }) => {
      if (live()) this.emit('leg-failed', party.name, leg, `hangup: ${d?.reason ?? 'unknown'}`);
    });
    return handle;
  }

  private async flush(party: Party, leg: Leg): Promise<void> {
    const state = party.legs[leg];
    const pending = state.pending;
    state.pending = [];
    if (!state.handle) return;
    for (const c of pending) await this.sendCandidate(state.handle, c);
  }

  private async sendCandidate(handle: Handle, candidate: Candidate | null): Promise<void> {
    if (candidate === null) await handle.trickleComplete();
    else await handle.trickle(candidate);
  }
}
