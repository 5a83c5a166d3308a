/**
 * Where this device can be woken for calls: the iOS shell's VoIP token (registered at every
 * connection: tokens change, and the server forgets them on sign-out) and the browser's Web Push
 * subscription (turned on by the user).
 */
import type { VoipRegistration } from '@softphone/sfu/protocol';
import type { CallNotifications } from '../push/call-notifications.ts';
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { PhoneState } from './phone-state.ts';
import type { StateStore } from './state-store.ts';

export interface PushRegistrationDeps {
  store: StateStore<PhoneState>;
  link: SignallingLink;
  notifications: CallNotifications;
}

export class PushRegistration {
  private voip: VoipRegistration | null = null;

  constructor(private readonly d: PushRegistrationDeps) {}

  /** The iOS shell's VoIP token for this device: registered now if connected, and on every connection. */
  registerVoip(registration: VoipRegistration): void {
    this.voip = registration;
    if (this.d.store.state.connection === 'connected')
      void this.d.link.request('push:register-voip', registration);
  }

  connected(): void {
    if (this.voip) void this.d.link.request('push:register-voip', this.voip);
    void this.d.notifications.current().then((callNotifications) => this.d.store.set({ callNotifications }));
  }

  /** Turns on incoming-call notifications for when no tab is open (asks for permission). */
  async enableCallNotifications(): Promise<void> {
    const { link, store } = this.d;
    if (!link.isOpen) return;
    const cfg = await link.request('push:web-config', {});
    if (!cfg.ok) {
      store.set({ notice: cfg.error.message });
      return;
    }
    const sub = await this.d.notifications.subscribe(cfg.data.vapidPublicKey);
    if (!sub.ok) {
      store.set({ callNotifications: sub.state, notice: sub.message });
      return;
    }
    const res = await link.request('push:register-web', { subscription: sub.subscription });
    store.set(res.ok ? { callNotifications: 'on' } : { notice: res.error.message });
  }

  /** A signed-out device must not be woken for its former user's calls. */
  async unregister(): Promise<void> {
    await this.d.link.request('push:unregister', {});
    await this.d.notifications.unsubscribe().catch(() => undefined);
  }
}
