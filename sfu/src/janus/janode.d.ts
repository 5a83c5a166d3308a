/** Our typings for the slice of janode 1.8 we use: janode ships JSDoc only. Nothing outside sfu/src/janus imports janode. */
declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface Jsep {
    type: 'offer' | 'answer';
    sdp: string;
  }

  export class Connection extends EventEmitter {
    create(ka_interval?: number): Promise<Session>;
    close(): Promise<void>;
    getInfo(): Promise<Record<string, unknown>>;
  }
  export class Session extends EventEmitter {
    id: number;
    attach<H extends Handle>(plugin: { id: string; Handle: new (...args: never[]) => H }): Promise<H>;
    destroy(): Promise<void>;
  }
  export class Handle extends EventEmitter {
    id: number;
    detach(): Promise<void>;
    hangup(): Promise<void>;
    trickle(candidate: {
      candidate: string;
      sdpMid: string | null;
      sdpMLineIndex: number | null;
    }): Promise<void>;
    trickleComplete(): Promise<void>;
  }

  const Janode: {
    connect(config: {
      address: { url: string; apisecret?: string };
      is_admin?: boolean;
      retry_time_secs?: number;
      max_retries?: number;
    }): Promise<Connection>;
    Logger: { setLevel(level: 'none' | 'error' | 'warning' | 'info' | 'verbose' | 'debug'): void };
    EVENT: {
      CONNECTION_CLOSED: 'connection_closed';
      CONNECTION_ERROR: 'connection_error';
      SESSION_DESTROYED: 'session_destroyed';
      HANDLE_DETACHED: 'handle_detached';
      HANDLE_ICE_FAILED: 'handle_ice_failed';
      HANDLE_HANGUP: 'handle_hangup';
      HANDLE_MEDIA: 'handle_media';
      HANDLE_WEBRTCUP: 'handle_webrtcup';
      HANDLE_SLOWLINK: 'handle_slowlink';
    };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  import type { Handle, Jsep } from 'janode';

  export interface TalkingEvent {
    room: number;
    feed: number;
    talking: boolean;
    audio_level?: number;
  }

  export class VideoRoomHandle extends Handle {
    create(params: {
      room: number;
      description?: string;
      max_publishers?: number;
      permanent?: boolean;
      is_private?: boolean;
      secret?: string;
      audiocodec?: string;
      talking_events?: boolean;
      talking_level_threshold?: number;
      talking_packets_threshold?: number;
    }): Promise<{ room: number; permanent: boolean }>;
    destroy(params: { room: number; secret?: string }): Promise<unknown>;
    joinConfigurePublisher(params: {
      room: number;
      display?: string;
      audio?: boolean;
      video?: boolean;
      data?: boolean;
      jsep: Jsep;
    }): Promise<{ room: number; feed: number; jsep: Jsep }>;
    joinSubscriber(params: { room: number; streams: { feed: number }[] }): Promise<{ jsep: Jsep }>;
    start(params: { jsep: Jsep }): Promise<unknown>;
    /** Publishers renegotiate with a new offer; subscribers ask for `restart` and get Janus's new offer. */
    configure(params: { jsep?: Jsep; restart?: boolean }): Promise<{ jsep?: Jsep }>;
    leave(): Promise<unknown>;
  }

  const VideoRoomPlugin: {
    id: string;
    Handle: typeof VideoRoomHandle;
    EVENT: { VIDEOROOM_TALKING: 'videoroom_talking'; VIDEOROOM_DESTROYED: 'videoroom_destroyed' };
  };
  export default VideoRoomPlugin;
}
