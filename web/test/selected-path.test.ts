/** The selected candidate pair read from getStats reports shaped as Chromium 156 returns them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectedPath } from '../src/media/selected-path.ts';

type Stat = Record<string, unknown>;
const report = (...stats: Stat[]) => new Map(stats.map((s) => [String(s['id']), s]));

const transport = (pair: string): Stat => ({ id: 'T01', type: 'transport', selectedCandidatePairId: pair });
const pair = (id: string, local: string, remote: string, extra: Stat = {}): Stat => ({
  id,
  type: 'candidate-pair',
  localCandidateId: local,
  remoteCandidateId: remote,
  state: 'succeeded',
  nominated: true,
  ...extra,
});
const cand = (id: string, kind: 'local' | 'remote', candidateType: string, extra: Stat = {}): Stat => ({
  id,
  type: `${kind}-candidate`,
  candidateType,
  protocol: 'udp',
  ...extra,
});

describe('selectedPath', () => {
  it('reads a direct pair: host to the SFU', () => {
    const r = report(
      transport('CP1'),
      pair('CP1', 'L1', 'R1'),
      cand('L1', 'local', 'host'),
      cand('R1', 'remote', 'host'),
    );
    assert.deepEqual(selectedPath(r), {
      local: 'host',
      remote: 'host',
      relayProtocol: null,
      protocol: 'udp',
    });
  });

  it('reads a relayed pair and how the browser reaches the relay', () => {
    const r = report(
      transport('CP2'),
      pair('CP1', 'L1', 'R1', { nominated: false }),
      pair('CP2', 'L2', 'R1'),
      cand('L1', 'local', 'host'),
      cand('L2', 'local', 'relay', { relayProtocol: 'tcp' }),
      cand('R1', 'remote', 'host'),
    );
    assert.deepEqual(selectedPath(r), {
      local: 'relay',
      remote: 'host',
      relayProtocol: 'tcp',
      protocol: 'udp',
    });
  });

  it('reads a TCP pair straight to the SFU', () => {
    const r = report(
      transport('CP1'),
      pair('CP1', 'L1', 'R1'),
      cand('L1', 'local', 'host', { protocol: 'tcp' }),
      cand('R1', 'remote', 'host', { protocol: 'tcp' }),
    );
    assert.equal(selectedPath(r)?.protocol, 'tcp');
  });

  it('falls back to the nominated pair, and says nothing before any pair is selected', () => {
    const r = report(pair('CP1', 'L1', 'R1'), cand('L1', 'local', 'srflx'), cand('R1', 'remote', 'host'));
    assert.equal(selectedPath(r)?.local, 'srflx');
    assert.equal(selectedPath(report(transport('nope'))), null);
    assert.equal(selectedPath(report()), null);
  });
});
