/**
 * The page's end of the bridge to the iOS shell (`sfu/src/protocol/bridge.ts` documents the wire).
 * Messages go out through `webkit.messageHandlers.softphone` and come in through
 * `window.__softphoneNative.receive(json)`; what comes in is validated against the schema (what goes
 * out is typed, and validated by the shell).
 *
 * In the shell the handler is on the page's own window. In the simulator
 * (web/src/shell-simulator) the page runs in a window opened by the "phone" page, which defines the
 * same `webkit.messageHandlers` and shell info on its own window: the page looks there second.
 */
import {
  BRIDGE_HANDLER,
  BRIDGE_RECEIVER,
  NativeToWebSchema,
  SHELL_INFO_GLOBAL,
  ShellInfoSchema,
  type NativeToWeb,
  type NativeToWebType,
  type ShellInfo,
  type WebToNative,
} from '@softphone/sfu/protocol';

interface MessageHandler {
  postMessage(message: unknown): void;
}

/** What a shell (or the simulator) defines on its window. */
export interface ShellHostWindow {
  webkit?: { messageHandlers?: Record<string, MessageHandler | undefined> };
  [SHELL_INFO_GLOBAL]?: unknown;
}

interface ReceiverWindow {
  [BRIDGE_RECEIVER]?: { receive(json: string): void };
}

type Outgoing = WebToNative extends infer M ? (M extends WebToNative ? Omit<M, 'v'> : never) : never;
type Listener<T extends NativeToWebType> = (message: Extract<NativeToWeb, { type: T }>) => void;

export class ShellBridge {
  private readonly listeners = new Map<NativeToWebType, Set<(m: NativeToWeb) => void>>();

  private constructor(
    readonly info: ShellInfo,
    private readonly handler: MessageHandler,
  ) {}

  /** The shell this page runs in, or null in a plain browser. */
  static connect(): ShellBridge | null {
    for (const host of hostWindows()) {
      const handler = host.webkit?.messageHandlers?.[BRIDGE_HANDLER];
      const info = ShellInfoSchema.safeParse(host[SHELL_INFO_GLOBAL]);
      if (!handler || !info.success) continue;
      const bridge = new ShellBridge(info.data, handler);
      (window as unknown as ReceiverWindow)[BRIDGE_RECEIVER] = { receive: (json) => bridge.receive(json) };
      return bridge;
    }
    return null;
  }

  /**
   * Typed, not parsed: the shell validates what it receives (its edge), and the page's bundle
   * budget has no room for a second copy of the page → shell schemas.
   */
  send(message: Outgoing): void {
    this.handler.postMessage({ v: this.info.v, ...message } satisfies WebToNative);
  }

  on<T extends NativeToWebType>(type: T, listener: Listener<T>): () => void {
    const set = this.listeners.get(type) ?? new Set();
    this.listeners.set(type, set);
    const l = listener as (m: NativeToWeb) => void;
    set.add(l);
    return () => set.delete(l);
  }

  private receive(json: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      console.warn('bridge: not JSON from the shell');
      return;
    }
    const msg = NativeToWebSchema.safeParse(parsed);
    if (!msg.success) {
      console.warn('bridge: undecodable message from the shell', msg.error.issues[0]?.message);
      return;
    }
    for (const l of this.listeners.get(msg.data.type) ?? []) l(msg.data);
  }
}

function hostWindows(): ShellHostWindow[] {
  const out: ShellHostWindow[] = [window as unknown as ShellHostWindow];
  const opener = window.opener as Window | null;
  if (opener) {
    try {
      // Reading a cross-origin opener throws: then it is not our simulator.
      void opener.location.href;
      out.push(opener as unknown as ShellHostWindow);
    } catch {
      // a foreign opener: no shell there
    }
  }
  return out;
}
