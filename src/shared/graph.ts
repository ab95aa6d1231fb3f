// The model graph view's data (`model:graph`): operator nodes, their tensors and shapes, and the groups
// the view collapses (inception modules, residual blocks, named scopes). Built by
// src/main/engine/onnx/graph.ts from the decoded model and its inspection.

export interface ModelGraphNode {
  /** stable within one graph: `n<index in graph order>` */
  id: string;
  /** the node's name, else its first output's */
  name: string;
  opType: string;
  /** tensors flowing in (weights excluded) and out */
  inputs: string[];
  outputs: string[];
  /** initializer inputs (weights, biases) with their dims */
  weights: { name: string; shape: number[] }[];
  /** attributes as short text (kernel_shape: [3, 3]) */
  attrs: { name: string; value: string }[];
  /** the group (collapsible box) this node belongs to */
  group?: string;
  /** its output that is a layer of the model's layer list (what selecting the node selects) */
  layer?: string;
}

export interface ModelGraphGroup {
  id: string;
  label: string;
  nodeCount: number;
  /** op type → count inside the group, for the collapsed box's summary */
  opTypes: Record<string, number>;
}

export interface ModelGraph {
  modelSha: string;
  /** the input size the shapes were computed at */
  size: { width: number; height: number };
  /** graph inputs (not weights) and outputs */
  inputs: string[];
  outputs: string[];
  nodes: ModelGraphNode[];
  groups: ModelGraphGroup[];
  /** tensor → shape where the inspection knows it (layers, inputs, outputs, declared value infos) */
  shapes: Record<string, (number | string | null)[]>;
  /** how groups were found: named scopes, single-tensor cuts around branching blocks, or none */
  grouping: 'scopes' | 'blocks' | 'none';
}
