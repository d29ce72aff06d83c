/**
 * Bounds one storage operation in time, whatever the client is configured to do: a client built
 * with ioredis defaults queues commands while disconnected and retries them 20 times, which would
 * hold a request for minutes. The late settlement of `work` is still observed by `Promise.race`,
 * so it never becomes an unhandled rejection.
 */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`[outpost] [storage-redis] ${operation} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
