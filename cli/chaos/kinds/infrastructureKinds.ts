/**
 * Faults of the servers the suite runs for the services: its embedded PostgreSQL SIGKILLed and
 * restarted, LISTEN connections dropped, its embedded S3 server SIGKILLed and restarted mid-upload.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { FaultKind } from './faultKind.js';
import { busyWorker } from './inFlight.js';

const SQL = loadStatements('harness/chaos.sql', ['terminateListeners'] as const);

/** How long a killed server stays down: long enough that pools and uploads see it gone. */
const DOWN_MS = 500;

export const postgresSigkill: FaultKind = {
  name: 'postgres_sigkill',
  summary: 'PostgreSQL SIGKILLed (postmaster and backends) and restarted mid-run',
  async inject(ctx) {
    await busyWorker(ctx);
    const pid = await ctx.postgres.kill();
    await delay(DOWN_MS);
    await ctx.postgres.restart();
    return `SIGKILL postmaster pid ${pid} and its backends; restarted on port ${ctx.postgres.port}`;
  },
};

export const listenDropped: FaultKind = {
  name: 'listen_dropped',
  summary: 'every LISTEN connection terminated',
  async inject(ctx) {
    const { rows } = await ctx.db.query<{ pid: number; terminated: boolean }>(SQL.terminateListeners);
    return `terminated ${rows.filter((r) => r.terminated).length} LISTEN backend(s)`;
  },
};

export const s3Sigkill: FaultKind = {
  name: 's3_sigkill',
  summary: 'the S3 server SIGKILLed mid-upload and restarted',
  async inject(ctx) {
    await busyWorker(ctx);
    const pid = ctx.s3.kill();
    await delay(DOWN_MS);
    await ctx.s3.restart();
    return `SIGKILL S3 server pid ${pid}; restarted as pid ${ctx.s3.pid} on ${ctx.s3.endpoint}`;
  },
};
