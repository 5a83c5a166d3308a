import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULT_IDS, FAULTS, FaultListError, FaultPicker, parseFaults } from '../../src/farm/faults.ts';
import { SCENARIOS, selectScenarios } from '../../src/farm/scenarios.ts';

describe('farm faults', () => {
  it('`all` plays every fault once within the first calls a scenario of each kind allows', () => {
    const scenarios = selectScenarios(
      [
        'foreground/in-app/iphone-receives/hangup-far',
        'background/callkit/iphone-receives/hangup-far',
        'locked/lock-screen/iphone-receives/hangup-iphone',
        'killed/callkit/iphone-receives/hangup-far',
        'foreground/in-app/iphone-calls/hangup-far',
      ].join(','),
    );
    const picker = new FaultPicker(parseFaults('all'), 1);
    const played: string[] = [];
    for (let k = 0; k < 2; k++) for (const s of scenarios) played.push(picker.next(s)?.id ?? 'none');
    assert.deepEqual([...new Set(played)].sort(), [...FAULT_IDS].sort(), played.join(', '));
  });

  it('a fault is only played where it applies: none before the first unlock, no S6 on an outgoing call', () => {
    const picker = new FaultPicker(parseFaults('all'), 1);
    const bfu = SCENARIOS.find((s) => s.appState === 'before-first-unlock');
    assert.ok(bfu);
    assert.equal(picker.next(bfu), null);
    for (const s of SCENARIOS.filter((x) => x.direction === 'iphone-calls'))
      for (let i = 0; i < 20; i++) {
        const f = picker.next(s);
        assert.ok(f && f.applies(s));
        assert.notEqual(f.id, 'session-id-0x0');
        assert.notEqual(f.id, 'page-frozen');
      }
  });

  it('random: about half the calls, the same faults again from the same seed', () => {
    const draw = (seed: number) => {
      const picker = new FaultPicker(parseFaults('random'), seed);
      return SCENARIOS.flatMap((s) => [picker.next(s)?.id ?? null, picker.next(s)?.id ?? null]);
    };
    const a = draw(13);
    assert.deepEqual(draw(13), a);
    assert.notDeepEqual(draw(14), a);
    const faulted = a.filter((x) => x !== null).length;
    assert.ok(faulted > a.length * 0.3 && faulted < a.length * 0.7, `${faulted} of ${a.length}`);
  });

  it('an unknown fault id is refused with the known ones listed', () => {
    assert.throws(
      () => parseFaults('didActivate-late,nope'),
      (e: unknown) => {
        assert.ok(e instanceof FaultListError);
        assert.match(e.message, /no fault "nope"; known: didActivate-late/);
        return true;
      },
    );
    assert.throws(() => parseFaults(' , '), FaultListError);
    assert.deepEqual((parseFaults('late-answer') as { faults: unknown[] }).faults, [FAULTS['late-answer']]);
  });
});
