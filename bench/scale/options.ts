/** The scale-out benchmark's command line (see main.ts). */
import { parseArgs } from 'node:util';
import { positiveIntOption } from '../options.js';

export interface ScaleOptions {
  json: boolean;
  blocks: number;
  workers: number[];
  rounds: number;
  chunkSize: number;
  maxInflight: number;
  seed: number;
}

export function parseOptions(): ScaleOptions {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      blocks: { type: 'string' },
      workers: { type: 'string' },
      rounds: { type: 'string' },
      'chunk-size': { type: 'string' },
      'max-inflight': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const workers = (values.workers ?? '1,2,4').split(',').map((s) => positiveIntOption(s.trim(), 0, 'workers'));
  if (workers[0] !== 1) throw new Error('--workers must start with 1: efficiency is measured against one worker');
  return {
    json: values.json ?? false,
    // 500 blocks (the demo's chain) in 25-block ranges: 60 attempts, a few seconds of sync per round.
    blocks: positiveIntOption(values.blocks, 500, 'blocks'),
    workers,
    rounds: positiveIntOption(values.rounds, 2, 'rounds'),
    chunkSize: positiveIntOption(values['chunk-size'], 25, 'chunk-size'),
    // 3 streams × 8 = 24 ranges in flight: more than one worker's 8 slots, so workers have work to share.
    maxInflight: positiveIntOption(values['max-inflight'], 8, 'max-inflight'),
    seed: positiveIntOption(values.seed, 1, 'seed'),
  };
}
