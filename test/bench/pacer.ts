import { measurePacer, type PacerMeasurement } from '../support/pacer-harness.ts';
import { TestDynamo } from '../support/store.ts';

export interface PacerBenchOptions {
  mps: number[];
  senders: number;
  seconds: number;
  /** Messages in flight per sender; by default enough for the MPS (see `inFlightFor`). */
  inFlight?: number;
}

export type PacerBenchRow = PacerMeasurement;

/**
 * Pacer accuracy (issue 7, point 3): senders sharing one DynamoPacer budget against dynalite,
 * publishing 1-part and 3-part messages to a fake SNS with 20-40 ms latency. One run per MPS,
 * in turn, so runs never compete for the CPU.
 */
export async function benchPacer(options: PacerBenchOptions): Promise<PacerBenchRow[]> {
  const dynamo = await TestDynamo.start();
  try {
    const rows: PacerBenchRow[] = [];
    for (const mps of options.mps) {
      rows.push(await measurePacer(dynamo, mps, { senders: options.senders, seconds: options.seconds, inFlight: options.inFlight }));
    }
    return rows;
  } finally {
    await dynamo.stop();
  }
}
