/**
 * What a browser says about itself in its calls' device reports (issue 21, `call:device-report`):
 * its OS and version, the browser and its version, and the page's build. From User-Agent Client
 * Hints where the browser has them (Chromium: the frozen UA string says "Windows NT 10.0" for
 * Windows 11 and "Mac OS X 10_15_7" for every macOS since), else from the UA string.
 */
import type { DeviceReport } from '@softphone/sfu/protocol';

/** A device report without what the call adds (its path) and what only an iPhone says. */
export type DeviceDescription = Pick<
  DeviceReport,
  'platform' | 'os' | 'osVersion' | 'model' | 'appVersion' | 'engine'
>;

/** The parts of `NavigatorUAData` (WICG UA-CH) read here. */
export interface UserAgentData {
  brands?: readonly { brand: string; version: string }[];
  platform?: string;
  getHighEntropyValues?(hints: string[]): Promise<{
    platformVersion?: string;
    fullVersionList?: readonly { brand: string; version: string }[];
  }>;
}

export interface NavigatorLike {
  userAgent: string;
  userAgentData?: UserAgentData;
}

/** Where the platform does not say: the report's fields are never empty. */
const UNKNOWN = 'unknown';

/**
 * The browser's description. `model` carries the browser and its version (`Chrome 131.0.6778.85`):
 * a browser does not name its hardware, and which browser it is matters as much for one-way audio.
 */
export async function describeBrowser(nav: NavigatorLike, appVersion: string): Promise<DeviceDescription> {
  const fromUa = parseUserAgent(nav.userAgent);
  const hints = await highEntropy(nav.userAgentData);
  const os = nav.userAgentData?.platform ? nav.userAgentData.platform : fromUa.os;
  const brand = pickBrand(hints?.fullVersionList ?? nav.userAgentData?.brands);
  return {
    platform: 'browser',
    os: printable(os, 40),
    osVersion: printable(hints?.platformVersion || fromUa.osVersion, 40),
    model: printable(brand ? `${brand.brand} ${brand.version}` : fromUa.browser, 60),
    appVersion: printable(appVersion, 60),
    engine: 'browser',
  };
}

async function highEntropy(data: UserAgentData | undefined) {
  try {
    return (await data?.getHighEntropyValues?.(['platformVersion', 'fullVersionList'])) ?? null;
  } catch {
    // The browser may refuse high-entropy hints (a permissions policy): the low-entropy ones stay.
    return null;
  }
}

/** The real brand among UA-CH's: not the GREASE one ("Not A(Brand"), not the engine ("Chromium") if another is named. */
function pickBrand(brands: readonly { brand: string; version: string }[] | undefined) {
  const real = (brands ?? []).filter((b) => !/not.?a.?brand/i.test(b.brand));
  return real.find((b) => b.brand !== 'Chromium') ?? real[0] ?? null;
}

/** OS, OS version and browser from a UA string. Order matters: iOS UAs say "like Mac OS X", Edge's say "Chrome". */
export function parseUserAgent(ua: string): { os: string; osVersion: string; browser: string } {
  const dotted = (v: string | undefined) => (v ? v.replaceAll('_', '.') : UNKNOWN);
  let os = UNKNOWN;
  let osVersion = UNKNOWN;
  let m: RegExpMatchArray | null;
  if ((m = ua.match(/(?:iPhone|iPad|iPod).*? OS (\d+(?:_\d+)*)/))) [os, osVersion] = ['iOS', dotted(m[1])];
  else if ((m = ua.match(/Android (\d+(?:\.\d+)*)/))) [os, osVersion] = ['Android', dotted(m[1])];
  else if ((m = ua.match(/Mac OS X (\d+(?:[._]\d+)*)/))) [os, osVersion] = ['macOS', dotted(m[1])];
  else if ((m = ua.match(/Windows NT (\d+\.\d+)/))) [os, osVersion] = ['Windows', dotted(m[1])];
  else if (/CrOS/.test(ua)) os = 'Chrome OS';
  else if (/Linux/.test(ua)) os = 'Linux';
  const browser =
    named(ua, /Edg(?:A|iOS)?\/([\d.]+)/, 'Edge') ??
    named(ua, /(?:Firefox|FxiOS)\/([\d.]+)/, 'Firefox') ??
    named(ua, /(?:Chrome|CriOS)\/([\d.]+)/, 'Chrome') ??
    named(ua, /Version\/([\d.]+).*Safari\//, 'Safari') ??
    UNKNOWN;
  return { os, osVersion, browser };
}

function named(ua: string, re: RegExp, name: string): string | null {
  const m = ua.match(re);
  return m ? `${name} ${m[1]}` : null;
}

/** The report's labels are printable ASCII of bounded length (`DeviceReportSchema`). */
function printable(s: string, max: number): string {
  const clean = s
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, max);
  return clean || UNKNOWN;
}
