/**
 * Models `ios-shell/Shell/Bridge/WebBridge.swift`: the page's messages in (decoded at the
 * boundary, an undecodable one answered with `bridge.error`), the shell's out through the
 * {@link BridgeOutbox} to `window.__softphoneNative.receive`.
 */
import { WebToNativeSchema, type NativeToWeb, type WebToNative } from '@softphone/sfu/protocol';
import type { AppFaults } from '../app-faults.ts';
import type { CallKitSimulator } from '../callkit-simulator.ts';
import { BridgeOutbox } from './bridge-outbox.ts';

/** A shell → page message before the bridge stamps its version. */
export type Outgoing = NativeToWeb extends infer M ? (M extends NativeToWeb ? Omit<M, 'v'> : never) : never;

export class WebBridge {
  private readonly outbox = new BridgeOutbox<NativeToWeb>();

  constructor(
    private readonly system: CallKitSimulator,
    private readonly faults: AppFaults,
    private readonly received: (message: WebToNative) => void,
    /** Delivers one message to the page (`window.__softphoneNative.receive`), if a page is loaded. */
    private readonly toPage: (message: NativeToWeb) => void,
  ) {}

  /** `WKScriptMessageHandler.userContentController(_:didReceive:)`. */
  fromPage(raw: unknown): void {
    const parsed = WebToNativeSchema.safeParse(structuredClone(raw));
    if (!parsed.success) {
      const type = (raw as { type?: unknown } | null)?.type;
      this.send({
        type: 'bridge.error',
        inReplyTo: typeof type === 'string' ? type.slice(0, 64) : null,
        message: `undecodable: ${parsed.error.issues[0]?.message ?? 'invalid'}`.slice(0, 500),
      });
      return;
    }
    this.received(parsed.data);
  }

  send(message: Outgoing): void {
    const m = { v: 2, ...message } as NativeToWeb;
    if (this.outbox.isOpen) this.toPage(m);
    else if (this.faults.dropBeforeReady)
      this.system.log('bridge-undelivered', 'callId' in m ? m.callId : undefined, m.type);
    else this.outbox.send(m);
  }

  /** `bridge.ready`: the queue goes out first; the coordinator then sends the token and the calls. */
  pageIsReady(): void {
    // v1 (the `dropBeforeReady` fault) never queued anything.
    if (this.faults.dropBeforeReady) this.outbox.openOnly();
    else for (const m of this.outbox.openAndDrain()) this.toPage(m);
  }
}
