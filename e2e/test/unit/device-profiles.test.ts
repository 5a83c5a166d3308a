/** Device profiles: a lab adds a phone in a JSON file, and a bad one is a message, not a stack trace. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceProfileError, findPhysicalDevice, loadPhysicalDevices } from '../../../appium.config.ts';

const good = {
  name: 'lab-iphone-15',
  udid: '00008110-001A2C3E0E38801E',
  iosVersion: '17.5',
  appium: 'http://lab-mac.local:4723',
  signing: { xcodeOrgId: 'JWL241K123', xcodeSigningId: 'Apple Development' },
  passcode: false,
  farm: 'self-hosted',
};

const fromFile = (json: unknown) =>
  loadPhysicalDevices({ FARM_DEVICES: 'lab.json' }, (p) => {
    assert.equal(p, 'lab.json');
    return typeof json === 'string' ? json : JSON.stringify(json);
  });

function profileError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DeviceProfileError, `not a DeviceProfileError: ${String(err)}`);
    assert.doesNotMatch(err.message, /\n\s+at /, 'a stack trace in the message');
    return err.message;
  }
  assert.fail('no error');
}

describe('device profiles', () => {
  it('a file of phones: parsed with the defaults filled in', () => {
    const [d] = fromFile({ devices: [good] });
    assert.equal(d?.bundleId, 'app.softphone.shell');
    assert.equal(d?.voipTokenTimeoutSec, 30);
    assert.equal(d?.usePreinstalledWDA, false);
    assert.equal(d?.knownSignal, false);
    assert.deepEqual(d?.capabilities, {});
  });

  it('no FARM_DEVICES and no FARM_DEVICES_JSON: no phones (the simulated iPhone needs none)', () => {
    assert.deepEqual(
      loadPhysicalDevices({}, () => assert.fail('nothing to read')),
      [],
    );
  });

  it('inline JSON and a file together; the same name twice says where each is', () => {
    const second = {
      ...good,
      name: 'bs-iphone-16',
      farm: 'browserstack',
      signing: undefined,
      iosVersion: '18.2',
    };
    const both = loadPhysicalDevices(
      { FARM_DEVICES: 'lab.json', FARM_DEVICES_JSON: JSON.stringify({ devices: [second] }) },
      () => JSON.stringify({ devices: [good] }),
    );
    assert.deepEqual(
      both.map((d) => d.name),
      ['lab-iphone-15', 'bs-iphone-16'],
    );
    const msg = profileError(() =>
      loadPhysicalDevices(
        { FARM_DEVICES: 'lab.json', FARM_DEVICES_JSON: JSON.stringify({ devices: [good] }) },
        () => JSON.stringify({ devices: [good] }),
      ),
    );
    assert.match(
      msg,
      /FARM_DEVICES_JSON: device "lab-iphone-15" is already defined in FARM_DEVICES \(lab\.json\)/,
    );
  });

  it('a missing field names the device and the field', () => {
    const noUdid: Record<string, unknown> = { ...good };
    delete noUdid['udid'];
    assert.match(
      profileError(() => fromFile({ devices: [noUdid] })),
      /devices\[0\] \("lab-iphone-15"\)\.udid: expected the device's "udid"/,
    );
  });

  it('a misspelt field is refused, not ignored', () => {
    const msg = profileError(() => fromFile({ devices: [{ ...good, passcodee: false }] }));
    assert.match(msg, /devices\[0\] \("lab-iphone-15"\).*passcodee/);
  });

  it('bad values: iOS version, Appium URL, farm, team id, each with what was expected', () => {
    const msg = profileError(() =>
      fromFile({
        devices: [
          {
            ...good,
            iosVersion: 18,
            appium: 'lab-mac:4723',
            farm: 'browserstak',
            signing: { xcodeOrgId: 'team' },
          },
        ],
      }),
    );
    assert.match(msg, /iosVersion: expected the iOS version as a string/);
    assert.match(msg, /appium: expected the Appium server URL/);
    assert.match(msg, /farm: expected one of self-hosted, browserstack/);
    assert.match(msg, /signing\.xcodeOrgId: expected a 10-character team id/);
  });

  it('a self-hosted phone with no way to sign WebDriverAgent is refused', () => {
    const msg = profileError(() => fromFile({ devices: [{ ...good, signing: undefined }] }));
    assert.match(msg, /signing: a self-hosted phone needs "signing"/);
  });

  it('"simulated" is taken, and appium: capabilities come only from the profile fields', () => {
    assert.match(
      profileError(() => fromFile({ devices: [{ ...good, name: 'simulated' }] })),
      /"simulated" is the built-in/,
    );
    assert.match(
      profileError(() => fromFile({ devices: [{ ...good, capabilities: { 'appium:udid': 'x' } }] })),
      /set appium: capabilities through the profile fields/,
    );
  });

  it('not JSON, an unreadable file, a file without "devices"', () => {
    assert.match(
      profileError(() => fromFile('{devices: [')),
      /^FARM_DEVICES \(lab\.json\): not JSON/,
    );
    assert.match(
      profileError(() =>
        loadPhysicalDevices({ FARM_DEVICES: 'gone.json' }, () => {
          throw new Error('ENOENT: no such file or directory');
        }),
      ),
      /^FARM_DEVICES: cannot read gone\.json: ENOENT/,
    );
    assert.match(
      profileError(() => fromFile([good])),
      /\(top level\): expected \{"devices": \[ … \]\}/,
    );
  });

  it('an unknown device name lists the names there are', () => {
    const devices = fromFile({ devices: [good] });
    assert.equal(findPhysicalDevice(devices, 'lab-iphone-15').udid, good.udid);
    assert.match(
      profileError(() => findPhysicalDevice(devices, 'iphone-15')),
      /no device "iphone-15" \(known: simulated, lab-iphone-15\)/,
    );
  });
});
