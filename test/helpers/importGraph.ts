import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** The layers, lowest first: a file may import its own layer and those below it, never above. */
export const LAYERS = ['runtime', 'drivers', 'actors', 'cli'] as const;
export type Layer = (typeof LAYERS)[number];

export interface ImportEdge {
  from: string;
  to: string;
}

export interface ImportReport {
  files: string[];
  edges: ImportEdge[];
  /** Edges from a layer to a higher one, e.g. runtime → actors. */
  upward: ImportEdge[];
  /** Relative imports that name no source file. */
  unresolved: ImportEdge[];
  /** Each cycle of files (strongly connected component of two or more files, or a self-import). */
  cycles: string[][];
}

function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/**
 * Every module a file names: static imports and re-exports (type-only ones included, as the
 * TypeScript scanner reports them), dynamic `import()`, and modules loaded by URL (`new URL('./x.js',
 * import.meta.url)`, as thread entry points are).
 */
function specifiers(text: string): string[] {
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  for (const match of text.matchAll(/new URL\(\s*'(\.[^']+\.js)',\s*import\.meta\.url\)/g)) found.push(match[1]!);
  return found;
}

function layerOf(file: string): Layer | undefined {
  return LAYERS.find((layer) => file.startsWith(`${layer}/`));
}

/** Reads the layered source folders under `root` and reports edges against the order and file cycles. */
export function readImportGraph(root: string): ImportReport {
  const files = LAYERS.flatMap((layer) => sourceFiles(root, layer)).sort();
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  const unresolved: ImportEdge[] = [];
  for (const from of files) {
    for (const spec of specifiers(readFileSync(path.join(root, from), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '.ts');
      if (known.has(to)) edges.push({ from, to });
      else unresolved.push({ from, to });
    }
  }
  const rank = (file: string) => LAYERS.indexOf(layerOf(file)!);
  return { files, edges, upward: edges.filter((e) => rank(e.to) > rank(e.from)), unresolved, cycles: findCycles(files, edges) };
}

/** Tarjan's strongly connected components; components of one file count only if it imports itself. */
function findCycles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const { from, to } of edges) next.get(from)!.push(to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || next.get(file)!.includes(file)) cycles.push(component.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}
