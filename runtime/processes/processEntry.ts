/**
 * Entry point of a process-pool child: opens the jobs module once, runs one job at a time as the
 * parent asks, aborts a job's signal when the parent says so, and watches its own resident memory:
 * past the cap it tells the parent and kills itself (the parent answers the caller). It exits when
 * the parent goes away (the IPC channel closes).
 */
import { CHILD_SETTINGS_ENV, type ChildSettings, type FromChild, type OpenProcessJobs, type ProcessJobs, type ToChild } from './processJobs.js';

/**
 * How often resident memory is sampled: at the ~1 GB/s an unchecked DuckDB list function grows
 * (measured: 464 MB in 0.4 s past a 200 MB memory_limit), 20 ms lets it overshoot by ~20 MB.
 */
const RSS_SAMPLE_MS = 20;

const settings = JSON.parse(process.env[CHILD_SETTINGS_ENV] ?? 'null') as ChildSettings | null;
if (settings === null || typeof process.send !== 'function') throw new Error(`processEntry runs only as a process-pool child (${CHILD_SETTINGS_ENV} unset or no IPC channel)`);

const send = (message: FromChild, then?: () => void): void => {
  process.send!(message, undefined, undefined, () => then?.());
};

let opened: ProcessJobs | undefined;
// Registered first: the parent may go away while the jobs module still opens.
process.on('disconnect', () => {
  void Promise.resolve(opened?.close()).finally(() => process.exit(0));
});

const watchdog = setInterval(() => {
  const rssBytes = process.memoryUsage.rss();
  if (rssBytes <= settings.rssLimitBytes) return;
  clearInterval(watchdog);
  send({ type: 'over_memory', rssBytes }, () => process.kill(process.pid, 'SIGKILL'));
}, RSS_SAMPLE_MS);
// The IPC channel keeps the process alive, never the watchdog.
watchdog.unref();

const running = new Map<number, AbortController>();
try {
  const module = (await import(settings.module)) as { openProcessJobs: OpenProcessJobs };
  opened = await module.openProcessJobs(settings.options as never);
} catch (err) {
  send({ type: 'failed_to_open', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  throw err;
}

process.on('message', (message: ToChild) => {
  if (message.type === 'abort') {
    running.get(message.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(message.id, controller);
  const job = opened!.jobs[message.kind];
  const result = job ? job(message.input as never, controller.signal) : Promise.reject(new Error(`unknown process job kind ${message.kind}`));
  result.then(
    (output) => send({ type: 'done', id: message.id, ok: true, output }),
    (err: unknown) => {
      const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
      send({ type: 'done', id: message.id, ok: false, error });
    },
  ).finally(() => running.delete(message.id));
});

send({ type: 'ready' });
