/**
 * Several logs of one phone (device export, app log, a Console copy) must be read as one time line.
 * Each source is already in time order, so a k-way merge keeps one batch per source in memory.
 */
import type { Hit } from './model.ts';

interface Head {
  it: AsyncIterator<Hit[]>;
  batch: Hit[];
  i: number;
}

async function refill(h: Head): Promise<boolean> {
  while (h.i >= h.batch.length) {
    const r = await h.it.next();
    if (r.done) return false;
    h.batch = r.value;
    h.i = 0;
  }
  return true;
}

export async function* mergeByTime(sources: AsyncIterable<Hit[]>[]): AsyncGenerator<Hit> {
  const heads: Head[] = [];
  for (const s of sources) {
    const h: Head = { it: s[Symbol.asyncIterator](), batch: [], i: 0 };
    if (await refill(h)) heads.push(h);
  }
  while (heads.length > 0) {
    let min = 0;
    for (let k = 1; k < heads.length; k++) {
      const a = heads[k] as Head;
      const b = heads[min] as Head;
      if ((a.batch[a.i] as Hit).entry.time < (b.batch[b.i] as Hit).entry.time) min = k;
    }
    const h = heads[min] as Head;
    yield h.batch[h.i++] as Hit;
    if (!(await refill(h))) heads.splice(min, 1);
  }
}
