/**
 * The rig's device and browser profiles: how each party's browser is started. Every party gets its
 * own browser process (its own fake-capture WAV) and its own chromedriver port (a shared port makes
 * the second session kill the first one's chromedriver).
 */

/** Flags that make Debian's Chromium quiet and usable as root on a machine with no internet. */
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

export interface PartyProfileOptions {
  /** 48 kHz mono 16-bit WAV fed to getUserMedia through Chromium's real capture path. */
  wav: string;
  /** Unique per concurrent session. */
  chromedriverPort: number;
  /** Phone-sized window by default: the layout the iOS shell's web view will have. */
  windowSize?: [number, number];
}

export const profiles = {
  /** Debian's Chromium driven through Appium's chromium driver, with Debian's chromedriver. */
  // Appium's chromium-driver options are not in WebdriverIO's capability types, hence the cast.
  'linux-chromium': (o: PartyProfileOptions): WebdriverIO.Capabilities =>
    ({
      platformName: 'linux',
      browserName: 'chrome',
      'appium:automationName': 'Chromium',
      'appium:executable': '/usr/bin/chromedriver',
      'appium:autodownloadEnabled': false,
      'appium:chromedriverPort': o.chromedriverPort,
      'goog:chromeOptions': {
        binary: '/usr/bin/chromium',
        args: [
          ...CHROMIUM_FLAGS,
          `--use-file-for-fake-audio-capture=${o.wav}`,
          `--window-size=${(o.windowSize ?? [390, 844]).join(',')}`,
        ],
      },
    }) as WebdriverIO.Capabilities,
} as const;

export type ProfileName = keyof typeof profiles;
