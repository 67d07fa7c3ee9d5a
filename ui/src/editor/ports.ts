// Which ports a node shows: its type's main inputs and outputs (Switch-like types grow with
// their parameters and with the connections the document already has), an error output
// when onError routes errors there, and the ai_* sub-node ports.
import type { NodeType } from "../api";
import type { N8nNode } from "../n8n";

export interface Ports {
  inputs: number;
  outputs: number;
  outputLabels: string[];
  accepts: string[];
  supplies: string | null;
}

export function portsOf(node: N8nNode, type: NodeType | undefined, usedOut: number, usedIn: number): Ports {
  let inputs = type?.inputs ?? 1;
  let outputs = type?.outputs ?? 1;
  const p = node.parameters ?? {};
  if (type?.dynamicOutputs) {
    const rules = p.rules?.values ?? p.rules?.rules ?? [];
    const n = Array.isArray(rules) ? rules.length : 0;
    const extra = p.options?.fallbackOutput === "extra" ? 1 : 0;
    if (typeof p.numberOutputs === "number") outputs = Math.max(outputs, p.numberOutputs);
    outputs = Math.max(outputs, n + extra);
  }
  if (type?.dynamicInputs && typeof p.numberInputs === "number") inputs = Math.max(inputs, p.numberInputs);
  if (!type || type.dynamicInputs) inputs = Math.max(inputs, usedIn);
  const errorOut = node.onError === "continueErrorOutput";
  outputs = Math.max(outputs, usedOut - (errorOut ? 1 : 0));
  if (type?.supplies) outputs = 0;
  const labels: string[] = [];
  if (outputs === 2 && type && /^(if|filter)$/i.test(type.name)) labels.push("true", "false");
  if (type?.name === "filter" && outputs === 2) labels.splice(0, 2, "kept", "discarded");
  if (errorOut) {
    while (labels.length < outputs) labels.push("");
    labels.push("error");
    outputs += 1;
  }
  return { inputs, outputs, outputLabels: labels, accepts: type?.accepts ?? [], supplies: type?.supplies ?? null };
}
