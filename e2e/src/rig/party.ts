/**
 * One party of the rig: a named user in its own browser. Acts through the UI like a person would
 * and reads figures through `window.softphone.snapshot()`. Waits name the party in their timeout
 * messages.
 */
import { Key } from 'webdriverio';
import type { PhoneSnapshot } from '@softphone/web/test-hooks';
import type { ToneSignatures } from '@softphone/web/tone-signature';
import { accessibilityViolations, type AccessibilityViolation } from './accessibility.ts';

const SEL = {
  username: '>>>[data-test="username"]',
  password: '>>>[data-test="password"]',
  displayName: '>>>[data-test="display-name"]',
  submit: '>>>[data-test="submit"]',
  switchMode: '>>>[data-test="switch-mode"]',
  authError: '>>>[data-test="auth-error"]',
  signOut: '>>>[data-test="sign-out"]',
  hold: '>>>[data-test="hold"]',
  mute: '>>>[data-test="mute"]',
  tabHistory: '>>>[data-test="tab-history"]',
  tabPeople: '>>>[data-test="tab-people"]',
  missedBadge: '>>>[data-test="missed-badge"]',
  answer: '>>>[data-test="answer"]',
  decline: '>>>[data-test="decline"]',
  hangup: '>>>[data-test="hangup"]',
  dismiss: '>>>[data-test="dismiss"]',
  userRow: (name: string) => `>>>[data-test="user"][data-name="${name}"] [data-test="call"]`,
  contactUsername: '>>>[data-test="contact-username"]',
  addContact: '>>>[data-test="add-contact"]',
  dialUsername: '>>>[data-test="dial-username"]',
  dial: '>>>[data-test="dial"]',
  peopleNotice: '>>>[data-test="people-notice"]',
};

export type Screen = PhoneSnapshot['screen'];

/** Which signature a party's microphone carries, and every party's (what its page listens for). */
export interface PartyTones {
  /** A key of `all`, or null: the microphone is speech (judged by level). */
  own: string | null;
  all: ToneSignatures;
}

export class Party {
  /** The account's username: the display name, lower-cased. */
  readonly username: string;

  /** The name in messages: the display name, and which device when the user has several. */
  readonly who: string;

  /** Set by the rig: whose audio this party's partner must hear, and what its page checks for. */
  tones: PartyTones | null = null;

  constructor(
    readonly name: string,
    readonly driver: WebdriverIO.Browser,
    readonly password = 'rig password 1',
    device?: string,
  ) {
    this.username = name.toLowerCase();
    this.who = device ? `${name} (${device})` : name;
  }

  async open(url: string): Promise<void> {
    await this.driver.url(url);
    await this.waitForSignIn();
  }

  protected async waitForSignIn(): Promise<void> {
    await this.driver
      .$(SEL.username)
      .waitForDisplayed({ timeout: 15_000, timeoutMsg: `${this.who}: no sign-in screen` });
  }

  /** Creates the account through the sign-up form and waits until online. */
  async signUp(): Promise<void> {
    await this.click(SEL.switchMode, 'switch to sign-up');
    await this.driver.$(SEL.displayName).waitForDisplayed({ timeout: 5_000 });
    await this.driver.$(SEL.username).setValue(this.username);
    await this.driver.$(SEL.password).setValue(this.password);
    await this.driver.$(SEL.displayName).setValue(this.name);
    await this.click(SEL.submit, 'create the account');
    await this.waitForScreen('contacts');
  }

  /** Signs in through the form; resolves once online, or with the error the form shows. */
  async signIn(password = this.password): Promise<{ ok: true } | { ok: false; error: string }> {
    await this.driver.$(SEL.username).setValue(this.username);
    await this.driver.$(SEL.password).setValue(password);
    await this.click(SEL.submit, 'sign in');
    const error = this.driver.$(SEL.authError);
    await this.driver.waitUntil(
      async () => (await error.isExisting()) || (await this.snapshot(1e9)).screen === 'contacts',
      { timeout: 10_000, interval: 50, timeoutMsg: `${this.who}: sign-in neither succeeded nor failed` },
    );
    return (await error.isExisting()) ? { ok: false, error: (await error.getText()).trim() } : { ok: true };
  }

  async signOut(): Promise<void> {
    await this.click(SEL.signOut, 'sign out');
    await this.waitForScreen('sign-in');
  }

  async setHeld(held: boolean): Promise<void> {
    await this.click(SEL.hold, held ? 'hold' : 'resume');
  }

  async setMuted(muted: boolean): Promise<void> {
    await this.click(SEL.mute, muted ? 'mute' : 'unmute');
  }

  async openHistory(): Promise<void> {
    await this.click(SEL.tabHistory, 'open history');
    await this.waitForScreen('history');
    // The page fetches the history's element once signed in (web/src/app/sp-app.ts).
    await this.driver.waitUntil(
      () => this.driver.execute(() => customElements.get('sp-history') !== undefined),
      {
        timeout: 10_000,
        timeoutMsg: `${this.who}: the history's element never loaded`,
      },
    );
  }

  async openPeople(): Promise<void> {
    await this.click(SEL.tabPeople, 'open people');
    await this.waitForScreen('contacts');
  }

  /** The missed-call badge's number (0 when there is no badge). */
  async missedBadge(): Promise<number> {
    const badge = this.driver.$(SEL.missedBadge);
    return (await badge.isExisting()) ? Number(await badge.getText()) : 0;
  }

  /**
   * The history as the screen lists it, newest first: call id, kind (missed / incoming / outgoing),
   * the outcome line, and whether it is marked new.
   */
  async historyRows(): Promise<
    { callId: string; kind: string; text: string; quality: string; unread: boolean }[]
  > {
    return this.driver.execute(() => {
      const list = document.querySelector('sp-app')?.shadowRoot?.querySelector('sp-history')?.shadowRoot;
      const rows = list ? Array.from(list.querySelectorAll<HTMLElement>('[data-test="history-entry"]')) : [];
      return rows.map((li) => ({
        callId: li.dataset['callId'] ?? '',
        kind: li.dataset['kind'] ?? '',
        text: li.querySelector('[data-test="outcome"]')?.textContent?.trim() ?? '',
        quality: li.querySelector('[data-test="quality"]')?.textContent?.trim() ?? '',
        unread: li.querySelector('[data-test="unread"]') !== null,
      }));
    });
  }

  /** Presses keys one after the other: WebdriverIO's `Key` values, or text to type. */
  async press(...keys: string[]): Promise<void> {
    for (const k of keys) await this.driver.keys(k);
  }

  /** The element with keyboard focus, looking through shadow roots: its data-test and accessible text. */
  async focused(): Promise<{ test: string | null; label: string }> {
    return this.driver.execute(() => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return {
        test: el?.getAttribute('data-test') ?? null,
        label: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim(),
      };
    });
  }

  /** What the page's live region (sp-announcer) says now. */
  async announced(): Promise<string> {
    return this.driver.execute(() => {
      const app = document.querySelector('sp-app')?.shadowRoot;
      const region = app?.querySelector('sp-announcer')?.shadowRoot?.querySelector('[data-test="announcer"]');
      return region?.textContent?.trim() ?? '';
    });
  }

  /** Presses Tab until the control with this data-test has focus; the number of presses it took. */
  async tabTo(test: string, max = 15): Promise<number> {
    for (let i = 1; i <= max; i++) {
      await this.driver.keys(Key.Tab);
      if ((await this.focused()).test === test) return i;
    }
    throw new Error(`${this.who}: "${test}" not reached with ${max} presses of Tab`);
  }

  /** What axe-core finds wrong with the current screen (WCAG 2.2 A/AA). */
  async accessibilityViolations(): Promise<AccessibilityViolation[]> {
    return accessibilityViolations(this.driver);
  }

  /**
   * Calls `other` from the people view. Not listed (a server without the directory, and no call
   * between them yet), they are added by username first, as a person would.
   */
  async call(other: Party): Promise<void> {
    const button = this.driver.$(SEL.userRow(other.name));
    if (!(await button.isExisting())) await this.addContact(other);
    await button.waitForClickable({
      timeout: 10_000,
      timeoutMsg: `${this.who}: ${other.name} is not listed online`,
    });
    await button.click();
  }

  /** Adds `other` by their username (the people view's "Add"). */
  async addContact(other: Party): Promise<void> {
    await this.driver.$(SEL.contactUsername).setValue(other.username);
    await this.click(SEL.addContact, `add ${other.name}`);
  }

  /** Calls anyone by their username (the people view's "Call a username"). */
  async dial(username: string): Promise<void> {
    await this.driver.$(SEL.dialUsername).setValue(username);
    await this.click(SEL.dial, `call ${username}`);
  }

  /** Waits for the people view's notice (why a call was refused) and returns it. */
  async peopleNotice(): Promise<string> {
    const notice = this.driver.$(SEL.peopleNotice);
    await notice.waitForDisplayed({
      timeout: 10_000,
      timeoutMsg: `${this.who}: no notice on the people view`,
    });
    return (await notice.getText()).trim();
  }

  /** The people the people view lists as recent, top first: name and presence. */
  async recentPeople(): Promise<{ name: string; presence: string }[]> {
    return this.driver.execute(() => {
      const people = document.querySelector('sp-app')?.shadowRoot?.querySelector('sp-contacts')?.shadowRoot;
      const rows = people ? Array.from(people.querySelectorAll<HTMLElement>('[data-test="recent"]')) : [];
      return rows.map((li) => ({ name: li.dataset['name'] ?? '', presence: li.dataset['presence'] ?? '' }));
    });
  }

  /** Presses a history row's call-back button; returns its accessible name (its text). */
  async callBack(callId: string): Promise<string> {
    const button = this.driver.$(
      `>>>[data-test="history-entry"][data-call-id="${callId}"] [data-test="call-back"]`,
    );
    await button.waitForClickable({ timeout: 10_000, timeoutMsg: `${this.who}: no call-back on ${callId}` });
    const name = String(await button.getProperty('textContent'))
      .replace(/\s+/g, ' ')
      .trim();
    await button.click();
    return name;
  }

  /** Waits until `other` is listed asleep: not connected, but can be woken by a push. */
  async waitUntilAsleep(other: Party, timeout = 10_000): Promise<void> {
    const row = `>>>[data-test="user"][data-name="${other.name}"][data-presence="asleep"]`;
    await this.driver.waitUntil(async () => this.driver.$(row).isExisting(), {
      timeout,
      interval: 100,
      timeoutMsg: `${this.who}: ${other.name} is not listed asleep`,
    });
  }

  /** Waits until `other` is listed online (its page's socket connected). */
  async waitUntilOnline(other: Party, timeout = 10_000): Promise<void> {
    const row = `>>>[data-test="user"][data-name="${other.name}"][data-presence="online"]`;
    await this.driver.waitUntil(async () => this.driver.$(row).isExisting(), {
      timeout,
      interval: 100,
      timeoutMsg: `${this.who}: ${other.name} is not listed online`,
    });
  }

  async answer(): Promise<void> {
    await this.click(SEL.answer, 'answer');
  }

  async decline(): Promise<void> {
    await this.click(SEL.decline, 'decline');
  }

  async hangup(): Promise<void> {
    await this.click(SEL.hangup, 'hang up');
  }

  /** Leaves the end screen for the list the call was placed from (`history` for a call back). */
  async dismiss(back: 'contacts' | 'history' = 'contacts'): Promise<void> {
    await this.click(SEL.dismiss, 'dismiss');
    await this.waitForScreen(back);
  }

  /**
   * Asks the page to record whose signature its audio windows carry (again: a reload forgets it).
   * Nothing without tones (a level-only party): its windows carry no tones and are judged by level,
   * and say so.
   */
  async listen(): Promise<void> {
    const all = this.tones?.all;
    if (all && Object.keys(all).length) await this.driver.execute((s) => window.softphone?.listenFor(s), all);
  }

  /**
   * The page's figures. Only a QA build has the hooks (a production page must not expose its
   * state): a rig against a running server (`--server-url`) needs that server to serve the QA build.
   */
  async snapshot(sinceWindow = 0): Promise<PhoneSnapshot> {
    const snap = await this.driver.execute(
      (since: number) => window.softphone?.snapshot(since) ?? null,
      sinceWindow,
    );
    if (!snap)
      throw new Error(`${this.who}: the page has no window.softphone (still loading, or not a QA build)`);
    return snap;
  }

  /**
   * Whether this party asked for the microphone before the call's audio activation, from a snapshot
   * taken during the call: the page's capture watch (QA builds) against its `activatedAt` mark.
   */
  async capturedBeforeActivation(_callId: string | null, snap: PhoneSnapshot): Promise<boolean> {
    return snap.capturedBeforeActivation;
  }

  /**
   * QA builds: a planted fault, the page capturing as soon as a call rings, which the capture check
   * must catch (window.softphone.setCaptureAtRing).
   */
  async setCaptureAtRing(on: boolean): Promise<void> {
    const ok = await this.driver.execute((o: boolean) => {
      if (!window.softphone) return false;
      window.softphone.setCaptureAtRing(o);
      return true;
    }, on);
    if (!ok) throw new Error(`${this.who}: this page is not a QA build (no setCaptureAtRing)`);
  }

  async waitForScreen(screen: Screen, timeout = 15_000): Promise<PhoneSnapshot> {
    let last: PhoneSnapshot | null = null;
    await this.driver.waitUntil(
      async () => {
        last = await this.snapshot(Number.MAX_SAFE_INTEGER);
        return last.screen === screen;
      },
      {
        timeout,
        interval: 25,
        timeoutMsg: `${this.who}: expected the "${screen}" screen within ${timeout} ms`,
      },
    );
    return last ?? this.snapshot();
  }

  /** The call screen's status line, e.g. "Connected", "Bob can't hear you. …". */
  async callStatus(): Promise<string> {
    return (await this.driver.$('>>>[data-test="audio-status"]').getText()).trim();
  }

  /** The text of the ended screen, e.g. "Call failed: media server restarted". */
  async endMessage(): Promise<string> {
    return (await this.driver.$('>>>[data-test="end-message"]').getText()).trim();
  }

  private async click(selector: string, what: string): Promise<void> {
    const el = this.driver.$(selector);
    await el.waitForClickable({ timeout: 10_000, timeoutMsg: `${this.who}: cannot ${what}` });
    await el.click();
  }
}
