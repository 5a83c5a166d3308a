import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** A call screen's keys: Escape its way out, Enter its main action, M mute. */
export interface CallKeys {
  Escape: () => void;
  Enter?: () => void;
  m?: () => void;
}

/** Where a key already means something, the focused control gets it, not the screen. */
const TYPED = ['INPUT', 'SELECT', 'TEXTAREA'];
const OWN_KEYS: Record<keyof CallKeys, Set<string>> = {
  Escape: new Set(),
  Enter: new Set([...TYPED, 'BUTTON', 'A']),
  m: new Set(TYPED),
};

/**
 * A call screen's keys, anywhere on the page while the host is on screen, as Escape closes a
 * dialog: decline or hang up (Escape), answer (Enter), mute (M). Enter on a focused button presses
 * that button (Decline stays Decline), and M typed in a field is a letter.
 */
export class CallKeysController implements ReactiveController {
  constructor(
    host: ReactiveControllerHost,
    private readonly keys: CallKeys,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('keydown', this.onKey);
  }

  hostDisconnected(): void {
    window.removeEventListener('keydown', this.onKey);
  }

  private readonly onKey = (e: KeyboardEvent) => {
    if (e.repeat || e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
    const key = e.key === 'M' ? 'm' : e.key;
    if (key !== 'Escape' && key !== 'Enter' && key !== 'm') return;
    const action = this.keys[key];
    if (!action) return;
    const target = e.composedPath()[0];
    if (target instanceof Element && OWN_KEYS[key].has(target.tagName)) return;
    e.preventDefault();
    action();
  };
}
