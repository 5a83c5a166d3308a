/**
 * The candidate pair a peer connection's media goes over, from its getStats report: the
 * transport's selected pair, its local and remote candidates' types, and — through TURN — the
 * protocol between the browser and the relay (`relayProtocol`). What the quality summary keeps
 * and history shows as "relayed".
 */
import type { MediaPath } from '@softphone/sfu/protocol';

type Stat = Record<string, unknown>;

const CANDIDATE_TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);
const RELAY_PROTOCOLS = new Set(['udp', 'tcp', 'tls']);

/** `report`: what `RTCPeerConnection.getStats()` resolves to, or any map of stats by id. */
export function selectedPath(report: { forEach(cb: (s: Stat) => void): void }): MediaPath | null {
  const byId = new Map<string, Stat>();
  let pairId: string | null = null;
  let nominated: Stat | null = null;
  report.forEach((s) => {
    if (typeof s['id'] === 'string') byId.set(s['id'], s);
    if (s['type'] === 'transport' && typeof s['selectedCandidatePairId'] === 'string') {
      pairId = s['selectedCandidatePairId'];
    }
    if (s['type'] === 'candidate-pair' && s['nominated'] === true && s['state'] === 'succeeded')
      nominated = s;
  });
  // Without a transport's selection (some engines), the nominated succeeded pair is the one in use.
  const pair = (pairId !== null ? byId.get(pairId) : undefined) ?? nominated;
  if (!pair) return null;
  const local = byId.get(String(pair['localCandidateId']));
  const remote = byId.get(String(pair['remoteCandidateId']));
  const localType = String(local?.['candidateType']);
  const remoteType = String(remote?.['candidateType']);
  if (!CANDIDATE_TYPES.has(localType) || !CANDIDATE_TYPES.has(remoteType)) return null;
  const relayProtocol = String(local?.['relayProtocol']);
  return {
    local: localType as MediaPath['local'],
    remote: remoteType as MediaPath['remote'],
    relayProtocol:
      localType === 'relay' && RELAY_PROTOCOLS.has(relayProtocol)
        ? (relayProtocol as 'udp' | 'tcp' | 'tls')
        : null,
    protocol: local?.['protocol'] === 'tcp' ? 'tcp' : 'udp',
  };
}
