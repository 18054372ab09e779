/**
 * Decoded event columns of a logs range (the stream's `event` option; drivers/datasets/logEvent.ts
 * says what Cryo writes): the logs that decode as the event, and their `event__<param>` columns.
 * Decoding is viem's decodeEventLog in strict mode: a log whose topic0 is the event's but whose
 * topics or data do not fit it (an ERC-721 Transfer against ERC-20's) is left out, as Cryo does.
 */
import { Field, makeData, RecordBatch, Schema, Struct, vectorFromArray, type Data } from 'apache-arrow';
import { decodeEventLog, hexToBytes, type Hex } from 'viem';
import { ARROW_TYPES } from '../../datasets/arrowSchemas.js';
import { eventColumns, type LogEvent } from '../../datasets/logEvent.js';
import type { LogsFetched } from './logs.js';

type CellValue = Uint8Array | string | bigint | number | boolean;

export interface DecodedEvents {
  /** The range with only the logs that decode as the event (its headers unchanged). */
  fetched: LogsFetched;
  /** The decoded columns, one value per kept log, in file order. */
  columns: Array<{ field: Field; data: Data }>;
}

const u256Bytes = (value: bigint): Uint8Array => hexToBytes(`0x${BigInt.asUintN(256, value).toString(16).padStart(64, '0')}`);

export function decodeEvents(fetched: LogsFetched, event: LogEvent): DecodedEvents {
  const topic0 = event.topic0.toLowerCase();
  const layout = eventColumns(event);
  const cells: CellValue[][] = layout.map(() => []);
  const kept = fetched.logs.filter((log) => {
    if (log.topics[0]?.toLowerCase() !== topic0) return false;
    let args: Record<string, unknown>;
    try {
      args = decodeEventLog({ abi: [event.abi], topics: log.topics as [Hex, ...Hex[]], data: log.data, strict: true }).args as Record<string, unknown>;
    } catch {
      return false;
    }
    let column = 0;
    for (const { name, kind } of event.parameters) {
      const value = args[name];
      switch (kind) {
        case 'bytes':
          cells[column++]!.push(hexToBytes(value as Hex));
          break;
        case 'uint64':
        case 'int64':
          cells[column++]!.push(BigInt(value as bigint | number));
          break;
        case 'u256':
        case 'i256': {
          const n = BigInt(value as bigint);
          cells[column++]!.push(u256Bytes(n));
          cells[column++]!.push(n.toString());
          cells[column++]!.push(Number(n));
          break;
        }
        case 'bool':
        case 'string':
          cells[column++]!.push(value as boolean | string);
          break;
      }
    }
    return true;
  });
  const columns = layout.map(({ name, type }, i) => {
    const field = new Field(name, ARROW_TYPES[type](), false);
    return { field, data: vectorFromArray(cells[i]!, field.type).data[0]! as Data };
  });
  return { fetched: { ...fetched, logs: kept }, columns };
}

/** `batch` with `columns` after its own (they share the batch's buffers). */
export function appendColumns(batch: RecordBatch, columns: DecodedEvents['columns']): RecordBatch {
  const fields = [...batch.schema.fields, ...columns.map((c) => c.field)];
  const children = [...batch.schema.fields.map((field) => batch.getChild(field.name)!.data[0]!), ...columns.map((c) => c.data)];
  const data = makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children });
  return new RecordBatch(new Schema(fields, batch.schema.metadata), data);
}
