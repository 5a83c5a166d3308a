/**
 * Byte sources: a path, a `.gz` (recognised by its magic bytes, whatever its name) or `-` for stdin.
 * Yields decoded text chunks; never holds more than one chunk of a file.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

const CHUNK = 1 << 20;

async function* withFirst(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/**
 * Raw (decompressed) byte chunks of `path`. `onBytes` is told how many raw (possibly compressed) bytes were
 * consumed, for progress. Throws on unreadable input (missing file, corrupt gzip).
 */
export async function* readBytes(
  path: string,
  onBytes: (n: number) => void,
  stdin: NodeJS.ReadableStream = process.stdin,
): AsyncGenerator<Buffer> {
  const raw: AsyncIterable<Buffer> =
    path === '-' ? (stdin as AsyncIterable<Buffer>) : createReadStream(path, { highWaterMark: CHUNK });
  const it = raw[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done) return;
  const counted = async function* (): AsyncGenerator<Buffer> {
    for await (const b of withFirst(head.value, it)) {
      onBytes(b.length);
      yield b;
    }
  };
  const gz = head.value.length >= 2 && head.value[0] === 0x1f && head.value[1] === 0x8b;
  if (!gz) {
    yield* counted();
    return;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const source = Readable.from(counted(), { objectMode: false });
  source.on('error', (e) => gunzip.destroy(e));
  yield* source.pipe(gunzip) as AsyncIterable<Buffer>;
}

/** Text chunks of `path` (see readBytes), decoded as UTF-8 without a byte-order mark. */
export async function* readText(
  path: string,
  onBytes: (n: number) => void,
  stdin: NodeJS.ReadableStream = process.stdin,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const b of readBytes(path, onBytes, stdin)) {
    let text = decoder.write(b);
    // A UTF-8 byte-order mark would otherwise hide the first line's timestamp.
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    if (text) yield text;
  }
  const tail = decoder.end();
  if (tail) yield tail;
}
