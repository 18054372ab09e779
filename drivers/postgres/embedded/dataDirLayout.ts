/**
 * The embedded server's files under the Lite data dir:
 *   postgres/                  the cluster (PGDATA); initdb fills postgres.init-<pid>/, renamed
 *                              into place when complete, so a killed initdb never leaves half a cluster
 *   postgres/trace-lite.password  the superuser's password, random per cluster (no trust auth:
 *                              any local user could otherwise run SQL, and COPY TO PROGRAM, as us)
 *   postgres.log               the server's output since its last start
 *   postgres.lock              held while initialising, starting or stopping
 *   postgres.users/<pid>-<n>   one per open ResolvedDatabase
 */
import path from 'node:path';

export interface DataDirLayout {
  dataDir: string;
  cluster: string;
  log: string;
  lock: string;
  users: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  return {
    dataDir,
    cluster: path.join(dataDir, 'postgres'),
    log: path.join(dataDir, 'postgres.log'),
    lock: path.join(dataDir, 'postgres.lock'),
    users: path.join(dataDir, 'postgres.users'),
  };
}
