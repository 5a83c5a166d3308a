/** The sentence a person sees when a call ends, from the reason, who ended it and their role. */
import { EndReason, type EndedBy } from '@softphone/sfu/protocol';

export function endMessage(
  reason: EndReason,
  by: EndedBy,
  direction: 'outgoing' | 'incoming',
  peer: string,
): string {
  switch (reason) {
    case EndReason.HungUp:
      return by === 'self' ? 'You hung up' : `${peer} hung up`;
    case EndReason.Cancelled:
      return by === 'self' ? 'Call cancelled' : `Missed call from ${peer}`;
    case EndReason.Declined:
      return by === 'self' ? 'You declined the call' : `${peer} declined the call`;
    case EndReason.Busy:
      return `${peer} is busy`;
    case EndReason.NoAnswer:
      return direction === 'outgoing' ? `${peer} did not answer` : `Missed call from ${peer}`;
    case EndReason.Unreachable:
      return `${peer} can't be reached: no phone or browser of theirs is online or could be woken`;
    case EndReason.Disconnected:
      return by === 'self'
        ? 'Connection lost: you could not reconnect in time'
        : `Connection lost: ${peer} could not reconnect in time`;
    case EndReason.MediaServerRestarted:
      return 'Call failed: media server restarted';
    case EndReason.ServerLost:
      return 'Call ended: the server carrying it went away';
    case EndReason.MediaFailed:
      return 'Call failed: no network path for the audio could be set up';
    case EndReason.MediaLost:
      return by === 'self'
        ? 'Call dropped: your connection was lost and could not be recovered'
        : `Call dropped: ${peer}'s connection was lost and could not be recovered`;
    case EndReason.AnswerFailed:
      return by === 'self'
        ? 'Call failed: your answer did not get through'
        : `Call failed: ${peer}'s answer did not get through`;
    case EndReason.AnsweredElsewhere:
      return 'Answered on another device';
  }
}
