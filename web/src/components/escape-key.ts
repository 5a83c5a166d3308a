import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Escape anywhere on the page runs the screen's way out (decline a ringing call, cancel an
 * outgoing one), as Escape closes a dialog. Only while the host is on screen.
 */
export class EscapeKeyController implements ReactiveController {
  constructor(
    host: ReactiveControllerHost,
    private readonly action: () => void,
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
    if (e.key !== 'Escape' || e.repeat || e.defaultPrevented) return;
    e.preventDefault();
    this.action();
  };
}
