// A run's data as the API gives it (GET /executions/{id}?includeData=true):
// runData = {node name: [{status, outputs: [[item, ...] per output], error}, ...]}.
import type { Edge } from "@xyflow/react";
import { parseHandle, type FlowNode } from "../n8n";
import type { RunView } from "./NodePanel";

export type RunData = Record<string, { status?: string; outputs?: any[][] | null; error?: any }[]>;

export function lastRun(runData: RunData | null, name: string) {
  const runs = runData?.[name];
  return runs && runs.length ? runs[runs.length - 1] : null;
}

export function runViewOf(runData: RunData | null, node: FlowNode, nodes: FlowNode[], edges: Edge[]): RunView | null {
  if (!runData) return null;
  const own = lastRun(runData, node.data.n8n.name);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let input: any[] | null = null;
  for (const e of edges) {
    if (e.target !== node.id || parseHandle(e.targetHandle).type !== "main") continue;
    const src = byId.get(e.source);
    const r = src && lastRun(runData, src.data.n8n.name);
    const items = r?.outputs?.[parseHandle(e.sourceHandle).index];
    if (items) input = [...(input ?? []), ...items];
  }
  return { status: own?.status, error: own?.error, input, outputs: own?.outputs ?? null };
}

export function errorMessage(e: any): string {
  if (!e) return "";
  if (typeof e === "string") return e;
  return String(e.message ?? e.description ?? JSON.stringify(e));
}

export function statusOf(s: string | undefined): "running" | "success" | "error" | undefined {
  if (!s) return undefined;
  if (s === "running" || s === "waiting") return "running";
  if (s === "error" || s === "failed" || s === "crashed") return "error";
  return "success";
}
