/**
 * A fresh in-memory DuckDB for every query without its creation (~9 ms) on the query's path: a
 * query job takes the thread's spare instance (never used before) and has the next one created
 * while it runs. A job returns only once the creation it started has finished, so no creation is
 * ever in flight on an idle pool thread: a thread ended during a creation aborts the process, one
 * ended with an idle instance open does not.
 */
import { openMemoryDuckDb, type MemoryDuckDb } from '../../drivers/duckdb/memoryDuckDb.js';

interface Spare {
  threads: string;
  instance: Promise<MemoryDuckDb>;
}

/** This thread's next instance (module state: one per pool thread, as each thread loads this module). */
let spare: Spare | undefined;

/** Runs `use` with a never-used DuckDB of `threads` threads, closed afterwards. */
export async function withFreshDuckDb<T>(threads: string, use: (duckdb: MemoryDuckDb) => Promise<T>): Promise<T> {
  const taken = spare;
  const next: Spare = { threads, instance: openMemoryDuckDb({ threads }) };
  spare = next;
  try {
    const duckdb = await instanceFrom(taken, threads);
    try {
      return await use(duckdb);
    } finally {
      // Closed before the result goes back (~1 ms): nothing of this query outlives its job.
      duckdb.close();
    }
  } finally {
    await next.instance.catch(() => undefined);
  }
}

/** The spare if it has the right threads and opened fine; else a new one (the spare closed). */
async function instanceFrom(taken: Spare | undefined, threads: string): Promise<MemoryDuckDb> {
  const ready = await taken?.instance.catch(() => undefined);
  if (ready && taken!.threads === threads) return ready;
  ready?.close();
  return openMemoryDuckDb({ threads });
}
