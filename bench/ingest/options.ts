/** The ingest benchmark's command line (see main.ts); --quick shrinks every default. */
import { parseArgs } from 'node:util';
import { positiveIntOption } from '../options.js';

export interface IngestOptions {
  json: boolean;
  quick: boolean;
  blocks: number;
  rounds: number;
  chunkSizes: number[];
  maxInflight: number;
  gethBlocks: number;
  geth: boolean;
  seed: number;
}

export function parseOptions(): IngestOptions {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      blocks: { type: 'string' },
      rounds: { type: 'string' },
      'chunk-sizes': { type: 'string' },
      'max-inflight': { type: 'string' },
      'geth-blocks': { type: 'string' },
      'no-geth': { type: 'boolean', default: false },
      seed: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const blocks = positiveIntOption(values.blocks, quick ? 40 : 300, 'blocks');
  const chunkSizes = (values['chunk-sizes'] ?? (quick ? '20' : '50,100')).split(',').map((s) => positiveIntOption(s.trim(), 0, 'chunk-sizes'));
  return {
    json: values.json ?? false,
    quick,
    blocks,
    rounds: positiveIntOption(values.rounds, quick ? 1 : 3, 'rounds'),
    chunkSizes,
    maxInflight: positiveIntOption(values['max-inflight'], 2, 'max-inflight'),
    gethBlocks: positiveIntOption(values['geth-blocks'], quick ? 20 : blocks, 'geth-blocks'),
    geth: !(values['no-geth'] ?? false),
    seed: positiveIntOption(values.seed, 1, 'seed'),
  };
}
