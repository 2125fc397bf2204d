import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { CsvFormatError } from './results.ts';

/*
 * Bytes -> text for the CSV import: BOM, UTF-8 or GBK/GB18030 chosen from the bytes, line endings
 * made \n. Apart from the parsing because a shop's export arrives in whichever encoding its
 * spreadsheet chose, and each refusal must still name the line it happened on.
 */

/**
 * Decodes the file chunk by chunk. ASCII is the same in UTF-8 and GBK, so the choice waits for
 * the first chunk with a non-ASCII byte: valid UTF-8 wins; otherwise bytes that look like
 * GB2312/GBK Chinese are decoded as GB18030 (a superset of GBK); anything else is refused.
 * Line endings become \n so csv-parse and the line counter agree on what a line is.
 */
export async function* decodeText(input: AsyncIterable<unknown>, file: string): AsyncGenerator<string> {
  const decoder = new CsvTextDecoder(file);
  for await (const chunk of input) {
    const text = decoder.write(chunkBytes(chunk));
    if (text) yield text;
  }
  const text = decoder.end();
  if (text) yield text;
}

class CsvTextDecoder {
  private encoding: 'undecided' | 'utf8' | 'gbk' = 'undecided';
  private atStart = true;
  /** Bytes held back: the first few (to look for a BOM) or a UTF-8 character cut by the chunk boundary. */
  private carry: Buffer = Buffer.alloc(0);
  /** GB18030 as the WHATWG Encoding Standard defines it (Node's ICU): a superset of GBK and GB2312. */
  private gbk: TextDecoder | undefined;
  private endsInCr = false;
  private linesEmitted = 0;
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  write(chunk: Buffer): string {
    let bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    if (this.atStart) {
      if (bytes.length < 4) {
        this.carry = bytes;
        return '';
      }
      bytes = this.withoutBom(bytes);
    }
    return this.normalize(this.decode(bytes, false));
  }

  end(): string {
    const bytes = this.atStart ? this.withoutBom(this.carry) : this.carry;
    const text = bytes.length > 0 || this.encoding === 'gbk' ? this.decode(bytes, true) : '';
    return this.normalize(text) + (this.endsInCr ? '\n' : '');
  }

  private withoutBom(bytes: Buffer): Buffer {
    this.atStart = false;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      this.encoding = 'utf8';
      return bytes.subarray(3);
    }
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      throw new CsvFormatError(this.file, undefined, 'the file is UTF-16 ("Unicode text"): save it as "CSV UTF-8"');
    }
    return bytes;
  }

  private decode(bytes: Buffer, final: boolean): string {
    if (this.encoding === 'undecided') {
      if (isAscii(bytes)) return bytes.toString('latin1');
      this.encoding = this.chooseEncoding(bytes, final);
    }
    if (this.encoding === 'utf8') {
      const complete = final ? bytes.length : bytes.length - incompleteUtf8Tail(bytes);
      const body = bytes.subarray(0, complete);
      if (!isUtf8(body)) {
        throw new CsvFormatError(
          this.file,
          this.lineOfByte(body, firstInvalidUtf8(body)),
          'this line is not valid UTF-8 although the lines before it are: save the whole file as "CSV UTF-8"',
        );
      }
      this.carry = Buffer.from(bytes.subarray(complete));
      return body.toString('utf8');
    }
    this.gbk ??= new TextDecoder('gb18030');
    const text = this.gbk.decode(bytes, { stream: !final });
    const bad = text.indexOf('\uFFFD');
    if (bad !== -1) {
      throw new CsvFormatError(
        this.file,
        this.linesEmitted + countNewlines(text.slice(0, bad)) + 1,
        'this line is not valid GBK although the lines before it are: save the whole file as "CSV UTF-8"',
      );
    }
    return text;
  }

  private chooseEncoding(bytes: Buffer, final: boolean): 'utf8' | 'gbk' {
    const complete = final ? bytes.length : bytes.length - incompleteUtf8Tail(bytes);
    if (isUtf8(bytes.subarray(0, complete))) return 'utf8';
    if (looksLikeGbk(bytes)) return 'gbk';
    throw new CsvFormatError(
      this.file,
      this.lineOfByte(bytes, firstInvalidUtf8(bytes)),
      'the file is neither UTF-8 nor GBK text: save it as "CSV UTF-8"',
    );
  }

  /** \r\n and lone \r become \n; a \r at the end of a chunk waits to see if \n follows. */
  private normalize(text: string): string {
    let normal = this.endsInCr ? `\r${text}` : text;
    this.endsInCr = normal.endsWith('\r');
    if (this.endsInCr) normal = normal.slice(0, -1);
    normal = normal.replace(/\r\n?/g, '\n');
    this.linesEmitted += countNewlines(normal);
    return normal;
  }

  private lineOfByte(bytes: Buffer, index: number): number {
    return this.linesEmitted + countNewlines(bytes.subarray(0, index).toString('latin1')) + 1;
  }
}

function chunkBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`expected bytes from the CSV stream, got ${typeof chunk}`);
}

/**
 * True when every non-ASCII byte pairs up as a GBK character and most pairs are in the GB2312
 * block where common Chinese characters live. Latin-1 text (José, Müller) puts its accented
 * letter before an ASCII byte, which GB2312 never does, so it is not mistaken for Chinese.
 */
function looksLikeGbk(bytes: Buffer): boolean {
  let pairs = 0;
  let gb2312 = 0;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    if (i + 1 >= bytes.length) break; // a character cut by the chunk boundary
    const trail = bytes[i + 1] ?? 0;
    if (lead < 0x81 || lead > 0xfe) return false;
    if (trail >= 0x30 && trail <= 0x39) {
      i += 4; // a GB18030 four-byte character
      pairs += 1;
      continue;
    }
    if (trail < 0x40 || trail === 0x7f || trail > 0xfe) return false;
    pairs += 1;
    if (lead >= 0xa1 && trail >= 0xa1) gb2312 += 1;
    i += 2;
  }
  return pairs > 0 && gb2312 * 2 >= pairs;
}

/** Bytes at the end that start a UTF-8 sequence the chunk boundary cut short (0 to 3). */
function incompleteUtf8Tail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back] ?? 0;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return length > back ? back : 0;
    }
  }
  return 0;
}

function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf5) return 4;
  return 0;
}

/** Index of the first byte that breaks UTF-8 (only called once the buffer is known to be invalid). */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i] ?? 0;
    const length = utf8SequenceLength(byte);
    if (length === 0) return i;
    if (length > 1 && !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

export function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}
