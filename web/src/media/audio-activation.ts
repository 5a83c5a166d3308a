import type { CallId } from '@softphone/sfu/protocol';

/**
 * The audio-activation step: the only path to starting capture. In a browser nothing stands
 * between answer and audio, so it activates right away; on iOS (issue 4) CallKit's `didActivate`
 * drives it (web/src/media/shell-activation.ts), and capture must not start before that.
 */
export interface AudioActivation {
  /** Resolves when the platform allows call audio for this call. */
  activated(callId: CallId): Promise<void>;
}

export class ImmediateAudioActivation implements AudioActivation {
  activated(): Promise<void> {
    return Promise.resolve();
  }
}
