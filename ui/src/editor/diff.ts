// What changed between two n8n documents, in words a workflow author reads: nodes added,
// removed or changed (parameters by path, old -> new), connections, pinned data, name.
import type { N8nWorkflow } from "../n8n";

export interface Change {
  kind: "added" | "removed" | "changed";
  what: string; // "node", "connection", "pinned data", "name", "settings"
  label: string;
  details: string[]; // "parameters.url: "a" → "b""
}

const show = (v: unknown) => (v === undefined ? "∅" : JSON.stringify(v));

/** Leaves of a JSON value by dotted path (arrays by index): `assignments.assignments.0.name`. */
function leaves(v: unknown, prefix: string, out: Map<string, unknown>) {
  if (v && typeof v === "object" && Object.keys(v as object).length) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, v);
  return out;
}

function jsonDiff(a: unknown, b: unknown, prefix: string): string[] {
  const la = leaves(a, prefix, new Map());
  const lb = leaves(b, prefix, new Map());
  const keys = Array.from(new Set([...la.keys(), ...lb.keys()])).sort();
  return keys.filter((k) => JSON.stringify(la.get(k)) !== JSON.stringify(lb.get(k))).map((k) => `${k}: ${show(la.get(k))} → ${show(lb.get(k))}`);
}

function connections(doc: N8nWorkflow): Set<string> {
  const out = new Set<string>();
  for (const [src, byType] of Object.entries(doc.connections ?? {}))
    for (const [type, ports] of Object.entries(byType ?? {}))
      (ports ?? []).forEach((cs, i) => (cs ?? []).forEach((c) => out.add(`${src} → ${c.node} (${type} ${i}${c.index ? ` → ${c.index}` : ""})`)));
  return out;
}

/** Changes that turn `from` into `to` (e.g. from an old version to the current one). */
export function diffWorkflows(from: N8nWorkflow, to: N8nWorkflow): Change[] {
  const changes: Change[] = [];
  if ((from.name ?? "") !== (to.name ?? "")) changes.push({ kind: "changed", what: "name", label: `${show(from.name)} → ${show(to.name)}`, details: [] });
  const a = new Map((from.nodes ?? []).map((n) => [n.name, n]));
  const b = new Map((to.nodes ?? []).map((n) => [n.name, n]));
  for (const [name, n] of b) if (!a.has(name)) changes.push({ kind: "added", what: "node", label: name, details: [n.type] });
  for (const [name, n] of a) if (!b.has(name)) changes.push({ kind: "removed", what: "node", label: name, details: [n.type] });
  for (const [name, old] of a) {
    const now = b.get(name);
    if (!now) continue;
    const details: string[] = [];
    for (const key of ["type", "typeVersion", "disabled", "credentials", "onError", "notes"] as const)
      if (JSON.stringify(old[key]) !== JSON.stringify(now[key])) details.push(`${key}: ${show(old[key])} → ${show(now[key])}`);
    details.push(...jsonDiff(old.parameters ?? {}, now.parameters ?? {}, "parameters"));
    // A document without positions (written by hand or by the API) is laid out by the
    // editor: that is no move.
    const moved = !!old.position && !!now.position && JSON.stringify(old.position) !== JSON.stringify(now.position);
    if (details.length || moved) changes.push({ kind: "changed", what: "node", label: name, details: details.length ? details : ["moved"] });
  }
  const ca = connections(from);
  const cb = connections(to);
  for (const c of cb) if (!ca.has(c)) changes.push({ kind: "added", what: "connection", label: c, details: [] });
  for (const c of ca) if (!cb.has(c)) changes.push({ kind: "removed", what: "connection", label: c, details: [] });
  const pa = from.pinData ?? {};
  const pb = to.pinData ?? {};
  for (const name of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
    if (JSON.stringify(pa[name]) === JSON.stringify(pb[name])) continue;
    const kind = !(name in pa) ? "added" : !(name in pb) ? "removed" : "changed";
    changes.push({ kind, what: "pinned data", label: name, details: [`${(pa[name] ?? []).length} → ${(pb[name] ?? []).length} items`] });
  }
  const sd = jsonDiff(from.settings ?? {}, to.settings ?? {}, "settings");
  if (sd.length) changes.push({ kind: "changed", what: "settings", label: "workflow settings", details: sd });
  return changes;
}
