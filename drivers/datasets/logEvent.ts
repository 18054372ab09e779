/**
 * A logs stream's `event` option, as Cryo's `--event-signature`: a Solidity event signature whose
 * parameters become decoded columns `event__<param>` beside the raw log columns. What Cryo does
 * (crates/freeze/src/types/decoders/log_decoder.rs, crates/to_df/src/lib.rs, datasets/logs.rs):
 *
 *   - only logs that decode as the event are written (topic0 is the event's selector and the
 *     topics and data fit its parameters); the others are left out, not written with NULLs;
 *   - columns come after chain_id, the indexed parameters first, then the data ones, each in
 *     declaration order;
 *   - address, bytes and bytesN are Binary; uintN up to 64 bits UInt64 and intN up to 64 bits
 *     Int64; wider ones Cryo's U256 triple `_binary` (32 bytes big-endian; two's complement for
 *     int), `_string` (decimal), `_f64`; bool Boolean; string Utf8. An indexed string or bytes is
 *     only its keccak256 hash in the topic: Binary. Arrays, tuples and functions Cryo cannot write.
 *
 * Where this differs: Cryo drops topic1–3 and data when it decodes; here they stay (exclude them with
 * the stream's `columns: {exclude: [topic1, topic2, topic3, data]}` for Cryo's layout).
 */
// viem/utils, not viem: this module loads with the operator registry in every CLI command (status,
// task submit), and the package root costs ~0.2 s of CPU to load against ~0.1 s for its utils.
import type { AbiEvent, AbiParameter, Hex } from 'viem';
import { parseAbiItem, toEventSelector } from 'viem/utils';

/** The Arrow types decoded columns take. */
export type EventColumnType = 'Binary' | 'Utf8' | 'Uint64' | 'Int64' | 'Float64' | 'Bool';

/** How one parameter's value is written. */
export type EventValueKind = 'bytes' | 'uint64' | 'int64' | 'u256' | 'i256' | 'bool' | 'string';

export interface EventParameter {
  /** The parameter's name (the column is `event__<name>`, or its U256 triple). */
  name: string;
  indexed: boolean;
  kind: EventValueKind;
}

export interface LogEvent {
  /** The signature as given. */
  signature: string;
  abi: AbiEvent;
  /** keccak256 of the canonical signature: the topic0 of the event's logs. */
  topic0: Hex;
  /** In Cryo's column order: indexed parameters, then data parameters. */
  parameters: EventParameter[];
}

export class LogEventError extends Error {
  override name = 'LogEventError';
}

/** Parses `signature` ("Transfer(address indexed from, …)", with or without the leading `event`). */
export function parseLogEvent(signature: string): LogEvent {
  const text = signature.trim();
  let abi: AbiEvent;
  try {
    const item = parseAbiItem(/^event\s/.test(text) ? text : `event ${text}`);
    if (item.type !== 'event') throw new Error(`a ${item.type}, not an event`);
    abi = item;
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new LogEventError(`not a Solidity event signature (expected e.g. "Transfer(address indexed from, address indexed to, uint256 value)"): ${reason}`);
  }
  const names = new Set<string>();
  const parameters = abi.inputs.map((input) => {
    const name = input.name ?? '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new LogEventError(`parameter ${input.type} has no name: each names its column event__<name>`);
    if (names.has(name)) throw new LogEventError(`two parameters are named ${name}`);
    names.add(name);
    return { name, indexed: input.indexed === true, kind: valueKind(input) };
  });
  return {
    signature: text,
    abi,
    topic0: toEventSelector(abi),
    parameters: [...parameters.filter((p) => p.indexed), ...parameters.filter((p) => !p.indexed)],
  };
}

function valueKind(input: AbiParameter & { indexed?: boolean }): EventValueKind {
  const { type } = input;
  const bits = (prefix: string): number => Number(type.slice(prefix.length) || '256');
  if (type === 'address' || /^bytes\d*$/.test(type)) return 'bytes';
  if (type === 'bool') return 'bool';
  if (type === 'string') return input.indexed === true ? 'bytes' : 'string';
  if (/^uint\d*$/.test(type)) return bits('uint') <= 64 ? 'uint64' : 'u256';
  if (/^int\d*$/.test(type)) return bits('int') <= 64 ? 'int64' : 'i256';
  throw new LogEventError(`parameter ${input.name ?? ''} is a ${type}: arrays, tuples and functions have no column type (Cryo cannot write them either)`);
}

/** The decoded columns, in file order, with their Arrow types. */
export function eventColumns(event: LogEvent): EventColumn[] {
  return event.parameters.flatMap(({ name, kind }): EventColumn[] => {
    const column = `event__${name}`;
    if (kind === 'u256' || kind === 'i256') {
      return [
        { name: `${column}_binary`, type: 'Binary' },
        { name: `${column}_string`, type: 'Utf8' },
        { name: `${column}_f64`, type: 'Float64' },
      ];
    }
    return [{ name: column, type: SINGLE_COLUMN_TYPES[kind] }];
  });
}

export interface EventColumn {
  name: string;
  type: EventColumnType;
}

const SINGLE_COLUMN_TYPES: { readonly [K in Exclude<EventValueKind, 'u256' | 'i256'>]: EventColumnType } = {
  bytes: 'Binary',
  uint64: 'Uint64',
  int64: 'Int64',
  bool: 'Bool',
  string: 'Utf8',
};

/** A file's config-hash part for its event: the files of two signatures hold different rows and columns. */
const EVENT_MARK = ';event=';

export function eventConfig(signature: string | undefined): string {
  return signature === undefined ? '' : `${EVENT_MARK}${encodeURIComponent(parseLogEvent(signature).signature)}`;
}

/** The event a version's files were decoded with, from its config hash (see eventConfig). */
export function eventOfConfig(configHash: string): LogEvent | undefined {
  const at = configHash.indexOf(EVENT_MARK);
  if (at < 0) return undefined;
  const rest = configHash.slice(at + EVENT_MARK.length);
  const end = rest.indexOf(';');
  return parseLogEvent(decodeURIComponent(end < 0 ? rest : rest.slice(0, end)));
}
