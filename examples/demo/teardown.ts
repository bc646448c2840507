/**
 * What the demo started, to stop in reverse order however the demo ends: the gateway before the
 * collector it flushes to, the collector before the mock provider.
 */
export class Teardown {
  readonly #steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Runs every step, last added first; a step that fails does not keep the others from running. */
  async run(): Promise<void> {
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step();
      } catch (error) {
        process.stderr.write(`demo: while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
}
