/** The roles a node process can run, as `trace-lite up --roles` takes them (no imports: the CLI's help reads them). */
export const ROLES = ['dispatcher', 'publisher', 'heartbeat', 'worker', 'sink', 'janitor', 'query', 'gateway'] as const;
export type Role = (typeof ROLES)[number];

export function parseRoles(text: string): Role[] {
  const roles = text.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || roles.length === 0) {
    throw new Error(`unknown role(s) ${unknown.join(', ') || '(none given)'}; roles are ${ROLES.join(', ')}`);
  }
  return roles as Role[];
}
