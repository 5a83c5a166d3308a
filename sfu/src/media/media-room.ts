/**
 * One call's media: a mediasoup router (audio only, Opus) on one worker, an AudioLevelObserver for
 * the talking verdicts, and for each party up to two WebRTC transports (send: its upstream and
 * producer; recv: the partner's downstream and consumer). A party is either a page running
 * mediasoup-client (transport requests) or a native engine speaking SDP (`media:publish`, the SDP
 * edge). mediasoup events become typed domain events; nothing outside sfu/src/media sees mediasoup.
 */
import { EventEmitter } from 'node:events';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../log.ts';
import type {
  ConsumerInfo,
  MediaRequestName,
  MediaPayload,
  RequestResult,
  RtpCapabilitiesWire,
  StallCause,
  TransportInfo,
} from '../protocol/index.ts';
import {
  DirectionWatch,
  type Direction,
  type DirectionCounters,
  type DirectionRecord,
} from './direction-watch.ts';
import {
  consumerOffer,
  dtlsFromAnswer,
  nextOrigin,
  producerAnswer,
  producerFromOffer,
  type SdpOrigin,
  type SdpTransport,
} from './sdp-edge.ts';

export type Leg = 'send' | 'recv';

/**
 * What a room uses of a party's transport. In production a WebRtcTransport (ICE-lite + DTLS,
 * {@link webRtcLegs}); an interface so the load bench can put an SRTP PlainTransport behind a party
 * and still run the real call logic (sfu/bench/load/plain-legs.ts).
 */
export interface LegTransport extends SdpTransport {
  readonly id: string;
  connect(params: { dtlsParameters: ms.DtlsParameters }): Promise<void>;
  restartIce(): Promise<ms.IceParameters>;
  produce(options: ms.ProducerOptions): Promise<ms.Producer>;
  consume(options: ms.ConsumerOptions): Promise<ms.Consumer>;
  close(): void;
  on(event: 'dtlsstatechange', listener: (state: ms.DtlsState) => void): unknown;
}

/** Makes one leg's transport on the call's router. */
export type CreateLegTransport = (
  router: ms.Router,
  listenInfos: ms.TransportListenInfo[],
  appData: { party: string; leg: Leg },
) => Promise<LegTransport>;

/** Production's legs: WebRTC transports, UDP preferred. */
export const webRtcLegs: CreateLegTransport = (router, listenInfos, appData) =>
  router.createWebRtcTransport({ listenInfos, preferUdp: true, appData });

/** What reaches a subscriber when the partner's audio is ready for it. */
export type MediaDelivery =
  | { event: 'media:consumer'; payload: { consumer: ConsumerInfo } }
  | { event: 'media:offer'; payload: { sdp: string } };

export interface MediaRoomEvents {
  /** A party's upstream exists in the SFU: it can now be consumed. */
  'publisher-up': [party: string];
  /** The SFU's audio-level verdict on a party's upstream. */
  talking: [party: string, talking: boolean];
  /**
   * A party's downstream stopped because its publisher's producer closed (that device left the
   * call) before or after it was consumed: nothing is subscribed for the party any more.
   */
  'downstream-closed': [subscriber: string, publisher: string];
  /** A transport's DTLS failed: the connection is gone. */
  'leg-failed': [party: string, leg: Leg, why: string];
  /** The worker carrying this call died: its media is gone. */
  lost: [why: string];
  /** A watched direction of the answered call carries no audio ({@link MediaRoom.watch}). */
  stall: [direction: Direction, cause: StallCause];
  /** A stalled direction carries audio again. */
  recovered: [direction: Direction, cause: StallCause, stalledMs: number];
}

/** How the answered call's directions are watched. */
export interface WatchOptions {
  /** A direction that carries nothing for this long is a stall. */
  stallAfterMs: number;
  /** How often the packet counters are read. */
  everyMs: number;
}

export interface TransportListen {
  ip: string;
  announcedAddress?: string;
  ports: { min: number; max: number };
}

/** A refused media request that is the party's mistake (bad SDP, a transport that is not its own). */
export class MediaRequestError extends Error {}

/**
 * A subscription overtaken while it waited: a newer one for the same party replaced it, or its
 * publisher left (then `downstream-closed` says so). Not a failure of the call.
 */
export class StaleSubscription extends Error {}

/** Opus is the only codec; the router's RTP capabilities are derived from this. */
export const MEDIA_CODECS: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
];

/**
 * A native engine's subscriber connection has one audio m-section for the whole call: every consumer
 * offered to it takes this mid, so a new consumer (another publisher) is a subsequent offer for the
 * same m-section. libwebrtc refuses a subsequent offer whose m-sections are not those of the current
 * description, in the same order ("The order of m-lines in subsequent offer doesn't match order from
 * previous offer/answer"); mediasoup would otherwise number a transport's consumers 0, 1, …
 */
const NATIVE_DOWNSTREAM_MID = '0';

/** Talking: louder than -60 dBov on average over a second (packets without voice read -127). */
export const TALKING = { threshold: -60, interval: 1_000 };

class Party {
  readonly transports: Partial<Record<Leg, LegTransport>> = {};
  /**
   * Each leg's claim, taken before the worker is asked for its transport and held while it exists:
   * a request for a leg that is claimed is refused at once, so parallel requests can't each make a
   * transport (a UDP and a TCP port of the range) while the first waits (review H4). A new claim
   * replaces one given up (a native engine's media replaced): the old request then finds it lost.
   */
  readonly claims = new Map<Leg, symbol>();
  producer: ms.Producer | null = null;
  /** A producer is being made: taken before the wait, so parallel requests make one (review H4). */
  producing = false;
  /** A native publish is under way: another from the same party is refused until it is done. */
  publishing = false;
  consumer: ms.Consumer | null = null;
  /**
   * The publisher this party's downstream carries, set when a subscription starts, before it waits:
   * a second one to the same publisher is refused at once, one to another publisher replaces it.
   */
  subscribedTo: string | null = null;
  /**
   * Its consumer was closed because the producer it consumed went away, and no other has replaced
   * it yet: the direction watch's `producer-gone`.
   */
  consumerOrphaned = false;
  /** What this party can receive: its device's capabilities, or the router's for a native engine. */
  rtpCapabilities: ms.RtpCapabilities | null = null;
  native = false;
  /** The DTLS fingerprints a native engine answered its downstream offer with, once it has. */
  recvAnsweredWith: string | null = null;
  /** The DTLS fingerprints of the native connection that published: an ICE restart comes from it. */
  sendOfferedWith: string | null = null;
  /** The `o=` of the SFU's last SDP on each native leg: the next is its next version (RFC 3264 §8). */
  private readonly sdpOrigin: Partial<Record<Leg, SdpOrigin>> = {};
  /** Resolves once the party can be given a consumer (its recv transport exists). */
  readonly receiving: Promise<void>;
  markReceiving!: () => void;
  constructor(readonly name: string) {
    this.receiving = new Promise((resolve) => (this.markReceiving = resolve));
  }

  nextOrigin(leg: Leg): SdpOrigin {
    const origin = nextOrigin(this.sdpOrigin[leg]);
    this.sdpOrigin[leg] = origin;
    return origin;
  }
}

/** The fingerprints that name one native peer connection (its DTLS certificate). */
const identity = (dtls: ms.DtlsParameters) => JSON.stringify(dtls.fingerprints);

/**
 * Restarts a transport's ICE: mediasoup draws a new ice-ufrag/ice-pwd and still answers checks with
 * the old ones until the first with the new (IceServer::RestartIce, mediasoup 3.19.2
 * worker/src/RTC/IceServer.cpp). What to write in the SDP: the credentials `restartIce()` returned.
 */
async function restartedIce(transport: LegTransport): Promise<SdpTransport> {
  const iceParameters = await transport.restartIce();
  return { iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
}

function transportInfo(t: LegTransport): TransportInfo {
  return {
    id: t.id,
    iceParameters: t.iceParameters,
    iceCandidates: t.iceCandidates,
    dtlsParameters: t.dtlsParameters,
  } as TransportInfo;
}

export class MediaRoom extends EventEmitter<MediaRoomEvents> {
  private readonly parties = new Map<string, Party>();
  private readonly talking = new Set<string>();
  private closed = false;
  private watching: { watch: DirectionWatch; timer: NodeJS.Timeout } | null = null;
  /**
   * Parties whose upstream the level signal found sound on while the answered call was watched,
   * with the loudest level seen (dBov): what a call's record says was heard rests on it.
   */
  private readonly audible = new Map<string, number>();

  constructor(
    private readonly router: ms.Router,
    private readonly levels: ms.AudioLevelObserver,
    private readonly listen: TransportListen,
    private readonly legs: CreateLegTransport,
    partyNames: string[],
    private readonly log: Logger,
    private readonly onClosed: () => void,
  ) {
    super();
    for (const name of partyNames) this.parties.set(name, new Party(name));
    router.on('workerclose', () => {
      if (this.closed) return;
      this.emit('lost', 'media worker died');
      void this.close();
    });
    levels.on('volumes', (volumes) => {
      const parties = volumes.map((v) => v.producer.appData['party'] as string);
      if (this.watching)
        for (const { producer, volume } of volumes) {
          const p = producer.appData['party'] as string;
          this.audible.set(p, Math.max(volume, this.audible.get(p) ?? -127));
        }
      this.setTalking(parties);
    });
    levels.on('silence', () => this.setTalking([]));
  }

  static async open(
    worker: ms.Worker,
    listen: TransportListen,
    legs: CreateLegTransport,
    partyNames: string[],
    log: Logger,
    onClosed: () => void,
  ): Promise<MediaRoom> {
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    try {
      const levels = await router.createAudioLevelObserver({ maxEntries: 8, ...TALKING });
      return new MediaRoom(
        router,
        levels,
        listen,
        legs,
        partyNames,
        log.child({ router: router.id }),
        onClosed,
      );
    } catch (err) {
      router.close();
      throw err;
    }
  }

  /** Runs one media request of a party. */
  async handle<K extends MediaRequestName>(
    partyName: string,
    event: K,
    payload: MediaPayload<K>,
  ): Promise<RequestResult<K>> {
    const party = this.party(partyName);
    const handler = this.handlers[event] as (p: Party, x: MediaPayload<K>) => Promise<RequestResult<K>>;
    return handler(party, payload);
  }

  private readonly handlers: {
    [K in MediaRequestName]: (party: Party, payload: MediaPayload<K>) => Promise<RequestResult<K>>;
  } = {
    'media:capabilities': async () => ({
      rtpCapabilities: this.router.rtpCapabilities as RtpCapabilitiesWire,
    }),
    'media:transport-create': async (party, p) => {
      const transport = await this.createTransport(party, p.direction === 'send' ? 'send' : 'recv');
      if (p.direction === 'recv') {
        party.rtpCapabilities = p.rtpCapabilities as ms.RtpCapabilities;
        party.markReceiving();
      }
      return { transport: transportInfo(transport) };
    },
    'media:transport-connect': async (party, p) => {
      await this.ownTransport(party, p.transportId).connect({
        dtlsParameters: p.dtlsParameters as ms.DtlsParameters,
      });
      return {};
    },
    'media:produce': async (party, p) => {
      const transport = this.ownTransport(party, p.transportId);
      if (transport !== party.transports.send) throw new MediaRequestError('not a send transport');
      const producer = await this.produce(party, transport, p.rtpParameters as ms.RtpParameters);
      return { producerId: producer.id };
    },
    'media:restart-ice': async (party, p) => ({
      iceParameters: await this.ownTransport(party, p.transportId).restartIce(),
    }),
    'media:publish': async (party, p) => {
      // One at a time, checked before any wait: each publish replaces the party's transports, and
      // parallel ones would each make theirs before any saw the others' (review H4). A republish
      // after a media-services reset comes once the first publish was answered.
      if (party.publishing) throw new MediaRequestError('a publish is already under way');
      const { dtlsParameters, rtpParameters } = this.fromSdp(() =>
        producerFromOffer(p.sdp, this.router.rtpCapabilities),
      );
      party.publishing = true;
      try {
        party.native = true;
        const downstreamWas = party.claims.has('send') ? this.dropNativeMedia(party) : undefined;
        const transport = await this.createTransport(party, 'send');
        await transport.connect({ dtlsParameters });
        party.sendOfferedWith = identity(dtlsParameters);
        // A native engine's downstream is the SFU's to make (it answers an offer): a subscription
        // that was waiting for this party to be able to receive goes ahead now.
        if (!party.claims.has('recv')) {
          party.rtpCapabilities = this.router.rtpCapabilities;
          await this.createTransport(party, 'recv');
          party.markReceiving();
        }
        // Its downstream died with its old connection: the call subscribes it again (a new offer).
        if (downstreamWas) this.emit('downstream-closed', party.name, downstreamWas);
        const producer = await this.produce(party, transport, rtpParameters);
        return { sdp: producerAnswer(transport, producer.rtpParameters, party.nextOrigin('send')) };
      } finally {
        party.publishing = false;
      }
    },
    'media:subscribe-answer': async (party, p) => {
      const transport = party.transports.recv;
      if (!party.native || !transport || !party.consumer) throw new MediaRequestError('no offer to answer');
      const dtlsParameters = this.fromSdp(() => dtlsFromAnswer(p.sdp));
      const answeredWith = identity(dtlsParameters);
      // The offer goes to every socket of the device, and again to one that joins late: the shell
      // answers each on its one subscriber connection. The transport is connected once; a repeat
      // from the same connection (or its answer to a re-offer: an ICE restart, another publisher)
      // changes nothing, one from another can't be taken.
      if (party.recvAnsweredWith === answeredWith) return {};
      if (party.recvAnsweredWith !== null)
        throw new MediaRequestError('the downstream was answered already, by another connection');
      party.recvAnsweredWith = answeredWith;
      await transport.connect({ dtlsParameters });
      return {};
    },
    'media:publish-restart': async (party, p) => {
      const transport = party.transports.send;
      const producer = party.producer;
      if (!party.native || !transport || !producer)
        throw new MediaRequestError('nothing published to restart');
      const { dtlsParameters } = this.fromSdp(() => producerFromOffer(p.sdp, this.router.rtpCapabilities));
      // The restart is the publishing connection's next offer; DTLS (already up) is not renegotiated.
      if (identity(dtlsParameters) !== party.sendOfferedWith)
        throw new MediaRequestError('an ICE restart from another connection than the one that published');
      const restarted = await restartedIce(transport);
      return { sdp: producerAnswer(restarted, producer.rtpParameters, party.nextOrigin('send')) };
    },
    'media:subscribe-restart': async (party) => {
      const transport = party.transports.recv;
      const consumer = party.consumer;
      if (!party.native || !transport || !consumer) throw new MediaRequestError('no downstream to restart');
      const restarted = await restartedIce(transport);
      return { sdp: consumerOffer(restarted, consumer, party.nextOrigin('recv')) };
    },
  };

  /**
   * Gives `subscriberName` the audio of `publisherName` once the subscriber can receive: a consumer
   * for a page, an SDP offer for a native engine (whose recv transport the SFU makes itself).
   * A party has one downstream: subscribing it to another publisher closes the consumer it had
   * (the callee device it heard stopped ringing, another one answered).
   */
  async subscribe(subscriberName: string, publisherName: string): Promise<MediaDelivery> {
    const party = this.party(subscriberName);
    const producer = this.party(publisherName).producer;
    if (!producer) throw new Error(`${publisherName} has not published`);
    if (party.subscribedTo === publisherName) throw new Error('already subscribed');
    party.subscribedTo = publisherName;
    party.consumer?.close();
    party.consumer = null;
    const current = () => party.subscribedTo === publisherName && !this.closed;
    // A page can receive once it has made its recv transport, a native engine once it has published.
    await party.receiving;
    const transport = party.transports.recv;
    const caps = party.rtpCapabilities;
    if (this.closed || !transport || !caps) throw new Error('room closed');
    if (!current()) throw new StaleSubscription('replaced by a newer subscription');
    if (producer.closed) throw this.publisherLeft(party, publisherName);
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: caps }))
      throw new MediaRequestError(`${subscriberName} cannot receive Opus`);
    let consumer: ms.Consumer;
    try {
      // Not paused: audio has no key frame to wait for, and it flows the moment the transport is up.
      consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: caps,
        ...(party.native ? { mid: NATIVE_DOWNSTREAM_MID } : {}),
      });
    } catch (err) {
      if (producer.closed && current()) throw this.publisherLeft(party, publisherName);
      throw err;
    }
    if (!current()) {
      consumer.close();
      throw new StaleSubscription('replaced by a newer subscription');
    }
    if (consumer.closed || producer.closed) {
      consumer.close();
      throw this.publisherLeft(party, publisherName);
    }
    party.consumer = consumer;
    party.consumerOrphaned = false;
    // mediasoup closes the consumer with its producer; the party is left with no downstream.
    consumer.on('producerclose', () => {
      if (party.consumer !== consumer) return;
      party.consumer = null;
      party.subscribedTo = null;
      party.consumerOrphaned = true;
      if (!this.closed) this.emit('downstream-closed', party.name, publisherName);
    });
    if (party.native)
      return {
        event: 'media:offer',
        payload: { sdp: consumerOffer(transport, consumer, party.nextOrigin('recv')) },
      };
    return {
      event: 'media:consumer',
      payload: {
        consumer: {
          id: consumer.id,
          producerId: producer.id,
          kind: 'audio',
          rtpParameters: consumer.rtpParameters as ConsumerInfo['rtpParameters'],
        },
      },
    };
  }

  /** Adds a party after the room opened (a callee device woken by a push). Idempotent. */
  addParty(partyName: string): void {
    if (!this.parties.has(partyName)) this.parties.set(partyName, new Party(partyName));
  }

  /** Removes a party that will take no part in the call (a callee device that did not answer). */
  dropParty(partyName: string): void {
    const party = this.parties.get(partyName);
    if (!party) return;
    this.parties.delete(partyName);
    for (const t of Object.values(party.transports)) t.close();
  }

  isPublished(partyName: string): boolean {
    return this.party(partyName).producer !== null;
  }

  /**
   * From now on (the answer), watches both directions between the caller and the callee device
   * that answered: a direction whose listener gets no packets is a `stall` (direction-watch.ts).
   * The counters are mediasoup's own: the sender's producer (packets in) and the listener's
   * consumer (packets out), read from the party as it is at each read, so a consumer that is
   * replaced is followed.
   */
  watch(caller: string, callee: string, opts: WatchOptions): void {
    if (this.watching || this.closed) return;
    const ends: Record<Direction, { from: string; to: string }> = {
      'caller->callee': { from: caller, to: callee },
      'callee->caller': { from: callee, to: caller },
    };
    const watch = new DirectionWatch(
      { read: (d) => this.counters(ends[d].from, ends[d].to) },
      {
        stall: (d, cause) => {
          const { from, to } = ends[d];
          // How mediasoup scores the streams (0-10), for the diagnosis. Not the stall signal: a
          // stream that stopped keeps its last score (10 when a microphone track was stopped).
          this.log.debug(
            {
              direction: d,
              cause,
              producerScore: this.parties.get(from)?.producer?.score ?? null,
              consumerScore: this.parties.get(to)?.consumer?.score ?? null,
            },
            'media stall: stream scores',
          );
          this.emit('stall', d, cause);
        },
        recovered: (d, cause, ms) => this.emit('recovered', d, cause, ms),
      },
      { stallAfterMs: opts.stallAfterMs, now: Date.now },
    );
    const tick = () => void watch.tick().catch((err: unknown) => this.log.warn({ err }, 'direction watch'));
    watch.answered();
    tick();
    this.watching = { watch, timer: setInterval(tick, opts.everyMs) };
  }

  /** A party put the call on hold (its upstream sends nothing on purpose) or resumed it. */
  setHeld(direction: Direction, held: boolean): void {
    this.watching?.watch.setHeld(direction, held);
  }

  /** Each watched direction's figures so far (none before {@link watch}). */
  directions(): DirectionRecord[] {
    return this.watching?.watch.record() ?? [];
  }

  /** Whether the level signal found sound on the party's upstream since the call was answered. */
  soundFrom(party: string): boolean {
    return this.audible.has(party);
  }

  /** The loudest level (dBov) the signal found on each audible party's upstream since the answer. */
  loudest(): Record<string, number> {
    return Object.fromEntries(this.audible);
  }

  /** Closes the router and with it every transport. Idempotent; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watching) clearInterval(this.watching.timer);
    this.removeAllListeners();
    this.router.close();
    this.onClosed();
  }

  /**
   * A native engine that publishes again has rebuilt its peer connections (iOS reset its media
   * services): both its transports are tied to connections that no longer exist. Closes them, and
   * with them its producer and consumer; each partner consuming it loses its downstream at once
   * (`downstream-closed`, so the call subscribes it to the new producer when it is up). Returns the
   * publisher the party's own downstream carried, if any, which it is to be offered again.
   */
  private dropNativeMedia(party: Party): string | undefined {
    this.log.info({ party: party.name }, 'native engine publishes again: its media is replaced');
    party.producer = null;
    for (const partner of this.parties.values()) {
      if (partner === party || partner.subscribedTo !== party.name) continue;
      // Done here, not on mediasoup's `producerclose`, which comes later from the worker: by then
      // the new producer may be up, and the partner would wait for a downstream never offered.
      partner.consumer?.close();
      partner.consumer = null;
      partner.subscribedTo = null;
      this.emit('downstream-closed', partner.name, party.name);
    }
    const downstreamWas = party.subscribedTo ?? undefined;
    for (const t of Object.values(party.transports)) t.close();
    delete party.transports.send;
    delete party.transports.recv;
    party.claims.clear();
    party.consumer = null;
    party.subscribedTo = null;
    party.consumerOrphaned = false;
    party.recvAnsweredWith = null;
    return downstreamWas;
  }

  /** A subscription whose publisher's producer closed while it waited: as if it had been consumed. */
  private publisherLeft(party: Party, publisherName: string): StaleSubscription {
    party.subscribedTo = null;
    this.emit('downstream-closed', party.name, publisherName);
    return new StaleSubscription(`${publisherName} left`);
  }

  private party(name: string): Party {
    const p = this.parties.get(name);
    if (!p) throw new Error(`not a party of this call: ${name}`);
    return p;
  }

  private fromSdp<T>(parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      throw new MediaRequestError(err instanceof Error ? err.message : 'unreadable SDP');
    }
  }

  private ownTransport(party: Party, id: string): LegTransport {
    const t = Object.values(party.transports).find((x) => x.id === id);
    if (!t) throw new MediaRequestError('not one of your transports');
    return t;
  }

  /** Makes the party's transport for `leg`, its one: the leg is claimed before the wait (see `claims`). */
  private async createTransport(party: Party, leg: Leg): Promise<LegTransport> {
    if (this.closed) throw new Error('room closed');
    if (party.claims.has(leg)) throw new MediaRequestError(`already has a ${leg} transport`);
    const claim = Symbol(leg);
    party.claims.set(leg, claim);
    const info = (protocol: 'udp' | 'tcp'): ms.TransportListenInfo => ({
      protocol,
      ip: this.listen.ip,
      ...(this.listen.announcedAddress ? { announcedAddress: this.listen.announcedAddress } : {}),
      portRange: this.listen.ports,
    });
    let transport: LegTransport;
    try {
      transport = await this.legs(this.router, [info('udp'), info('tcp')], { party: party.name, leg });
    } catch (err) {
      // Not made: the leg is free for a retry.
      if (party.claims.get(leg) === claim) party.claims.delete(leg);
      throw err;
    }
    // Overtaken while it was made: the room closed, the party was dropped (it stopped ringing) or
    // its media replaced. Its ports are given back now, not when the call ends.
    if (this.closed || this.parties.get(party.name) !== party || party.claims.get(leg) !== claim) {
      transport.close();
      throw new MediaRequestError(`the ${leg} transport was given up while it was made`);
    }
    party.transports[leg] = transport;
    // A dropped party (a device that stopped ringing) is closed on purpose: not a failure.
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' && !this.closed && this.parties.get(party.name) === party)
        this.emit('leg-failed', party.name, leg, 'dtls failed');
    });
    return transport;
  }

  private async produce(
    party: Party,
    transport: LegTransport,
    rtpParameters: ms.RtpParameters,
  ): Promise<ms.Producer> {
    if (party.producer || party.producing) throw new MediaRequestError('already published');
    party.producing = true;
    try {
      const producer = await transport.produce({
        kind: 'audio',
        rtpParameters,
        appData: { party: party.name },
      });
      party.producer = producer;
      await this.levels.addProducer({ producerId: producer.id });
      this.emit('publisher-up', party.name);
      return producer;
    } finally {
      party.producing = false;
    }
  }

  /** One direction's packet counters: the sender's producer in, the listener's consumer out. */
  private async counters(from: string, to: string): Promise<DirectionCounters> {
    const producer = this.parties.get(from)?.producer ?? null;
    const listener = this.parties.get(to);
    const consumer = listener?.consumer ?? null;
    const packets = async (stats: Promise<{ type: string; packetCount: number }[]>, type: string) =>
      (await stats).filter((s) => s.type === type).reduce((n, s) => n + s.packetCount, 0);
    // One that closes while its stats are asked for counts as none.
    const [received, forwarded] = await Promise.all([
      producer && !producer.closed ? packets(producer.getStats(), 'inbound-rtp').catch(() => null) : null,
      consumer && !consumer.closed ? packets(consumer.getStats(), 'outbound-rtp').catch(() => null) : null,
    ]);
    return { received, forwarded, producerGone: listener?.consumerOrphaned ?? false };
  }

  private setTalking(parties: string[]): void {
    const now = new Set(parties);
    for (const p of [...this.talking]) {
      if (now.has(p)) continue;
      this.talking.delete(p);
      this.emit('talking', p, false);
    }
    for (const p of now) {
      if (this.talking.has(p)) continue;
      this.talking.add(p);
      this.emit('talking', p, true);
    }
  }
}
