import { createContext, useContext } from "react";
import type { NodeType } from "../api";

export interface EditorCtx {
  types: Map<string, NodeType>;
  readOnly: boolean;
  /** Names of the nodes with pinned data (n8n's pinData). */
  pinned: Set<string>;
  open: (id: string) => void;
}

export const EditorContext = createContext<EditorCtx>({ types: new Map(), readOnly: true, pinned: new Set(), open: () => {} });
export const useEditor = () => useContext(EditorContext);

/** Every name a type answers to -> its definition. */
export function typeIndex(types: NodeType[]): Map<string, NodeType> {
  const m = new Map<string, NodeType>();
  for (const t of types) for (const name of t.types) m.set(name, t);
  return m;
}
