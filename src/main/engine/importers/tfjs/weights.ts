// Finds a layer's weights in the decoded manifest. Keras names them "<layer>/<kind>" but exporters
// prefix scopes ("model/conv1/kernel") and TF.js adds "_1" suffixes to keep names unique, so
// the lookup matches on the last two path segments.
import { TfjsImportError } from './artifacts';

export interface Weight {
  shape: number[];
  values: Float32Array;
}

export class WeightIndex {
  private byKey = new Map<string, string[]>();
  readonly used = new Set<string>();

  constructor(private all: Map<string, Weight>, private label: string) {
    for (const full of all.keys()) {
      const parts = full.split('/');
      if (parts.length < 2) continue;
      const kind = parts[parts.length - 1]!.replace(/(_\d+)?(:\d+)?$/, '');
      const key = `${parts[parts.length - 2]}/${kind}`;
      const list = this.byKey.get(key) ?? [];
      list.push(full);
      this.byKey.set(key, list);
    }
  }

  find(layer: string, kind: string): Weight | undefined {
    const exact = this.all.get(`${layer}/${kind}`);
    const full = exact ? `${layer}/${kind}` : this.byKey.get(`${layer}/${kind}`)?.[0];
    if (!full) return undefined;
    this.used.add(full);
    return this.all.get(full);
  }

  get(layer: string, kind: string, className: string, shape?: number[]): Weight {
    const w = this.find(layer, kind);
    if (!w) {
      throw new TfjsImportError(`${this.label}: ${className} layer "${layer}" has no weight "${layer}/${kind}" in the weights manifest.`);
    }
    if (shape && (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]))) {
      throw new TfjsImportError(
        `${this.label}: ${className} layer "${layer}": weight "${kind}" has shape [${w.shape}] but the layer needs [${shape}].`,
      );
    }
    return w;
  }

  unused(): string[] {
    return [...this.all.keys()].filter((k) => !this.used.has(k));
  }
}
