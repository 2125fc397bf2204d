import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { capturedLogLines, fullPhoneNumbersIn, LogGuard } from '../support/log-guard.ts';

describe('the log guard', () => {
  it.each([
    ['+86 138 0013 8000', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['138.0013.8000', '+8613800138000'],
    ['(138) 0013 8000', '+8613800138000'],
    ['13800138000', '+8613800138000'],
    ['8613800138000', '+8613800138000'],
    ['{"message":"sent","to":"+8613800138001"}', '+8613800138001'],
    ['retrying to13800138001 in 2 s', '+8613800138001'],
    ['{"message":"bad row\\n13800138001"}', '+8613800138001'],
    ['call +1 (415) 555-2671 on 2026-11-22', '+14155552671'],
    ['+61 412 345 678', '+61412345678'],
    ['{"messageId":"70b8a71b-b155-4427-9119-cb1bd3dd25ec","to":"13800138000"}', '+8613800138000'],
  ])('finds the full number in %j', (line, e164) => {
    expect(fullPhoneNumbersIn(line)).toEqual([e164]);
  });

  it.each([
    '{"message":"sent","to":"+86138****8000"}',
    '{"message":"sent","to":"+86*******8001","customerId":"c000418"}',
    'row 7: masked-phone 138****8001',
    '{"timestamp":"2026-11-22T10:15:30.123+08:00","asOf":"2026-11-22"}',
    '{"since":1800000000600,"grants":"0:3 600:1 1025:2","version":3}',
    'order o-20261122-000123 of 2026-11-22 (1,380.00 CNY)',
    'run 20261122103015 took 13800 ms',
    '{"orderId":"138001380001234"}',
    '{"message":"landline","to":"010 6552 9988"}',
    // A message id whose hex groups spell 155 4427 9119 (seen in a CI log line).
    '{"messageId":"70b8a71b-b155-4427-9119-cb1bd3dd25ec","error":"Unrecognized key"}',
  ])('finds no phone number in %j', (line) => {
    expect(fullPhoneNumbersIn(line)).toEqual([]);
  });

  it('inspects every line written, JSON or not, and prints all but the JSON ones', () => {
    const printed: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        printed.push(chunk.toString());
        done();
      },
    });
    const guard = new LogGuard();
    guard.capture(stream);

    stream.write('{"level":"INFO","message":"sent","to":"+86 138 0013 8000"}\n');
    stream.write('import: row 2 138-0013-8001\r\nrow 3 +86138****8002\n');
    stream.write(Buffer.from('progress 40/100\r'));

    expect(guard.lines()).toEqual([
      '{"level":"INFO","message":"sent","to":"+86 138 0013 8000"}',
      'import: row 2 138-0013-8001',
      'row 3 +86138****8002',
      'progress 40/100',
    ]);
    expect(printed).toEqual(['import: row 2 138-0013-8001\r\nrow 3 +86138****8002\n', 'progress 40/100\r']);
    expect(guard.leaks()).toEqual([
      { line: '{"level":"INFO","message":"sent","to":"+86 138 0013 8000"}', numbers: ['+8613800138000'] },
      { line: 'import: row 2 138-0013-8001', numbers: ['+8613800138001'] },
    ]);
  });

  it("is on for every test file: this file's own stdout and stderr lines are captured", () => {
    process.stdout.write('{"message":"log-guard self-test, json"}\n');
    process.stderr.write('log-guard self-test, plain text\n');

    expect(capturedLogLines()).toEqual(expect.arrayContaining(['{"message":"log-guard self-test, json"}', 'log-guard self-test, plain text']));
  });
});
