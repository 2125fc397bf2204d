/*
 * Where each CSV record of an import file starts, found on the raw bytes, so that an import can stop
 * after a record and resume there with a byte-range read (docs/architecture.md#imports-on-aws). It
 * follows the readers (lib/import/table.ts) exactly: the decoder makes \r\n and a lone \r one line
 * break, and csv-parse, with relax_quotes, opens a quoted cell only at the start of a cell, reads ""
 * inside one as a quote, closes it at a quote followed by a comma, a line break or the end, and
 * otherwise takes the quote as a character and the cell as unquoted from there.
 *
 * Bytes, not text: in UTF-8 and in GBK/GB18030 the bytes of " , \r \n never occur inside a
 * multi-byte character, so a record boundary found here is never inside a quoted cell nor inside a
 * character, whichever of the two encodings the file is in.
 */

/** A record's first byte in the file, and the physical line it starts on (the header is line 1). */
export interface RecordStart {
  offset: number;
  line: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Scans a file's bytes chunk by chunk and reports where each record after the first starts. A \r
 * at the end of a chunk waits for the next one: a \n after it belongs to the same line break.
 */
export class RecordBounds {
  private offset: number;
  private line: number;
  private quoted = false;
  /** The cell being read (outside quotes) has a character already: a quote in it is a character. */
  private cellStarted = false;
  /** A \r that a \n may follow (one line break), outside a quoted cell or inside one. */
  private pending: 'none' | 'cr' | 'quoted-cr' = 'none';
  /** Bytes of a UTF-8 byte order mark still to skip (the decoder drops it before csv-parse sees it). */
  private bomLeft: number;

  /** Starts at the beginning of the file, or at a record start found before (a resumed import). */
  constructor(from: RecordStart = { offset: 0, line: 1 }) {
    this.offset = from.offset;
    this.line = from.line;
    this.bomLeft = from.offset === 0 ? UTF8_BOM.length : 0;
  }

  /** The records that start within `chunk` or right after it, in order. */
  scan(chunk: Uint8Array): RecordStart[] {
    const starts: RecordStart[] = [];
    for (const byte of chunk) {
      this.offset += 1;
      if (this.bomLeft > 0) {
        if (byte === UTF8_BOM[UTF8_BOM.length - this.bomLeft]) {
          this.bomLeft -= 1;
          continue;
        }
        // Not a byte order mark after all: the bytes skipped were the first cell's characters.
        if (this.bomLeft < UTF8_BOM.length) this.cellStarted = true;
        this.bomLeft = 0;
      }
      this.step(byte, starts);
    }
    return starts;
  }

  /** The end of the file: a record that a lone \r ended starts here (nothing follows it). */
  end(): RecordStart[] {
    const starts: RecordStart[] = [];
    if (this.pending === 'cr') starts.push(this.recordStart(this.offset));
    this.pending = 'none';
    return starts;
  }

  /** One byte, `this.offset` being the offset just after it. */
  private step(byte: number, starts: RecordStart[]): void {
    const pending = this.pending;
    this.pending = 'none';
    if (pending === 'cr') {
      // \r\n is one line break, ending the record after the \n; a lone \r ends it before this byte.
      if (byte === LF) {
        starts.push(this.recordStart(this.offset));
        return;
      }
      starts.push(this.recordStart(this.offset - 1));
    } else if (pending === 'quoted-cr' && byte === LF) {
      return;
    }
    if (this.quoted) {
      // A quote closes the cell: before a comma or a line break, or (relax_quotes) before any other
      // byte, which the cell goes on with, unquoted. A second quote opens it again at once, so ""
      // inside a quoted cell stays inside it.
      if (byte === QUOTE) this.quoted = false;
      else if (byte === LF) this.line += 1;
      else if (byte === CR) {
        this.line += 1;
        this.pending = 'quoted-cr';
      }
      return;
    }
    if (byte === LF) {
      this.line += 1;
      starts.push(this.recordStart(this.offset));
    } else if (byte === CR) {
      this.line += 1;
      this.pending = 'cr';
    } else if (byte === COMMA) {
      this.cellStarted = false;
    } else if (byte === QUOTE && !this.cellStarted) {
      this.quoted = true;
    } else {
      this.cellStarted = true;
    }
  }

  private recordStart(offset: number): RecordStart {
    this.cellStarted = false;
    return { offset, line: this.line };
  }
}

/**
 * The record starts of a byte stream, noted as it passes through to the reader, so that the start of
 * any record the reader has reached can be looked up by its line. Starts before the lowest line
 * still wanted are forgotten, so memory follows how far the scan runs ahead of the reader, not the
 * file.
 */
export class RecordStarts {
  private readonly bounds: RecordBounds;
  private starts: RecordStart[];
  private first = 0;

  constructor(from: RecordStart = { offset: 0, line: 1 }) {
    this.bounds = new RecordBounds(from);
    this.starts = [from];
  }

  /** The bytes, unchanged, noting each record start in them. */
  async *tap(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of bytes) {
      for (const start of this.bounds.scan(chunk)) this.starts.push(start);
      yield chunk;
    }
    for (const start of this.bounds.end()) this.starts.push(start);
  }

  /**
   * The start of the record that begins on `line` (one the reader has passed), forgetting every
   * start before it. Throws when no record begins on that line: the scan and the reader disagree,
   * and resuming there would split a record.
   */
  startOf(line: number): RecordStart {
    this.forgetBefore(line);
    const start = this.starts[this.first];
    if (start?.line !== line) throw new Error(`no CSV record starts on line ${line}: the byte scan and the reader disagree`);
    return start;
  }

  /** Forgets the starts of records before `line`. */
  forgetBefore(line: number): void {
    while (this.first < this.starts.length && (this.starts[this.first]?.line ?? line) < line) this.first += 1;
    if (this.first > 1024 && this.first * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.first);
      this.first = 0;
    }
  }
}

/**
 * A resumed file's bytes: the header's, then the file's from a record start on. A header that ends
 * in a lone \r gets its \n: a rest starting with \n (a blank line) would otherwise join it into one
 * \r\n, one line break where the file has two, and every line after would be counted one short.
 */
export async function* resumedBytes(header: AsyncIterable<Uint8Array>, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let last: number | undefined;
  for await (const chunk of header) {
    if (chunk.length > 0) last = chunk[chunk.length - 1];
    yield chunk;
  }
  if (last === CR) yield Uint8Array.of(LF);
  yield* rest;
}
