/**
 * The page's state and its one setter. Each controller writes only its own fields through
 * {@link StateStore.set}, which tells whether anything changed and notifies only then, with the
 * state before the change (so a listener such as the CallKit link diffs without keeping a copy).
 */
export type StateListener<S> = (state: S, prev: S) => void;

export class StateStore<S extends object> {
  private _state: S;
  private readonly listeners = new Set<StateListener<S>>();

  constructor(initial: S) {
    this._state = initial;
  }

  get state(): S {
    return this._state;
  }

  /** Applies `patch`; false (and nobody is told) when every field already had that value. */
  set(patch: Partial<S>): boolean {
    const prev = this._state;
    const changed = (Object.keys(patch) as (keyof S)[]).some((k) => !Object.is(prev[k], patch[k]));
    if (!changed) return false;
    this._state = { ...prev, ...patch };
    for (const l of this.listeners) l(this._state, prev);
    return true;
  }

  /** Calls `listener` now (with `prev` equal to the current state) and on every change. */
  subscribe(listener: StateListener<S>): () => void {
    this.listeners.add(listener);
    listener(this._state, this._state);
    return () => this.listeners.delete(listener);
  }
}
