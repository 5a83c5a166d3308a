/** The call history (the history view, the recent people) and the missed-calls badge. */
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { PhoneState } from './phone-state.ts';
import type { StateStore } from './state-store.ts';

export class HistoryController {
  /** The list is on screen whatever the view (a wide screen shows it beside the people). */
  private pinned = false;

  constructor(private readonly d: { store: StateStore<PhoneState>; link: SignallingLink }) {
    // Loaded on every welcome and every change, not only when the history is opened: the people
    // list starts with the people of the latest calls. The server says the history changed once a
    // call's end is written, for both parties, so the call just over is already in the list.
    d.link.on('session:welcome', ({ unreadMissed }) => {
      d.store.set({ unreadMissed });
      void this.load();
    });
    d.link.on('history:changed', ({ unreadMissed }) => {
      d.store.set({ unreadMissed });
      void this.load();
    });
  }

  /** Shows the history and marks missed calls seen. */
  async show(): Promise<void> {
    this.d.store.set({ view: 'history' });
    await this.load(true);
  }

  /**
   * Keeps the list loaded and current while it stays on screen beside the people (`on`), where
   * it is seen as soon as it changes: its missed calls are marked seen then too.
   */
  async pin(on: boolean): Promise<void> {
    this.pinned = on;
    if (on) await this.load();
  }

  showPeople(): void {
    this.d.store.set({ view: 'people' });
  }

  /** Fetches the latest calls into the state; marks the missed ones seen when the list is on screen. */
  private async load(shown = this.pinned): Promise<void> {
    const { store, link } = this.d;
    if (!link.isOpen) return;
    const res = await link.request('history:list', { limit: 100 });
    if (!res.ok) return;
    // On screen, marking seen makes the server say the history changed, and the reload would take
    // New off the missed calls the moment they are seen: what was New on screen stays New.
    const onScreen = this.pinned || store.state.view === 'history';
    const shownNew = new Set(
      onScreen ? store.state.history.filter((e) => e.unread).map((e) => e.callId) : [],
    );
    const entries = res.data.entries.map((e) => (shownNew.has(e.callId) ? { ...e, unread: true } : e));
    store.set({ history: entries, unreadMissed: res.data.unreadMissed });
    if (shown && res.data.unreadMissed > 0) await link.request('history:mark-seen', {});
  }
}
