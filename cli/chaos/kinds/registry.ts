/**
 * Every fault kind the suite knows, in the order it runs them; `--kinds` picks by name. All 17 of
 * the list.
 */
import { crashAfterCommit, dispatcherSigkillAfterPublish, gracefulSigterm, twoDispatchers, workerSigkill, workerStall } from './processKinds.js';
import { listenDropped, postgresSigkill, s3Sigkill } from './infrastructureKinds.js';
import { poisonMessages, queueWiped, wakeupsTenTimes } from './queueKinds.js';
import { rpcFaults } from './rpcKinds.js';
import { s3Faults } from './s3FaultKinds.js';
import { queryCacheFull } from './queryCacheKinds.js';
import { poolThreadDies } from './threadKinds.js';
import { tipReorg } from './reorgKinds.js';
import type { FaultKind } from './faultKind.js';
import { UsageError } from '../../usageError.js';

export const FAULT_KINDS: readonly FaultKind[] = [
  workerSigkill,
  dispatcherSigkillAfterPublish,
  gracefulSigterm,
  postgresSigkill,
  crashAfterCommit,
  listenDropped,
  s3Sigkill,
  s3Faults,
  rpcFaults,
  wakeupsTenTimes,
  queueWiped,
  poisonMessages,
  workerStall,
  twoDispatchers,
  queryCacheFull,
  tipReorg,
  poolThreadDies,
];

/** The kinds `--kinds` names (all when undefined), in registry order. */
export function selectKinds(names: readonly string[] | undefined): FaultKind[] {
  if (names === undefined) return [...FAULT_KINDS];
  const unknown = names.filter((n) => !FAULT_KINDS.some((k) => k.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown fault kind(s) ${unknown.join(', ')}; known: ${FAULT_KINDS.map((k) => k.name).join(', ')}`);
  return FAULT_KINDS.filter((k) => names.includes(k.name));
}
