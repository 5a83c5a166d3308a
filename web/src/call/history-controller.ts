/** The call history view and the missed-calls badge. */
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { PhoneState } from './phone-state.ts';
import type { StateStore } from './state-store.ts';

export class HistoryController {
  constructor(private readonly d: { store: StateStore<PhoneState>; link: SignallingLink }) {
    d.link.on('session:welcome', ({ unreadMissed }) => d.store.set({ unreadMissed }));
    d.link.on('history:changed', ({ unreadMissed }) => d.store.set({ unreadMissed }));
  }

  /** Shows the history and marks missed calls seen. */
  async show(): Promise<void> {
    const { store, link } = this.d;
    store.set({ view: 'history' });
    if (!link.isOpen) return;
    const res = await link.request('history:list', { limit: 100 });
    if (!res.ok) return;
    store.set({ history: res.data.entries, unreadMissed: res.data.unreadMissed });
    if (res.data.unreadMissed > 0) await link.request('history:mark-seen', {});
  }

  showPeople(): void {
    this.d.store.set({ view: 'people' });
  }
}
