/** The audio outputs the browser lets the page play a call on (none where it can't choose). */
import type { OutputDevice } from '../call/phone-state.ts';

export async function listAudioOutputs(): Promise<OutputDevice[]> {
  if (!('setSinkId' in HTMLMediaElement.prototype) || !navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  return devices
    .filter((d) => d.kind === 'audiooutput' && d.deviceId)
    .map((d, i) => ({ id: d.deviceId, label: d.label || `Output ${i + 1}` }));
}
