/**
 * Models `ios-shell/Shell/Signalling/SessionCredentials.swift`: the page's device identity, kept
 * across launches (a cold launch from a push needs it before the page runs). The session cookie
 * is this window's own: the same origin, as the shell reads WKWebView's cookie store.
 */

export interface DeviceIdentity {
  deviceId: string;
  deviceLabel: string;
}

const IDENTITY_KEY = 'shell-simulator.identity';

export class SessionCredentials {
  private current: DeviceIdentity | null = readIdentity();

  get identity(): DeviceIdentity | null {
    return this.current;
  }

  set identity(identity: DeviceIdentity) {
    this.current = identity;
    localStorage.setItem(IDENTITY_KEY, JSON.stringify(identity));
  }
}

function readIdentity(): DeviceIdentity | null {
  try {
    return JSON.parse(localStorage.getItem(IDENTITY_KEY) ?? 'null') as DeviceIdentity | null;
  } catch {
    return null;
  }
}
