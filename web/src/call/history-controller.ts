/** The call history (the history view, the recent people) and the missed-calls badge. */
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { PhoneState } from './phone-state.ts';
import type { StateStore } from './state-store.ts';

export class HistoryController {
  constructor(private readonly d: { store: StateStore<PhoneState>; link: SignallingLink }) {
    // Loaded on every welcome, not only when the history is opened: the people list starts with
    // the people of the latest calls.
    d.link.on('session:welcome', ({ unreadMissed }) => {
      d.store.set({ unreadMissed });
      void this.load();
    });
    d.link.on('history:changed', ({ unreadMissed }) => d.store.set({ unreadMissed }));
    // The call just over is the first of the recent people.
    d.store.subscribe((s, before) => {
      if (s.ended && !before.ended) void this.load();
    });
  }

  /** Shows the history and marks missed calls seen. */
  async show(): Promise<void> {
    this.d.store.set({ view: 'history' });
    if ((await this.load()) > 0) await this.d.link.request('history:mark-seen', {});
  }

  showPeople(): void {
    this.d.store.set({ view: 'people' });
  }

  /** Fetches the latest calls into the state; the unread missed count (0 when not fetched). */
  private async load(): Promise<number> {
    const { store, link } = this.d;
    if (!link.isOpen) return 0;
    const res = await link.request('history:list', { limit: 100 });
    if (!res.ok) return 0;
    store.set({ history: res.data.entries, unreadMissed: res.data.unreadMissed });
    return res.data.unreadMissed;
  }
}
