/**
 * Arrow schemas of Cryo datasets, column for column as Cryo writes them (names, order, types), so
 * files compacted here read like Cryo's own. Hashes, addresses and topics are variable-length Binary
 * as in Cryo, not FixedSizeBinary.
 */
import { Binary, Field, Schema, Uint32, Uint64 } from 'apache-arrow';

/** Cryo `logs`: one row per emitted event log. Only the topics are nullable (a log has 0–4 topics). */
export const cryoLogsSchema = new Schema([
  new Field('block_number', new Uint32(), false),
  new Field('block_hash', new Binary(), false),
  new Field('transaction_index', new Uint32(), false),
  new Field('log_index', new Uint32(), false),
  new Field('transaction_hash', new Binary(), false),
  new Field('address', new Binary(), false),
  new Field('topic0', new Binary(), true),
  new Field('topic1', new Binary(), true),
  new Field('topic2', new Binary(), true),
  new Field('topic3', new Binary(), true),
  new Field('data', new Binary(), false),
  new Field('n_data_bytes', new Uint32(), false),
  new Field('chain_id', new Uint64(), false),
]);

/** Column names of Cryo `logs`, in schema order. */
export const CRYO_LOGS_COLUMNS: readonly string[] = cryoLogsSchema.fields.map((field) => field.name);
