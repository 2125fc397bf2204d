/**
 * An SQS queue in memory with at-least-once delivery: a message whose handler throws goes back
 * to the end of the queue (its visibility timeout ran out) until `maxReceives`, then to the DLQ.
 */
export class RedeliveringQueue<T> {
  private readonly items: { body: T; receives: number }[] = [];
  readonly deadLetters: { body: T; error: unknown }[] = [];
  /** Receives that failed and were put back. */
  redeliveries = 0;
  received = 0;

  async enqueue(jobs: readonly T[]): Promise<void> {
    // A copy, as a queue would: the sender cannot change a message once it is sent.
    for (const job of jobs) this.items.push({ body: structuredClone(job), receives: 0 });
  }

  get size(): number {
    return this.items.length;
  }

  /**
   * Delivers until the queue is empty, with `concurrency` consumers (Lambda instances); messages
   * enqueued meanwhile are delivered too. A consumer stops when it finds the queue empty; one that
   * puts a message back keeps going, so nothing is left behind.
   */
  async drain(handle: (job: T) => Promise<unknown>, maxReceives = 20, concurrency = 1): Promise<void> {
    const consume = async () => {
      for (let item = this.items.shift(); item !== undefined; item = this.items.shift()) {
        item.receives++;
        this.received++;
        try {
          await handle(structuredClone(item.body));
        } catch (error) {
          if (item.receives >= maxReceives) this.deadLetters.push({ body: item.body, error });
          else {
            this.redeliveries++;
            this.items.push(item);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, consume));
  }
}
