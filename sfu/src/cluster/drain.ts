/**
 * SIGTERM drains the node: `/healthz` answers 503 (the load balancer sends new connections
 * elsewhere), new calls are refused (`draining`), and the node waits for its calls to finish, at
 * most until the deadline, when those left end (`server-lost`).
 */
import { CallError } from '../call/call-error.ts';
import { ErrorCode } from '../protocol/index.ts';

export interface DrainDeps {
  activeCalls: () => number;
  endAll: () => void;
  /** Called each time the number of calls may have dropped; resolves when it has. */
  callsChanged: (listener: () => void) => () => void;
}

export class Drain {
  private _draining = false;

  get draining(): boolean {
    return this._draining;
  }

  /** Throws `draining` while the node takes no new calls. */
  admitCall(): void {
    if (this._draining)
      throw new CallError(
        ErrorCode.Draining,
        'this server is shutting down: connect again to place the call',
      );
  }

  /** Resolves once no call is left, ending those still up at the deadline. */
  async run(deps: DrainDeps, deadlineMs: number): Promise<void> {
    this._draining = true;
    if (deps.activeCalls() === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        if (deps.activeCalls() > 0) return;
        clearTimeout(deadline);
        stop();
        resolve();
      };
      const stop = deps.callsChanged(done);
      const deadline = setTimeout(() => {
        deps.endAll();
        done();
      }, deadlineMs);
    });
  }
}
