/**
 * Every fault kind the suite knows, in the order it runs them; `--kinds` picks by name. The issue's
 * list has 17; those not here are named in MISSING_KINDS and in the README, never faked.
 */
import { crashAfterCommit, dispatcherSigkillAfterPublish, gracefulSigterm, twoDispatchers, workerSigkill, workerStall } from './processKinds.js';
import { listenDropped, postgresSigkill, s3Sigkill } from './infrastructureKinds.js';
import { poisonMessages, queueWiped, wakeupsTenTimes } from './queueKinds.js';
import { rpcFaults } from './rpcKinds.js';
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
  rpcFaults,
  wakeupsTenTimes,
  queueWiped,
  poisonMessages,
  workerStall,
  twoDispatchers,
  tipReorg,
  poolThreadDies,
];

/** The kinds of the list that have no implementation yet, and why. */
export const MISSING_KINDS: readonly string[] = [
  's3 slow PUTs / 5xx / PUT that succeeds but errors for the client (needs an S3 fault proxy)',
  "the query cache's disk full",
];


/** The kinds `--kinds` names (all when undefined), in registry order. */
export function selectKinds(names: readonly string[] | undefined): FaultKind[] {
  if (names === undefined) return [...FAULT_KINDS];
  const unknown = names.filter((n) => !FAULT_KINDS.some((k) => k.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown fault kind(s) ${unknown.join(', ')}; known: ${FAULT_KINDS.map((k) => k.name).join(', ')}`);
  return FAULT_KINDS.filter((k) => names.includes(k.name));
}
