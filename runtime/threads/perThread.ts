/**
 * A value built once per pool thread for each distinct options object (an S3 client, an RPC pool),
 * so connections and rate limits carry over between the thread's jobs.
 */
export function perThread<O, V>(build: (options: O) => Promise<V>): (options: O) => Promise<V> {
  const cache = new Map<string, Promise<V>>();
  return (options) => {
    const id = JSON.stringify(options);
    let value = cache.get(id);
    if (!value) {
      value = build(options);
      cache.set(id, value);
    }
    return value;
  };
}
