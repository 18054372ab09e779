import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const TaskSpecSchema = z
  .object({
    name: z.string().regex(NAME, 'letters, digits and _ . : - only, at most 128 characters'),
    operator: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    max_attempts: z.number().int().positive().optional(),
    depends_on: z.array(z.string()).default([]),
  })
  .strict();

export const RunSpecSchema = z
  .object({
    name: z.string().min(1).max(200),
    tasks: z.array(TaskSpecSchema).min(1),
  })
  .strict()
  .superRefine((run, ctx) => {
    const names = new Set<string>();
    run.tasks.forEach((task, i) => {
      if (names.has(task.name)) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'name'], message: `duplicate task name ${task.name}` });
      names.add(task.name);
    });
    run.tasks.forEach((task, i) =>
      task.depends_on.forEach((dep, j) => {
        if (!names.has(dep)) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'depends_on', j], message: `unknown task ${dep}` });
        if (dep === task.name) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'depends_on', j], message: 'a task cannot depend on itself' });
      }),
    );
    const cycle = findCycle(run.tasks);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['tasks'], message: `dependency cycle: ${cycle.join(' → ')}` });
  });

export type TaskSpec = z.output<typeof TaskSpecSchema>;
export type RunSpec = z.output<typeof RunSpecSchema>;

export class RunSpecError extends Error {
  override name = 'RunSpecError';
}

/** Depth-first search for a cycle among the known names; returns it, closed, or undefined. */
function findCycle(tasks: readonly { name: string; depends_on: readonly string[] }[]): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.name, t.depends_on]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done' || !deps.has(name)) return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of deps.get(name) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const t of tasks) {
    const cycle = visit(t.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Validates a run from parsed JSON/YAML, naming every bad field. */
export function parseRunSpec(value: unknown): RunSpec {
  const result = RunSpecSchema.safeParse(value);
  if (!result.success) {
    throw new RunSpecError(
      `invalid run: ${result.error.issues.map((i) => `${i.path.join('.') || '(run)'}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** Parses a run file's text (YAML, of which JSON is a subset). */
export function parseRunSpecText(text: string): RunSpec {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new RunSpecError(`run file is not valid YAML or JSON: ${(err as Error).message}`);
  }
  return parseRunSpec(value);
}
