import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apnsVerdict, backoffMs, webPushVerdict, type Verdict } from '../../src/push/delivery-verdict.ts';

describe('APNs answer → action', () => {
  const table: [number, string | undefined, Verdict['action']][] = [
    [200, undefined, 'accepted'],
    [400, 'BadDeviceToken', 'drop-address'],
    [400, 'DeviceTokenNotForTopic', 'drop-address'],
    [400, 'TopicDisallowed', 'give-up'],
    [400, 'BadTopic', 'give-up'],
    [400, 'MissingTopic', 'give-up'],
    [400, 'BadExpirationDate', 'give-up'],
    [400, 'InvalidPushType', 'give-up'],
    [403, 'ExpiredProviderToken', 'refresh-token'],
    [403, 'InvalidProviderToken', 'give-up'],
    [403, 'MissingProviderToken', 'give-up'],
    [404, 'BadPath', 'give-up'],
    [405, 'MethodNotAllowed', 'give-up'],
    [410, 'Unregistered', 'drop-address'],
    [410, 'ExpiredToken', 'drop-address'],
    [413, 'PayloadTooLarge', 'give-up'],
    [429, 'TooManyProviderTokenUpdates', 'retry'],
    [429, 'TooManyRequests', 'retry'],
    [500, 'InternalServerError', 'retry'],
    [503, 'ServiceUnavailable', 'retry'],
    [503, 'Shutdown', 'retry'],
  ];
  for (const [status, reason, action] of table) {
    it(`${status} ${reason ?? ''} → ${action}`, () =>
      assert.equal(apnsVerdict(status, reason).action, action));
  }
});

describe('Web Push answer → action', () => {
  const table: [number, Verdict['action']][] = [
    [201, 'accepted'],
    [202, 'accepted'],
    [400, 'give-up'],
    [403, 'give-up'],
    [404, 'drop-address'],
    [410, 'drop-address'],
    [413, 'give-up'],
    [429, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
  ];
  for (const [status, action] of table) {
    it(`${status} → ${action}`, () => assert.equal(webPushVerdict(status).action, action));
  }
});

describe('backoff', () => {
  it('doubles per attempt within [cap/2, cap] and stops growing at the maximum', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => backoffMs(a, 100, 1_000, () => 1)),
      [100, 200, 400, 800, 1_000],
    );
    assert.deepEqual(
      [1, 2, 3].map((a) => backoffMs(a, 100, 1_000, () => 0)),
      [50, 100, 200],
    );
  });
});
