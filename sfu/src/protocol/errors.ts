/** Error codes carried in acks and in `request:error`. Values are safe to show to a client. */
export enum ErrorCode {
  /** The payload did not match the event's schema. */
  InvalidPayload = 'invalid-payload',
  /** The event name is not part of the protocol. */
  UnknownEvent = 'unknown-event',
  /** The connection has not introduced itself (handshake auth missing or invalid). */
  Unauthenticated = 'unauthenticated',
  /** The call exists but the sender is not one of its parties, or not the party allowed to do this. */
  NotParticipant = 'not-participant',
  /** No such call (or it already ended). */
  CallNotFound = 'call-not-found',
  /** No account has that id or username. */
  UserNotFound = 'user-not-found',
  /**
   * A push-woken device reported a call that ended meanwhile (cancelled, answered elsewhere, timed
   * out): the device ends its CallKit call; no further push follows.
   */
  CallNoLongerAvailable = 'call-no-longer-available',
  /** The request is not valid in the call's current state (e.g. answering an answered call). */
  InvalidState = 'invalid-state',
  /** Calling yourself, or a target that can't be called. */
  InvalidTarget = 'invalid-target',
  /** The sender is already in a call. */
  AlreadyInCall = 'already-in-call',
  /** The media server could not be reached or refused the request. */
  MediaUnavailable = 'media-unavailable',
  /** Sign-up with a username that is taken. */
  UsernameTaken = 'username-taken',
  /** Wrong username or password (never says which). */
  BadCredentials = 'bad-credentials',
  /** A state-changing request or a connection from a page of another origin. */
  ForbiddenOrigin = 'forbidden-origin',
  /** A signed-in account that is not one of the operators (`QUALITY_OPERATORS`) asked for the quality rates. */
  NotOperator = 'not-operator',
  /**
   * The VoIP token or Web Push subscription is registered to another account's device: it stays
   * there until that device signs out or the push service retires it.
   */
  PushAddressTaken = 'push-address-taken',
  /** Too many attempts (sign-ins, invites); retry later (`retryAfterMs` says when, on the socket). */
  RateLimited = 'rate-limited',
  /**
   * The server is shutting down (draining) and takes no new calls: the client connects again, and
   * the load balancer sends it to another server.
   */
  Draining = 'draining',
  /** Anything unexpected; details are in the server log only. */
  Internal = 'internal',
}

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** With `rate-limited`: how long until the same request would be accepted. */
  retryAfterMs?: number;
}
