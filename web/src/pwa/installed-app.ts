/**
 * The page's side of being an installed app: registers the service worker, says when a new version
 * is waiting (the user decides when it takes over), and passes on the calls the user picked up from
 * an incoming-call notification.
 */
import { registerSW } from 'virtual:pwa-register';
import { launchFromMessage, launchFromUrl, type Launch } from '../push/incoming-call-launch.ts';

export interface InstalledAppState {
  /** A new version is installed and waiting for the user's go-ahead. */
  updateReady: boolean;
}

type Listener = (state: InstalledAppState) => void;

export class InstalledApp {
  private state: InstalledAppState = { updateReady: false };
  private readonly listeners = new Set<Listener>();
  private applyUpdate: ((reload: boolean) => Promise<void>) | null = null;

  /**
   * Starts the worker and listens for launches; `onLaunch` gets the one in this page's URL at once
   * (the app was opened from a notification) and later ones from the worker (an open tab was picked).
   */
  start(onLaunch: (launch: Launch) => void): void {
    const fromUrl = launchFromUrl(window.location.href);
    if (fromUrl) {
      // The choice is acted on once: a reload must not answer the call again.
      history.replaceState(null, '', '/');
      onLaunch(fromUrl);
    }
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
      const launch = launchFromMessage(e.data);
      if (launch) onLaunch(launch);
    });
    this.applyUpdate = registerSW({
      immediate: true,
      onNeedRefresh: () => this.setState({ updateReady: true }),
    });
  }

  get current(): InstalledAppState {
    return this.state;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Lets the waiting version take over and reloads into it. */
  async update(): Promise<void> {
    await this.applyUpdate?.(true);
  }

  private setState(patch: Partial<InstalledAppState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }
}
