/** Bounded concurrency for fan-out inside one invocation (schedule claims, probe batches). */

/** Runs `work` over `items`, at most `width` at a time. */
export async function eachLimited<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
