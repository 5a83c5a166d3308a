/**
 * The rig's device and browser profiles: how each party's browser is started, and the device farm's
 * iPhones (validated profiles read from a file or the environment). Every party gets its own browser
 * process (its own fake-capture WAV) and its own chromedriver port (a shared port makes the second
 * session kill the first one's chromedriver).
 */
import { z } from 'zod';

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
  // A party's windows are not all in front (the simulated iPhone's app process sits behind its web
  // view): Chromium may throttle a background window's timers to once a second, and to once a
  // minute after 5 minutes hidden and 30 s silent (a held call), which stalls its audio monitors.
  // WebKit's own suspension of a web view is played explicitly (the page lifecycle's `frozen`).
  // Puppeteer starts Chromium with the same three flags.
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
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

// ---- iPhones of a device farm ----------------------------------------------------------------
//
// A lab adds a phone without code: a JSON file named by `FARM_DEVICES` (or the same JSON inline in
// `FARM_DEVICES_JSON`, for a CI secret), validated here. The simulated iPhone (the shell simulator
// page) is always there and is not described by a profile. Every capability below is documented in
// appium-xcuitest-driver `docs/reference/capabilities.md`; the e2e README explains each setting.

/** Public farms that re-sign an uploaded app, and what that does to PushKit (device-farm-notes.md). */
export const FARMS = {
  /** A Mac of the lab's own with iPhones on USB: the app keeps the entitlements it was signed with. */
  'self-hosted': { stripsPushEntitlement: false },
  /** Re-signing keeps only get-task-allow, application-identifier, team-identifier, com.apple.token, keychain-access-groups. */
  browserstack: { stripsPushEntitlement: true },
  /** Re-signs with a wildcard profile, which removes Push Notifications; private devices may skip re-signing. */
  'aws-device-farm': { stripsPushEntitlement: true },
  'aws-device-farm-private': { stripsPushEntitlement: false },
  /** Re-signing can be turned off only on private devices. */
  'sauce-labs': { stripsPushEntitlement: true },
  'sauce-labs-private': { stripsPushEntitlement: false },
} as const;
export type Farm = keyof typeof FARMS;

/** The QA build's bundle id (ios-shell/project.yml). */
export const SHELL_BUNDLE_ID = 'app.softphone.shell';

const IosVersionSchema = z
  .string({ error: 'expected the iOS version as a string, e.g. "18.2"' })
  .regex(/^\d{2}(\.\d+){0,2}$/, { error: 'expected the iOS version like "17.5" or "18.2.1"' });

const SigningSchema = z.union(
  [
    z.strictObject({
      /** Apple developer team id. */
      xcodeOrgId: z
        .string()
        .regex(/^[A-Z0-9]{10}$/, { error: 'expected a 10-character team id, e.g. "JWL241K123"' }),
      /** The driver's default is "iPhone Developer"; current certificates are "Apple Development". */
      xcodeSigningId: z.string().min(1).default('Apple Development'),
    }),
    z.strictObject({ xcodeConfigFile: z.string().min(1) }),
  ],
  { error: 'expected {"xcodeOrgId", "xcodeSigningId"} or {"xcodeConfigFile"}' },
);

export const PhysicalDeviceSchema = z
  .strictObject({
    name: z
      .string({ error: 'every device needs a "name"' })
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a name of lower-case letters, digits and "-"' })
      .refine((n) => n !== 'simulated', { error: '"simulated" is the built-in simulated iPhone' }),
    /** Xcode → Devices and Simulators, or `xcrun xctrace list devices`. */
    udid: z.string({ error: 'expected the device\'s "udid"' }).min(1),
    iosVersion: IosVersionSchema,
    /** The Appium server that owns the device (on the lab's Mac, or the farm's hub URL). */
    appium: z.url({
      protocol: /^https?$/,
      error: 'expected the Appium server URL, e.g. "http://lab-mac.local:4723"',
    }),
    /** `.ipa` of the QA (Debug) build to install; without it the installed app is used. */
    app: z.string().min(1).optional(),
    bundleId: z.string().min(1).default(SHELL_BUNDLE_ID),
    /** How WebDriverAgent is signed; farms sign it themselves and need none. */
    signing: SigningSchema.optional(),
    /** Must match a provisioning profile of the team, e.g. "com.example.WebDriverAgentRunner". */
    updatedWDABundleId: z.string().min(1).optional(),
    /** Launch a WebDriverAgentRunner already on the phone instead of building it with xcodebuild. */
    usePreinstalledWDA: z.boolean().default(false),
    /** `mobile: lock` / `unlock` work only without a passcode; a passcode phone can't be locked by the rig. */
    passcode: z.boolean({ error: 'say whether the phone has a passcode ("passcode": true or false)' }),
    farm: z.enum(Object.keys(FARMS) as [Farm, ...Farm[]], {
      error: `expected one of ${Object.keys(FARMS).join(', ')}`,
    }),
    /** How long after launch the app must have a VoIP token before push scenarios are skipped. */
    voipTokenTimeoutSec: z.number().positive().max(600).default(30),
    /** The QA known-signal uplink (a 1 kHz tone instead of the microphone; see docs/one-way-audio-on-iphone.md). */
    knownSignal: z.boolean().default(false),
    /** A farm's own capabilities (e.g. `bstack:options`); never `appium:` ones, which come from the fields above. */
    capabilities: z
      .record(z.string(), z.unknown())
      .refine((caps) => !Object.keys(caps).some((k) => k.startsWith('appium:')), {
        error: 'set appium: capabilities through the profile fields',
      })
      .default({}),
  })
  .refine(
    (d) => d.app !== undefined || d.usePreinstalledWDA || d.signing !== undefined || d.farm !== 'self-hosted',
    {
      error:
        'a self-hosted phone needs "signing" (xcodeOrgId + xcodeSigningId, or xcodeConfigFile) to build WebDriverAgent, or "usePreinstalledWDA": true',
      path: ['signing'],
    },
  );
export type PhysicalDevice = z.infer<typeof PhysicalDeviceSchema>;

const DeviceFileSchema = z.strictObject(
  { devices: z.array(PhysicalDeviceSchema, { error: 'expected "devices": [ … ]' }) },
  { error: 'expected {"devices": [ … ]}' },
);

/** A device profile that can't be used; the message says where and why, for a person to fix it. */
export class DeviceProfileError extends Error {}

export const SIMULATED_DEVICE = 'simulated';

/**
 * The lab's phones from `FARM_DEVICES` (a JSON file) and/or `FARM_DEVICES_JSON` (the same JSON
 * inline). `readFile` is passed in so a test needs no file.
 */
export function loadPhysicalDevices(
  env: Record<string, string | undefined>,
  readFile: (path: string) => string,
): PhysicalDevice[] {
  const sources: { where: string; text: string }[] = [];
  const file = env['FARM_DEVICES'];
  if (file) {
    let text: string;
    try {
      text = readFile(file);
    } catch (err) {
      throw new DeviceProfileError(`FARM_DEVICES: cannot read ${file}: ${(err as Error).message}`);
    }
    sources.push({ where: `FARM_DEVICES (${file})`, text });
  }
  const inline = env['FARM_DEVICES_JSON'];
  if (inline) sources.push({ where: 'FARM_DEVICES_JSON', text: inline });

  const devices: PhysicalDevice[] = [];
  const seen = new Map<string, string>();
  for (const { where, text } of sources) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new DeviceProfileError(`${where}: not JSON: ${(err as Error).message}`);
    }
    const parsed = DeviceFileSchema.safeParse(json);
    if (!parsed.success) throw new DeviceProfileError(`${where}:\n${describeIssues(parsed.error, json)}`);
    for (const d of parsed.data.devices) {
      const before = seen.get(d.name);
      if (before)
        throw new DeviceProfileError(`${where}: device "${d.name}" is already defined in ${before}`);
      seen.set(d.name, where);
      devices.push(d);
    }
  }
  return devices;
}

/** The profile named `name`, or an error listing the names there are. */
export function findPhysicalDevice(devices: PhysicalDevice[], name: string): PhysicalDevice {
  const d = devices.find((x) => x.name === name);
  if (d) return d;
  const known = [SIMULATED_DEVICE, ...devices.map((x) => x.name)].join(', ');
  throw new DeviceProfileError(
    `no device "${name}" (known: ${known}); add it to the file FARM_DEVICES names (see e2e/README.md)`,
  );
}

function describeIssues(error: z.ZodError, json: unknown): string {
  return error.issues
    .map((issue) => {
      const [first, index, ...rest] = issue.path;
      let where = issue.path.map(String).join('.');
      if (first === 'devices' && typeof index === 'number') {
        const name = (json as { devices?: { name?: unknown }[] }).devices?.[index]?.name;
        const label = typeof name === 'string' ? ` ("${name}")` : '';
        where = `devices[${index}]${label}${rest.length ? '.' + rest.map(String).join('.') : ''}`;
      }
      return `  ${where || '(top level)'}: ${issue.message}`;
    })
    .join('\n');
}

/** The QA build's launch arguments (ios-shell README, QA switches): stats lines always, the tone on request. */
export function qaLaunchArguments(d: Pick<PhysicalDevice, 'knownSignal'>): string[] {
  return ['-SoftphoneQAStatsLog', 'YES', ...(d.knownSignal ? ['-SoftphoneKnownSignalUplink', 'YES'] : [])];
}

/**
 * The XCUITest session for a phone. Each capability is in appium-xcuitest-driver
 * docs/reference/capabilities.md.
 */
export function xcuitestCapabilities(d: PhysicalDevice): WebdriverIO.Capabilities {
  const signing =
    d.signing === undefined
      ? {}
      : 'xcodeConfigFile' in d.signing
        ? { 'appium:xcodeConfigFile': d.signing.xcodeConfigFile }
        : { 'appium:xcodeOrgId': d.signing.xcodeOrgId, 'appium:xcodeSigningId': d.signing.xcodeSigningId };
  // Appium's XCUITest options are not in WebdriverIO's capability types, hence the cast.
  return {
    ...d.capabilities,
    platformName: 'iOS',
    'appium:automationName': 'XCUITest',
    // "Always set this capability if you run parallel tests or use a real device."
    'appium:udid': d.udid,
    // The app is installed from `app` when given, else the one on the phone is driven by its bundle id.
    ...(d.app ? { 'appium:app': d.app } : { 'appium:bundleId': d.bundleId }),
    // Keeps the app, its sign-in and its VoIP token between sessions: a reinstall means a new token.
    'appium:noReset': true,
    ...signing,
    ...(d.updatedWDABundleId ? { 'appium:updatedWDABundleId': d.updatedWDABundleId } : {}),
    'appium:usePreinstalledWDA': d.usePreinstalledWDA,
    // Launch arguments land in UserDefaults' argument domain (ios-shell/Shell/QA/QASwitches.swift).
    'appium:processArguments': { args: qaLaunchArguments(d) },
    // The shell's web view is the only one wanted (ios-shell README, "Run on a device farm").
    'appium:includeSafariInWebviews': false,
    'appium:webviewConnectTimeout': 10_000,
  } as WebdriverIO.Capabilities;
}
