/** Every custom event the UI raises, typed in the global event map (events up, properties down). */
import type { UserId } from '@softphone/sfu/protocol';

export interface SpEventDetails {
  /** The user submitted a display name. */
  'sp-sign-in': { displayName: string };
  /** The user chose someone to call. */
  'sp-call-requested': { userId: UserId };
  'sp-answer': undefined;
  'sp-decline': undefined;
  /** Cancel an outgoing call or hang up an answered one. */
  'sp-hangup': undefined;
  'sp-mute-changed': { muted: boolean };
  /** Leave the "call ended" screen. */
  'sp-dismiss': undefined;
  'sp-sign-out': undefined;
}

export type SpEventName = keyof SpEventDetails;

declare global {
  interface GlobalEventHandlersEventMap {
    'sp-sign-in': CustomEvent<SpEventDetails['sp-sign-in']>;
    'sp-call-requested': CustomEvent<SpEventDetails['sp-call-requested']>;
    'sp-answer': CustomEvent<undefined>;
    'sp-decline': CustomEvent<undefined>;
    'sp-hangup': CustomEvent<undefined>;
    'sp-mute-changed': CustomEvent<SpEventDetails['sp-mute-changed']>;
    'sp-dismiss': CustomEvent<undefined>;
    'sp-sign-out': CustomEvent<undefined>;
  }
}

/** Dispatches a typed, bubbling, composed event from a component. */
export function emit<K extends SpEventName>(
  from: HTMLElement,
  name: K,
  ...detail: SpEventDetails[K] extends undefined ? [] : [SpEventDetails[K]]
): void {
  from.dispatchEvent(new CustomEvent(name, { detail: detail[0], bubbles: true, composed: true }));
}
