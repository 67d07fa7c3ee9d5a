// Undo and redo: whole snapshots of the graph (a workflow is small next to the DOM
// React Flow draws for it), taken before each change.
import type { Edge } from "@xyflow/react";
import type { FlowNode, Skeleton } from "../n8n";

export interface Snapshot {
  nodes: FlowNode[];
  edges: Edge[];
  skeleton: Skeleton;
}

const LIMIT = 100;

export class History {
  private past: string[] = [];
  private future: string[] = [];

  private static encode(s: Snapshot): string {
    const nodes = s.nodes.map(({ id, type, position, data, style, zIndex }) => ({ id, type, position, style, zIndex, data: { n8n: data.n8n } }));
    const edges = s.edges.map(({ id, source, sourceHandle, target, targetHandle }) => ({ id, source, sourceHandle, target, targetHandle, data: {} }));
    return JSON.stringify({ nodes, edges, skeleton: s.skeleton });
  }

  record(s: Snapshot): void {
    const enc = History.encode(s);
    if (this.past[this.past.length - 1] === enc) return;
    this.past.push(enc);
    if (this.past.length > LIMIT) this.past.shift();
    this.future = [];
  }

  undo(current: Snapshot): Snapshot | null {
    const prev = this.past.pop();
    if (!prev) return null;
    this.future.push(History.encode(current));
    return JSON.parse(prev);
  }

  redo(current: Snapshot): Snapshot | null {
    const next = this.future.pop();
    if (!next) return null;
    this.past.push(History.encode(current));
    return JSON.parse(next);
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }
}
