// A unit's stable address inside the project: `#unit/<modelId>/<layer>/<channel>` in the page's URL (layer
// names hold slashes, so each part is URI-encoded). Ids are the project's own, so the address means the
// same unit for as long as the model stays in the project; the back button walks between units and the grid.

export interface UnitAddress {
  modelId: string;
  layer: string;
  channel: number;
}

export function unitHash(u: UnitAddress): string {
  return `#unit/${encodeURIComponent(u.modelId)}/${encodeURIComponent(u.layer)}/${u.channel}`;
}

/** The unit a URL hash names, or null (another hash, or a malformed one). */
export function parseUnitHash(hash: string): UnitAddress | null {
  const m = /^#unit\/([^/]+)\/([^/]+)\/(\d+)$/.exec(hash);
  if (!m) return null;
  try {
    return { modelId: decodeURIComponent(m[1]!), layer: decodeURIComponent(m[2]!), channel: Number(m[3]) };
  } catch {
    return null; // a broken %-escape
  }
}

export function sameUnit(a: UnitAddress | null, b: UnitAddress | null): boolean {
  return a === b || (!!a && !!b && a.modelId === b.modelId && a.layer === b.layer && a.channel === b.channel);
}
