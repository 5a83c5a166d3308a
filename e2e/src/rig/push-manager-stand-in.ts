/**
 * Replaces Chromium's push service inside the page (FCM can't be reached here): `subscribe` returns
 * the stand-in's subscription, and `getSubscription` remembers it across reloads. A script for
 * `DevTools.beforeEveryPage`.
 */
export function pushManagerStandIn(subscription: unknown): string {
  return `(() => {
    const json = ${JSON.stringify(subscription)};
    const KEY = 'rig.pushStandInSubscribed';
    const sub = () => ({ endpoint: json.endpoint, expirationTime: null, options: {}, toJSON: () => json,
      getKey: () => null, unsubscribe: async () => { localStorage.removeItem(KEY); return true; } });
    PushManager.prototype.subscribe = async function () { localStorage.setItem(KEY, '1'); return sub(); };
    PushManager.prototype.getSubscription = async function () { return localStorage.getItem(KEY) ? sub() : null; };
  })();`;
}
