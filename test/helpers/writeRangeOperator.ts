import { setTimeout as delay } from 'node:timers/promises';
import type { Operator } from '../../actors/worker/operators/registry.js';
import type { JsonValue } from '../../actors/state/tasks/taskTypes.js';

/** Deterministic content for a range, so two attempts at it stage identical bytes. */
export function rangeContent(dataset: string, start: number, end: number, bytes = 1024): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (start * 7 + end * 13 + i + dataset.length) & 0xff;
  return out;
}

/**
 * Test operator: stages one file for a range of a dataset and commits it. Params: dataset,
 * chain_id, start, end, bytes (size of the file), pause_ms (sleep between staging and commit),
 * skip_commit (stage only), fail_after_commit_until_attempt (attempts up to N throw after
 * committing, as a worker that crashed between commit and completion).
 */
export const writeRange: Operator = async ({ params, outputs, signal, task }) => {
  const dataset = String(params.dataset ?? 'logs');
  const chainId = Number(params.chain_id ?? 1);
  const start = Number(params.start ?? 0);
  const end = Number(params.end ?? 100);
  const body = rangeContent(dataset, start, end, Number(params.bytes ?? 1024));
  const key = outputs.stagingKey(dataset, chainId, start, end);
  await outputs.stage(outputs.buckets.datasets, key, body);
  if (typeof params.pause_ms === 'number') await delay(params.pause_ms, undefined, { signal });
  if (params.skip_commit === true) return { staged: key } as JsonValue;
  const result = await outputs.commitFile({ dataset, chainId, start, end, configHash: 'test', key, rows: end - start, bytes: body.byteLength });
  if (task.attempt <= Number(params.fail_after_commit_until_attempt ?? 0)) throw new Error('crashed after commit');
  return { key, registered: result.registered, alreadyRegistered: result.alreadyRegistered } as JsonValue;
};
