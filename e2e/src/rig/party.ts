/**
 * One party of the rig: a named user in its own browser. Acts through the UI like a person would
 * and reads figures through `window.softphone.snapshot()`. Waits name the party in their timeout
 * messages.
 */
import type { PhoneSnapshot } from '../../../web/src/debug/test-hooks.ts';

const SEL = {
  name: '>>>[data-test="name"]',
  signIn: '>>>[data-test="sign-in"]',
  answer: '>>>[data-test="answer"]',
  decline: '>>>[data-test="decline"]',
  hangup: '>>>[data-test="hangup"]',
  dismiss: '>>>[data-test="dismiss"]',
  userRow: (name: string) => `>>>[data-test="user"][data-name="${name}"] [data-test="call"]`,
};

export type Screen = PhoneSnapshot['screen'];

export class Party {
  constructor(
    readonly name: string,
    readonly driver: WebdriverIO.Browser,
  ) {}

  async open(url: string): Promise<void> {
    await this.driver.url(url);
    await this.driver
      .$(SEL.name)
      .waitForDisplayed({ timeout: 15_000, timeoutMsg: `${this.name}: no sign-in screen` });
  }

  async signIn(): Promise<void> {
    await this.driver.$(SEL.name).setValue(this.name);
    await this.driver.$(SEL.signIn).click();
    await this.waitForScreen('contacts');
  }

  async call(other: Party): Promise<void> {
    const button = this.driver.$(SEL.userRow(other.name));
    await button.waitForClickable({
      timeout: 10_000,
      timeoutMsg: `${this.name}: ${other.name} is not listed online`,
    });
    await button.click();
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

  async dismiss(): Promise<void> {
    await this.click(SEL.dismiss, 'dismiss');
    await this.waitForScreen('contacts');
  }

  async snapshot(sinceWindow = 0): Promise<PhoneSnapshot> {
    return this.driver.execute((since: number) => window.softphone.snapshot(since), sinceWindow);
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
        timeoutMsg: `${this.name}: expected the "${screen}" screen within ${timeout} ms`,
      },
    );
    return last ?? this.snapshot();
  }

  /** The text of the ended screen, e.g. "Call failed: media server restarted". */
  async endMessage(): Promise<string> {
    return (await this.driver.$('>>>[data-test="end-message"]').getText()).trim();
  }

  private async click(selector: string, what: string): Promise<void> {
    const el = this.driver.$(selector);
    await el.waitForClickable({ timeout: 10_000, timeoutMsg: `${this.name}: cannot ${what}` });
    await el.click();
  }
}
