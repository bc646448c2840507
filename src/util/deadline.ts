/** What `withDeadline` settles with when the deadline passes first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Settles as `work` does, or with `TIMED_OUT` once `ms` have passed, whichever comes first. The work
 * itself goes on: only the wait is bounded. An unreferenced timer does not keep the process alive
 * (an exit path waiting on a flush); a referenced one does (a resolution someone awaits).
 */
export function withDeadline<T>(
  work: PromiseLike<T>,
  ms: number,
  options: { readonly unref?: boolean } = {},
): Promise<T | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
    if (options.unref === true) timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as the work rejected, whatever it is
        reject(error);
      },
    );
  });
}

/** Whether a value that may or may not be a promise is one (any thenable counts). */
export function isPromise<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
