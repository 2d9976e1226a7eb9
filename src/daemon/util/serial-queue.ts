/** Runs async tasks one at a time in submission order; a failing task never stops the queue. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  /** Queue `task`; `onError` receives anything it throws (it must not throw itself). */
  push(task: () => Promise<void> | void, onError: (err: unknown) => void): void {
    if (this.closed) return;
    this.tail = this.tail.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (err) {
        onError(err);
      }
    });
  }

  /** Drop queued tasks that have not started. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when every queued task has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
