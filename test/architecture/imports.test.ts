import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, readImportGraph } from '../helpers/importGraph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const describe = (edges: { from: string; to: string }[]) => edges.map((e) => `${e.from} → ${e.to}`);

test('imports run one way: runtime ← drivers ← actors ← cli, with no file cycles', (t) => {
  const graph = readImportGraph(ROOT);
  for (const layer of LAYERS) t.true(graph.files.some((f) => f.startsWith(`${layer}/`)), `${layer}/ holds sources`);
  t.deepEqual(describe(graph.upward), [], 'imports against the layer order');
  t.deepEqual(describe(graph.unresolved), [], 'relative imports that name no source file');
  t.deepEqual(graph.cycles, [], 'file cycles');
});

test('the check catches an upward import (type-only too), a dynamic one and a cycle', (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'trace-imports-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'runtime/kernel.ts': "import type { Thing } from '../actors/thing.js';\nexport type K = Thing;\n",
    'drivers/db.ts': "export const load = () => import('../cli/main.js');\n",
    'actors/thing.ts': "import { b } from './b.js';\nexport type Thing = typeof b;\nexport const a = 1;\n",
    'actors/b.ts': "import { a } from './thing.js';\nexport const b = a;\n",
    'cli/main.ts': "import { a } from '../actors/thing.js';\nexport const main = a;\n",
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  const graph = readImportGraph(root);
  t.deepEqual(describe(graph.upward), ['drivers/db.ts → cli/main.ts', 'runtime/kernel.ts → actors/thing.ts']);
  t.deepEqual(graph.cycles, [['actors/b.ts', 'actors/thing.ts']]);
});
