/**
 * Models `ios-shell/Shell/Bridge/BridgeOutbox.swift`: the shell → page messages that wait for a
 * page to say `bridge.ready`, in order.
 */
export class BridgeOutbox<Message> {
  private open = false;
  private readonly queued: Message[] = [];

  get isOpen(): boolean {
    return this.open;
  }

  /** A message to deliver now (the page is ready), or null when it was queued. */
  send(message: Message): Message | null {
    if (this.open) return message;
    this.queued.push(message);
    return null;
  }

  /** `bridge.ready`: everything queued, oldest first, for delivery now. */
  openAndDrain(): Message[] {
    this.open = true;
    return this.queued.splice(0);
  }

  /** The outbox opens without handing over its queue (the `dropBeforeReady` fault never queues). */
  openOnly(): void {
    this.open = true;
  }
}
