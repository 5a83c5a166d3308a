/**
 * `log show --style json` prints one pretty-printed array. This scanner cuts it into top-level objects as
 * chunks arrive, tracking strings and braces, so the array is never held whole.
 */
export class JsonArrayScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pending = '';
  private objectLine = 0;
  /** Characters outside any object that are not array punctuation: the file is not what it claims. */
  stray = 0;

  constructor(
    /** Line being scanned (1-based); after the last chunk, the number of lines read. */
    public line: number,
    private readonly onObject: (text: string, line: number) => void,
  ) {}

  feed(s: string): void {
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92) this.escaped = true;
        else if (c === 34) this.inString = false;
      } else if (c === 10) {
        this.line++;
      } else if (c === 123) {
        if (this.depth++ === 0) {
          start = i;
          this.objectLine = this.line;
        }
      } else if (this.depth > 0) {
        if (c === 34) this.inString = true;
        else if (c === 125 && --this.depth === 0) {
          const text = this.pending + s.slice(start, i + 1);
          this.pending = '';
          start = -1;
          this.onObject(text, this.objectLine);
        }
      } else if (c !== 91 && c !== 93 && c !== 44 && c !== 32 && c !== 9 && c !== 13) {
        this.stray++;
      }
    }
    if (this.depth > 0 && start >= 0) this.pending += s.slice(start);
  }

  /** Whether the input ended inside an object (a truncated export). */
  get truncated(): boolean {
    return this.depth > 0;
  }
}
