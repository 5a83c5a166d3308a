/** What a browser says about itself in its device reports (issue 21): UA Client Hints first, else the UA string. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceReportSchema } from '@softphone/sfu/protocol';
import { describeBrowser, parseUserAgent } from '../src/app/device-description.ts';

const UA = {
  iphoneSafari:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  macSafari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  androidChrome:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  windowsEdge:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
  linuxFirefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
};

describe('parseUserAgent', () => {
  it('names the OS, its version and the browser from UA strings', () => {
    assert.deepEqual(parseUserAgent(UA.iphoneSafari), {
      os: 'iOS',
      osVersion: '17.4.1',
      browser: 'Safari 17.4.1',
    });
    assert.deepEqual(parseUserAgent(UA.macSafari), {
      os: 'macOS',
      osVersion: '10.15.7',
      browser: 'Safari 17.5',
    });
    assert.deepEqual(parseUserAgent(UA.androidChrome), {
      os: 'Android',
      osVersion: '14',
      browser: 'Chrome 124.0.0.0',
    });
    assert.deepEqual(parseUserAgent(UA.windowsEdge), {
      os: 'Windows',
      osVersion: '10.0',
      browser: 'Edge 124.0.2478.51',
    });
    assert.deepEqual(parseUserAgent(UA.linuxFirefox), {
      os: 'Linux',
      osVersion: 'unknown',
      browser: 'Firefox 125.0',
    });
  });
});

describe('describeBrowser', () => {
  it('prefers the client hints: the real OS version and the full browser version, not the GREASE brand', async () => {
    const d = await describeBrowser(
      {
        userAgent: UA.windowsEdge,
        userAgentData: {
          platform: 'Windows',
          brands: [
            { brand: 'Not-A.Brand', version: '99' },
            { brand: 'Chromium', version: '124' },
            { brand: 'Microsoft Edge', version: '124' },
          ],
          getHighEntropyValues: async () => ({
            platformVersion: '15.0.0',
            fullVersionList: [
              { brand: 'Not-A.Brand', version: '99.0.0.0' },
              { brand: 'Chromium', version: '124.0.6367.119' },
              { brand: 'Microsoft Edge', version: '124.0.2478.51' },
            ],
          }),
        },
      },
      'web 0123abcd',
    );
    assert.deepEqual(d, {
      platform: 'browser',
      os: 'Windows',
      osVersion: '15.0.0',
      model: 'Microsoft Edge 124.0.2478.51',
      appVersion: 'web 0123abcd',
      engine: 'browser',
    });
  });

  it('falls back to the UA string without hints, or when the high-entropy ones are refused', async () => {
    const safari = await describeBrowser({ userAgent: UA.iphoneSafari }, 'web dev');
    assert.equal(safari.os, 'iOS');
    assert.equal(safari.osVersion, '17.4.1');
    assert.equal(safari.model, 'Safari 17.4.1');
    const refused = await describeBrowser(
      {
        userAgent: UA.androidChrome,
        userAgentData: {
          platform: 'Android',
          brands: [{ brand: 'Google Chrome', version: '124' }],
          getHighEntropyValues: () => Promise.reject(new Error('NotAllowedError')),
        },
      },
      'web dev',
    );
    assert.equal(refused.osVersion, '14');
    assert.equal(refused.model, 'Google Chrome 124');
  });

  it('always makes a report the server accepts, whatever the UA says', async () => {
    for (const userAgent of [...Object.values(UA), '', 'Mozilla/5.0 (Ünknown) ' + 'x'.repeat(300)]) {
      const d = await describeBrowser({ userAgent }, 'web ' + 'é'.repeat(3));
      assert.ok(DeviceReportSchema.safeParse({ ...d, path: null }).success, userAgent);
    }
  });
});
