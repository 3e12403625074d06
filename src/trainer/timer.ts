/** Phase timers: `timing_s/<name>` seconds of each named phase of a step, as verl's marked_timer records them. */
export class StepTimer {
  readonly seconds: Record<string, number> = {};

  async time<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.seconds[name] = (this.seconds[name] ?? 0) + (performance.now() - start) / 1000;
    }
  }
}
