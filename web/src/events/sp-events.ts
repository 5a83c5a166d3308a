/** Every custom event the UI raises, typed in the global event map (events up, properties down). */
import type { UserId } from '@softphone/sfu/protocol';

export interface SpEventDetails {
  'sp-sign-in': { username: string; password: string };
  'sp-sign-up': { username: string; password: string; displayName: string };
  /** Switch between the people and history lists. */
  'sp-view': { view: 'people' | 'history' };
  'sp-hold-changed': { held: boolean };
  'sp-output-changed': { deviceId: string };
  /** The user chose someone to call. */
  'sp-call-requested': { userId: UserId };
  /** The user asked to add someone by their username. */
  'sp-contact-add-requested': { username: string };
  /** The user asked to call someone by their exact username. */
  'sp-dial-requested': { username: string };
  'sp-answer': undefined;
  'sp-decline': undefined;
  /** Cancel an outgoing call or hang up an answered one. */
  'sp-hangup': undefined;
  'sp-mute-changed': { muted: boolean };
  /** Leave the "call ended" screen. */
  'sp-dismiss': undefined;
  'sp-sign-out': undefined;
  /** Let the waiting new version of the app take over now. */
  'sp-update-accepted': undefined;
  /** Turn on incoming-call notifications for when no tab is open. */
  'sp-call-notifications-enable': undefined;
}

export type SpEventName = keyof SpEventDetails;

declare global {
  interface GlobalEventHandlersEventMap {
    'sp-sign-in': CustomEvent<SpEventDetails['sp-sign-in']>;
    'sp-sign-up': CustomEvent<SpEventDetails['sp-sign-up']>;
    'sp-view': CustomEvent<SpEventDetails['sp-view']>;
    'sp-hold-changed': CustomEvent<SpEventDetails['sp-hold-changed']>;
    'sp-output-changed': CustomEvent<SpEventDetails['sp-output-changed']>;
    'sp-call-requested': CustomEvent<SpEventDetails['sp-call-requested']>;
    'sp-contact-add-requested': CustomEvent<SpEventDetails['sp-contact-add-requested']>;
    'sp-dial-requested': CustomEvent<SpEventDetails['sp-dial-requested']>;
    'sp-answer': CustomEvent<undefined>;
    'sp-decline': CustomEvent<undefined>;
    'sp-hangup': CustomEvent<undefined>;
    'sp-mute-changed': CustomEvent<SpEventDetails['sp-mute-changed']>;
    'sp-dismiss': CustomEvent<undefined>;
    'sp-sign-out': CustomEvent<undefined>;
    'sp-update-accepted': CustomEvent<undefined>;
    'sp-call-notifications-enable': CustomEvent<undefined>;
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
