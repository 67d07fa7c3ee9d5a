// n8n's workflow JSON <-> React Flow's nodes and edges, exactly and both ways.
//
// n8n keys connections by source node *name*: {Src: {main: [[{node, type, index}], [], ...]}}.
// Output arrays can be empty or trailing-empty and that shape is part of the document, so
// the import keeps a skeleton (per source node id and connection type: the number of output
// arrays) and the export rebuilds every array from it; the edges keep n8n's order.
import type { Edge, Node } from "@xyflow/react";

export interface N8nNode {
  id?: string;
  name: string;
  type: string;
  typeVersion?: number;
  position?: [number, number];
  parameters?: Record<string, any>;
  disabled?: boolean;
  [key: string]: any;
}

export interface N8nConnection {
  node: string;
  type: string;
  index: number;
}

export type N8nConnections = Record<string, Record<string, (N8nConnection[] | null)[]>>;

export interface N8nWorkflow {
  id?: string;
  name?: string;
  nodes: N8nNode[];
  connections: N8nConnections;
  [key: string]: any;
}

export interface NodeData extends Record<string, unknown> {
  n8n: N8nNode;
  status?: "running" | "success" | "error";
  count?: number;
  error?: string;
}

export type FlowNode = Node<NodeData>;

export interface EdgeData extends Record<string, unknown> {
  count?: number;
}

/** Source node id -> connection type -> how many output arrays n8n's document has. */
export type Skeleton = Record<string, Record<string, number>>;

export const STICKY_TYPES = ["n8n-nodes-base.stickyNote", "hetumind.stickyNote"];
export const isSticky = (n: N8nNode) => STICKY_TYPES.includes(n.type);

export function newId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return "n" + Math.random().toString(36).slice(2) + Date.now().toString(36);
}

export const handleId = (type: string, index: number) => `${type}:${index}`;
export function parseHandle(handle: string | null | undefined): { type: string; index: number } {
  const h = handle ?? "main:0";
  const at = h.lastIndexOf(":");
  return { type: h.slice(0, at), index: Number(h.slice(at + 1)) };
}

export function edgeId(source: string, sh: string, target: string, th: string): string {
  return `${source}|${sh}|${target}|${th}`;
}

const hasPosition = (n: N8nNode) =>
  Array.isArray(n.position) && n.position.length === 2 && n.position.every((v) => Number.isFinite(v));

/** Where nodes without a position go (documents made by the API or by hand often have
 * none): in columns by their distance from the workflow's start along connections, below
 * the nodes that do have one, so they never pile up on one spot. */
export function placeUnpositioned(wf: N8nWorkflow): Map<string, [number, number]> {
  const nodes = wf.nodes ?? [];
  const missing = nodes.filter((n) => !hasPosition(n));
  const placed = new Map<string, [number, number]>();
  if (!missing.length) return placed;
  const targets = new Map<string, string[]>();
  const incoming = new Set<string>();
  for (const [src, byType] of Object.entries(wf.connections ?? {})) {
    for (const outputs of Object.values(byType ?? {})) {
      for (const conns of outputs ?? []) {
        for (const c of conns ?? []) {
          targets.set(src, [...(targets.get(src) ?? []), c.node]);
          incoming.add(c.node);
        }
      }
    }
  }
  const depth = new Map<string, number>();
  const queue = nodes.filter((n) => !incoming.has(n.name)).map((n) => n.name);
  queue.forEach((name) => depth.set(name, 0));
  while (queue.length) {
    const name = queue.shift()!;
    for (const next of targets.get(name) ?? []) {
      if (!depth.has(next)) {
        depth.set(next, depth.get(name)! + 1);
        queue.push(next);
      }
    }
  }
  const ys = nodes.filter(hasPosition).map((n) => n.position![1]);
  const top = ys.length ? Math.max(...ys) + 200 : 0;
  const rows = new Map<number, number>();
  for (const n of missing) {
    const column = depth.get(n.name) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    placed.set(n.name, [column * 260, top + row * 140]);
  }
  return placed;
}

export function toFlow(wf: N8nWorkflow): { nodes: FlowNode[]; edges: Edge<EdgeData>[]; skeleton: Skeleton } {
  const seen = new Set<string>();
  const byName = new Map<string, string>();
  const placed = placeUnpositioned(wf);
  const nodes: FlowNode[] = (wf.nodes ?? []).map((n) => {
    let id = n.id && !seen.has(n.id) ? n.id : newId();
    seen.add(id);
    byName.set(n.name, id);
    const [x, y] = hasPosition(n) ? n.position! : placed.get(n.name) ?? [0, 0];
    const node: FlowNode = {
      id,
      type: isSticky(n) ? "sticky" : "n8n",
      position: { x, y },
      data: { n8n: { ...n, id } },
    };
    if (isSticky(n)) {
      node.style = { width: n.parameters?.width ?? 240, height: n.parameters?.height ?? 160 };
      node.zIndex = -1;
    }
    return node;
  });
  const edges: Edge<EdgeData>[] = [];
  const skeleton: Skeleton = {};
  for (const [srcName, byType] of Object.entries(wf.connections ?? {})) {
    const src = byName.get(srcName);
    if (!src || !byType) continue;
    skeleton[src] = {};
    for (const [type, outputs] of Object.entries(byType)) {
      skeleton[src][type] = (outputs ?? []).length;
      (outputs ?? []).forEach((conns, out) => {
        for (const c of conns ?? []) {
          const dst = byName.get(c.node);
          if (!dst) continue;
          const sh = handleId(type, out);
          const th = handleId(c.type, c.index);
          let id = edgeId(src, sh, dst, th);
          while (edges.some((e) => e.id === id)) id += "+";
          edges.push({ id, source: src, sourceHandle: sh, target: dst, targetHandle: th, data: {} });
        }
      });
    }
  }
  return { nodes, edges, skeleton };
}

export function toN8nNode(node: FlowNode): N8nNode {
  const n: N8nNode = { ...node.data.n8n, position: [Math.round(node.position.x), Math.round(node.position.y)] };
  if (isSticky(n)) {
    const w = node.measured?.width ?? (node.style?.width as number | undefined) ?? node.width;
    const h = node.measured?.height ?? (node.style?.height as number | undefined) ?? node.height;
    n.parameters = { ...(n.parameters ?? {}), ...(w ? { width: Math.round(w) } : {}), ...(h ? { height: Math.round(h) } : {}) };
  }
  return n;
}

export function toConnections(nodes: FlowNode[], edges: Edge[], skeleton: Skeleton): N8nConnections {
  const name = new Map(nodes.map((n) => [n.id, n.data.n8n.name]));
  const out: N8nConnections = {};
  const slot = (src: string, type: string): (N8nConnection[] | null)[] => {
    const srcName = name.get(src)!;
    out[srcName] ??= {};
    if (!out[srcName][type]) {
      const len = skeleton[src]?.[type] ?? 0;
      out[srcName][type] = Array.from({ length: len }, () => []);
    }
    return out[srcName][type];
  };
  // Skeleton first: a source whose arrays are all empty stays in the document.
  for (const [src, types] of Object.entries(skeleton)) {
    if (!name.has(src)) continue;
    for (const type of Object.keys(types)) slot(src, type);
  }
  for (const e of edges) {
    if (!name.has(e.source) || !name.has(e.target)) continue;
    const s = parseHandle(e.sourceHandle);
    const t = parseHandle(e.targetHandle);
    const arrays = slot(e.source, s.type);
    while (arrays.length <= s.index) arrays.push([]);
    (arrays[s.index] ??= []).push({ node: name.get(e.target)!, type: t.type, index: t.index });
  }
  return out;
}

export function toWorkflow(base: N8nWorkflow, nodes: FlowNode[], edges: Edge[], skeleton: Skeleton): N8nWorkflow {
  return { ...base, nodes: nodes.map(toN8nNode), connections: toConnections(nodes, edges, skeleton) };
}

/** A name not yet taken, n8n style: "Set", "Set1", "Set2", ... */
export function uniqueName(wanted: string, taken: Set<string>): string {
  if (!taken.has(wanted)) return wanted;
  const stem = wanted.replace(/\d+$/, "");
  for (let i = 1; ; i++) if (!taken.has(stem + i)) return stem + i;
}

/** Rename a node in parameters' expressions the way n8n does: $('Old') and $node["Old"]. */
export function renameInExpressions(value: any, from: string, to: string): any {
  if (typeof value === "string") {
    if (!value.startsWith("=")) return value;
    const q = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return value
      .replace(new RegExp(`\\$\\((['"])${q}\\1\\)`, "g"), (_m, qu) => `$(${qu}${to}${qu})`)
      .replace(new RegExp(`\\$node\\[(['"])${q}\\1\\]`, "g"), (_m, qu) => `$node[${qu}${to}${qu}]`);
  }
  if (Array.isArray(value)) return value.map((v) => renameInExpressions(v, from, to));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameInExpressions(v, from, to)]));
  }
  return value;
}

/** The selected nodes as n8n clipboard JSON (connections among them only). */
export function clipboardOf(nodes: FlowNode[], edges: Edge[], skeleton: Skeleton): string {
  const ids = new Set(nodes.map((n) => n.id));
  const inner = edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  const sk: Skeleton = {};
  for (const id of ids) if (skeleton[id]) sk[id] = skeleton[id];
  return JSON.stringify({ nodes: nodes.map(toN8nNode), connections: toConnections(nodes, inner, sk) }, null, 2);
}
