/**
 * Live calls' history writes, in the order each call made them. The call table decides at once,
 * but the store answers later (PostgreSQL is a round trip away): each call's writes are chained, so
 * its end row never lands before its start row, a read about the call ({@link written}) can wait
 * for what was written before it, and the server's close waits for what is still pending
 * ({@link settled}). A write that fails is logged and the chain goes on: a call's audio never
 * waits for, or dies of, its history.
 */
import type { DirectionRecord } from '../media/direction-watch.ts';
import type { Logger } from '../log.ts';
import type { CallId, EndReason, QualityRecord } from '../protocol/index.ts';
import type { CallsRepo } from '../store/calls.repo.ts';
import type { QualityRepo } from '../store/quality.repo.ts';

export class CallRecord {
  private readonly chains = new Map<CallId, Promise<void>>();

  constructor(
    private readonly repo: CallsRepo,
    /** The node holding the calls written here, now (see {@link CallsRepo.created}). */
    private readonly homeNode: () => string,
    private readonly log: Logger,
    private readonly quality: QualityRepo,
  ) {}

  created(c: { id: CallId; callerId: string; calleeId: string; at: number }): void {
    this.write(c.id, 'created', () => this.repo.created({ ...c, homeNode: this.homeNode() }));
  }

  answered(id: CallId, at: number): void {
    this.write(id, 'answered', () => this.repo.answered(id, at));
  }

  ended(id: CallId, at: number, reason: EndReason, endedBy: string): void {
    this.write(id, 'ended', () => this.repo.ended(id, at, reason, endedBy));
  }

  /** Takes the records now: they are what the SFU saw at this moment, not at the write. */
  saveDirections(id: CallId, records: DirectionRecord[]): void {
    this.write(id, 'directions', () => this.repo.saveDirections(id, records));
  }

  /** The call's quality record (issue 21): queued after its end row, so it lands after it. */
  saveQuality(record: QualityRecord): void {
    this.write(record.callId, 'quality', () => this.quality.save(record));
  }

  /** Resolves once every write queued so far for the call has landed (or failed). */
  written(id: CallId): Promise<void> {
    return this.chains.get(id) ?? Promise.resolve();
  }

  /** Resolves once no call has a write pending (the ones queued meanwhile included). */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private write(id: CallId, what: string, run: () => Promise<void>): void {
    const next = this.written(id)
      .then(run)
      .catch((err: unknown) => this.log.error({ err, callId: id, what }, 'call history write failed'))
      .finally(() => {
        if (this.chains.get(id) === next) this.chains.delete(id);
      });
    this.chains.set(id, next);
  }
}
