import { memo } from "react";
import { Handle, NodeResizer, Position, useStore, type NodeProps } from "@xyflow/react";
import { handleId, parseHandle, type FlowNode } from "../n8n";
import { useEditor } from "./context";
import { portsOf } from "./ports";

const short = (kind: string) => kind.replace(/^ai_/, "").replace(/([A-Z])/g, " $1").toLowerCase();

export const NodeCard = memo(function NodeCard({ id, data, selected }: NodeProps<FlowNode>) {
  const { types, open, pinned } = useEditor();
  // The main ports this node's connections use, as one string: a node re-renders only
  // when its own ports change, not on every edge change of a big workflow.
  const used = useStore((s) => {
    let o = 0;
    let i = 0;
    for (const e of s.edges) {
      if (e.source === id && parseHandle(e.sourceHandle).type === "main") o = Math.max(o, parseHandle(e.sourceHandle).index + 1);
      if (e.target === id && parseHandle(e.targetHandle).type === "main") i = Math.max(i, parseHandle(e.targetHandle).index + 1);
    }
    return `${o}:${i}`;
  });
  const [usedOut, usedIn] = used.split(":").map(Number);
  const n = data.n8n;
  const type = types.get(n.type);
  const ports = portsOf(n, type, usedOut, usedIn);
  const cls = ["node-card", pinned.has(n.name) ? "pinned" : "", data.status ?? "", n.disabled ? "disabled" : "", type ? "" : "unknown", selected ? "selected" : "", type?.trigger ? "trigger" : "", ports.supplies ? "subnode" : ""].join(" ");
  const spread = (i: number, count: number) => `${((i + 1) / (count + 1)) * 100}%`;
  return (
    <div className={cls} data-testid="node" data-name={n.name} data-status={data.status ?? ""} onDoubleClick={() => open(id)} title={type ? type.description : `Unknown node type ${n.type}`}>
      {Array.from({ length: ports.inputs }, (_, i) => (
        <Handle key={"in" + i} type="target" position={Position.Left} id={handleId("main", i)} style={{ top: spread(i, ports.inputs) }} data-testid={`in-${i}`} />
      ))}
      {ports.supplies && <Handle type="source" position={Position.Top} id={handleId(ports.supplies, 0)} className="ai-handle" data-testid={`out-${ports.supplies}`} />}
      <div className="node-icon">{(type?.displayName ?? n.type.split(".").pop() ?? "?").slice(0, 1).toUpperCase()}</div>
      <div className="node-text">
        <div className="node-name">{n.name}</div>
        <div className="node-type">{type?.displayName ?? n.type}</div>
      </div>
      {data.status === "running" && <div className="node-badge spin" data-testid="node-running">⟳</div>}
      {data.status === "success" && (
        <div className="node-badge ok" data-testid="node-count">
          ✓ {data.count ?? 0}
        </div>
      )}
      {data.status === "error" && (
        <div className="node-badge err" data-testid="node-error" title={data.error}>
          ⚠
        </div>
      )}
      {n.disabled && <div className="node-disabled-mark">disabled</div>}
      {pinned.has(n.name) && (
        <div className="node-pin" data-testid="node-pinned" title="Pinned data: manual runs output these items instead of running the node">
          ◉ pinned
        </div>
      )}
      {Array.from({ length: ports.outputs }, (_, i) => (
        <Handle key={"out" + i} type="source" position={Position.Right} id={handleId("main", i)} style={{ top: spread(i, ports.outputs) }} data-testid={`out-${i}`}>
          {ports.outputLabels[i] && <span className="port-label">{ports.outputLabels[i]}</span>}
        </Handle>
      ))}
      {ports.accepts.map((kind, i) => (
        <Handle key={kind} type="target" position={Position.Bottom} id={handleId(kind, 0)} className="ai-handle" style={{ left: spread(i, ports.accepts.length) }} data-testid={`in-${kind}`}>
          <span className="ai-label">{short(kind)}</span>
        </Handle>
      ))}
      {data.status === "error" && data.error && (
        <div className="node-error-text" data-testid="node-error-text">
          {data.error}
        </div>
      )}
    </div>
  );
});

export const StickyCard = memo(function StickyCard({ id, data, selected }: NodeProps<FlowNode>) {
  const { open, readOnly } = useEditor();
  const content = String(data.n8n.parameters?.content ?? "");
  return (
    <div className={"sticky-card" + (selected ? " selected" : "")} data-testid="sticky" data-name={data.n8n.name} onDoubleClick={() => open(id)}>
      <NodeResizer isVisible={selected && !readOnly} minWidth={120} minHeight={80} />
      <div className="sticky-content">{content || "Double-click to write a note"}</div>
    </div>
  );
});
