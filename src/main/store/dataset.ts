// Datasets in a project file (tables of migration 4, SCHEMA.md): folders of photos referenced by path,
// and their indexes. Its own connection to the project file — the engine worker writes an index batch by
// batch while the host reads (WAL: readers never wait for the writer) — opened per use and closed after,
// so the project's own close still folds the WAL into the one file.
//
// Crash safety: an indexing batch is ONE transaction (`commitBatch`): the photos it marks indexed, their
// pooled features, the photos found unreadable and every layer's new statistics land together or not at
// all, so after a crash the file holds exactly the batches that finished and nothing is counted twice.
import Database from 'better-sqlite3';
import * as path from 'node:path';
import type { DatasetIndexInfo, DatasetInfo, DatasetLayerInfo, DatasetPhoto, ReceptiveFieldInfo } from '../../shared/dataset';
import type { Preprocess } from '../../shared/contract';
import { EngineError } from '../../shared/errors';
import { newId } from './project';

const DATASET_SCHEMA = 4;
const now = () => new Date().toISOString();

interface PhotoRow { id: number; dataset_id: string; path: string; size: number; mtime_ms: number; width: number; height: number; unreadable: string | null }
interface IndexRow { id: string; dataset_id: string; model_id: string; layers: string; k: number; bins: number; preprocess: string; created_at: string; updated_at: string }
interface LayerRow { index_id: string; layer: string; channels: number; height: number; width: number; field: string; stats: Buffer | null }

/** A file found in the folder by a scan (path relative to the folder, '/'-separated). */
export interface ScannedFile { path: string; size: number; mtimeMs: number }

export interface StoredIndex {
  id: string;
  datasetId: string;
  modelId: string;
  layers: string[];
  k: number;
  bins: number;
  preprocess: Preprocess;
}

export interface StoredLayer extends DatasetLayerInfo {
  /** null before the first batch */
  stats: Buffer | null;
}

export interface BatchWrite {
  indexId: string;
  /** photos indexed in this batch, with their decoded size */
  indexed: { photoId: number; width: number; height: number }[];
  unreadable: { photoId: number; reason: string }[];
  /** per layer: the pooled vector of each indexed photo (same order as `indexed`) */
  features: { layer: string; vecs: Float32Array[] }[];
  /** per layer: the statistics after this batch */
  stats: { layer: string; blob: Buffer }[];
}

export class DatasetStore {
  private constructor(private readonly db: Database.Database, private readonly folderOf: (id: string) => string) {}

  /** Open the project file's dataset tables (the project must have been opened once by ProjectStore: it migrates). */
  static open(projectFile: string): DatasetStore {
    const db = new Database(projectFile, { fileMustExist: true, timeout: 10_000 });
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    const v = db.pragma('user_version', { simple: true }) as number;
    if (v < DATASET_SCHEMA) {
      db.close();
      throw new EngineError('not-migrated', `${projectFile} is at project format ${v}; datasets need format ${DATASET_SCHEMA} (open it in Featurescope once to upgrade it)`);
    }
    const folders = new Map<string, string>();
    const store: DatasetStore = new DatasetStore(db, (id) => {
      let f = folders.get(id);
      if (f === undefined) {
        f = store.row(id).folder;
        folders.set(id, f);
      }
      return f;
    });
    return store;
  }

  /** Run `fn` with a store open on `projectFile`, closing it after. */
  static with<T>(projectFile: string, fn: (s: DatasetStore) => T): T {
    const s = DatasetStore.open(projectFile);
    try {
      const r = fn(s);
      if (r instanceof Promise) throw new Error('DatasetStore.with takes synchronous work only');
      return r;
    } finally {
      s.close();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- datasets ---------------------------------------------------------------------------------------

  private row(id: string): { id: string; name: string; folder: string; added_at: string; scanned_at: string } {
    const r = this.db.prepare<[string], { id: string; name: string; folder: string; added_at: string; scanned_at: string }>('SELECT * FROM datasets WHERE id = ?').get(id);
    if (!r) throw new EngineError('no-such-item', `No dataset ${id} in this project.`);
    return r;
  }

  datasetByFolder(folder: string): string | undefined {
    return this.db.prepare<[string], { id: string }>('SELECT id FROM datasets WHERE folder = ?').get(folder)?.id;
  }

  /**
   * Record a scan of a folder: new files are added, files gone from the folder are marked unreadable
   * ("vanished": ids, index entries and examples stay), files back again become readable. One transaction.
   * Returns the dataset id (a new one for a new folder).
   */
  syncScan(folder: string, name: string, files: ScannedFile[], skipped: { path: string; reason: string }[]): string {
    return this.db.transaction(() => {
      let id = this.datasetByFolder(folder);
      if (!id) {
        id = newId('d');
        this.db.prepare('INSERT INTO datasets(id, name, folder, added_at, scanned_at) VALUES (?, ?, ?, ?, ?)').run(id, name, folder, now(), now());
      } else this.db.prepare('UPDATE datasets SET scanned_at = ? WHERE id = ?').run(now(), id);
      const known = new Map(this.db.prepare<[string], { id: number; path: string; unreadable: string | null }>('SELECT id, path, unreadable FROM dataset_photos WHERE dataset_id = ?').all(id).map((r) => [r.path, r]));
      const insert = this.db.prepare('INSERT INTO dataset_photos(dataset_id, path, size, mtime_ms, unreadable) VALUES (?, ?, ?, ?, ?)');
      const setReason = this.db.prepare('UPDATE dataset_photos SET unreadable = ? WHERE id = ?');
      const seen = new Set<string>();
      for (const f of files) {
        seen.add(f.path);
        const k = known.get(f.path);
        if (!k) insert.run(id, f.path, f.size, f.mtimeMs, null);
        else if (k.unreadable?.startsWith(VANISHED)) setReason.run(null, k.id);
      }
      for (const f of skipped) {
        seen.add(f.path);
        const k = known.get(f.path);
        if (!k) insert.run(id, f.path, 0, 0, f.reason);
        else setReason.run(f.reason, k.id);
      }
      for (const [p, k] of known) if (!seen.has(p) && !k.unreadable) setReason.run(`${VANISHED}: ${p} is no longer in the folder`, k.id);
      return id;
    })();
  }

  removeDataset(id: string): void {
    this.row(id);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  }

  datasets(): DatasetInfo[] {
    return this.db.prepare<[], { id: string }>('SELECT id FROM datasets ORDER BY added_at, rowid').all().map((r) => this.info(r.id));
  }

  info(id: string): DatasetInfo {
    const d = this.row(id);
    const counts = this.db.prepare<[string], { n: number; bad: number }>('SELECT count(*) AS n, count(unreadable) AS bad FROM dataset_photos WHERE dataset_id = ?').get(id)!;
    const sample = this.db.prepare<[string], { path: string; unreadable: string }>('SELECT path, unreadable FROM dataset_photos WHERE dataset_id = ? AND unreadable IS NOT NULL ORDER BY id LIMIT 20').all(id);
    const indexes = this.db.prepare<[string], IndexRow>('SELECT * FROM dataset_indexes WHERE dataset_id = ? ORDER BY created_at, rowid').all(id).map((r) => this.indexInfo(r));
    return {
      id, name: d.name, folder: d.folder, photos: counts.n - counts.bad, unreadable: counts.bad,
      unreadableSample: sample.map((s) => ({ path: s.path, reason: s.unreadable })), addedAt: d.added_at, scannedAt: d.scanned_at, indexes,
    };
  }

  // ---- photos -----------------------------------------------------------------------------------------

  private photoOf(r: PhotoRow): DatasetPhoto {
    const folder = this.folderOf(r.dataset_id);
    return { id: r.id, path: r.path, file: path.join(folder, ...r.path.split('/')), width: r.width, height: r.height, ...(r.unreadable ? { unreadable: r.unreadable } : {}) };
  }

  photos(datasetId: string, offset: number, limit: number, unreadableOnly = false): { total: number; photos: DatasetPhoto[] } {
    this.row(datasetId);
    const where = `dataset_id = ?${unreadableOnly ? ' AND unreadable IS NOT NULL' : ''}`;
    const total = this.db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM dataset_photos WHERE ${where}`).get(datasetId)!.n;
    const rows = this.db.prepare<[string, number, number], PhotoRow>(`SELECT * FROM dataset_photos WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`).all(datasetId, limit, offset);
    return { total, photos: rows.map((r) => this.photoOf(r)) };
  }

  photo(datasetId: string, photoId: number): DatasetPhoto {
    const r = this.db.prepare<[number, string], PhotoRow>('SELECT * FROM dataset_photos WHERE id = ? AND dataset_id = ?').get(photoId, datasetId);
    if (!r) throw new EngineError('no-such-item', `No photo ${photoId} in dataset ${datasetId}.`);
    return this.photoOf(r);
  }

  photoByPath(datasetId: string, rel: string): DatasetPhoto | undefined {
    const r = this.db.prepare<[string, string], PhotoRow>('SELECT * FROM dataset_photos WHERE dataset_id = ? AND path = ?').get(datasetId, rel);
    return r ? this.photoOf(r) : undefined;
  }

  // ---- indexes ----------------------------------------------------------------------------------------

  /** The index of these exact settings, made (with its layers) when there is none yet. */
  ensureIndex(datasetId: string, modelId: string, layers: Omit<DatasetLayerInfo, never>[], k: number, bins: number, preprocess: Preprocess): string {
    return this.db.transaction(() => {
      const names = JSON.stringify(layers.map((l) => l.name));
      const existing = this.db.prepare<[string, string, string, number, number, string], { id: string }>(
        'SELECT id FROM dataset_indexes WHERE dataset_id = ? AND model_id = ? AND layers = ? AND k = ? AND bins = ? AND preprocess = ?',
      ).get(datasetId, modelId, names, k, bins, JSON.stringify(preprocess));
      if (existing) return existing.id;
      const id = newId('x');
      this.db.prepare('INSERT INTO dataset_indexes(id, dataset_id, model_id, layers, k, bins, preprocess, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, datasetId, modelId, names, k, bins, JSON.stringify(preprocess), now(), now());
      const ins = this.db.prepare('INSERT INTO dataset_layers(index_id, layer, channels, height, width, field, stats) VALUES (?, ?, ?, ?, ?, ?, NULL)');
      for (const l of layers) ins.run(id, l.name, l.channels, l.height, l.width, JSON.stringify(l.field));
      return id;
    })();
  }

  index(indexId: string): StoredIndex {
    const r = this.db.prepare<[string], IndexRow>('SELECT * FROM dataset_indexes WHERE id = ?').get(indexId);
    if (!r) throw new EngineError('no-such-item', `No dataset index ${indexId} in this project.`);
    return { id: r.id, datasetId: r.dataset_id, modelId: r.model_id, layers: JSON.parse(r.layers) as string[], k: r.k, bins: r.bins, preprocess: JSON.parse(r.preprocess) as Preprocess };
  }

  /** The newest index of (dataset, model) that has `layer` and at least one photo; undefined when none. */
  indexWith(datasetId: string, modelId: string, layer: string): StoredIndex | undefined {
    const rows = this.db.prepare<[string, string], IndexRow>('SELECT * FROM dataset_indexes WHERE dataset_id = ? AND model_id = ? ORDER BY created_at DESC, rowid DESC').all(datasetId, modelId);
    for (const r of rows) {
      if (!(JSON.parse(r.layers) as string[]).includes(layer)) continue;
      if (this.indexedCount(r.id) > 0) return this.index(r.id);
    }
    return undefined;
  }

  indexesOf(datasetId: string, modelId: string): DatasetIndexInfo[] {
    return this.db.prepare<[string, string], IndexRow>('SELECT * FROM dataset_indexes WHERE dataset_id = ? AND model_id = ? ORDER BY created_at, rowid').all(datasetId, modelId).map((r) => this.indexInfo(r));
  }

  private indexInfo(r: IndexRow): DatasetIndexInfo {
    const layers = this.layers(r.id).map(({ stats: _s, ...l }) => l);
    return { id: r.id, modelId: r.model_id, layers, k: r.k, bins: r.bins, indexed: this.indexedCount(r.id), pending: this.pendingCount(r.id), updatedAt: r.updated_at };
  }

  layers(indexId: string): StoredLayer[] {
    const rows = this.db.prepare<[string], LayerRow>('SELECT * FROM dataset_layers WHERE index_id = ?').all(indexId);
    const order = this.index(indexId).layers;
    return rows
      .map((r) => ({ name: r.layer, channels: r.channels, height: r.height, width: r.width, field: JSON.parse(r.field) as ReceptiveFieldInfo, stats: r.stats }))
      .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  }

  layer(indexId: string, layer: string): StoredLayer {
    const l = this.layers(indexId).find((x) => x.name === layer);
    if (!l) throw new EngineError('no-such-layer', `The index ${indexId} has no layer "${layer}".`);
    return l;
  }

  indexedCount(indexId: string): number {
    return this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM dataset_index_photos WHERE index_id = ?').get(indexId)!.n;
  }

  pendingCount(indexId: string): number {
    return this.db.prepare<[string, string], { n: number }>(
      'SELECT count(*) AS n FROM dataset_photos p WHERE p.dataset_id = (SELECT dataset_id FROM dataset_indexes WHERE id = ?) AND p.unreadable IS NULL AND NOT EXISTS (SELECT 1 FROM dataset_index_photos i WHERE i.index_id = ? AND i.photo_id = p.id)',
    ).get(indexId, indexId)!.n;
  }

  /** The next readable photos not indexed yet, by id, after `afterId` (bounded: `limit` at a time). */
  pending(indexId: string, afterId: number, limit: number): DatasetPhoto[] {
    return this.db.prepare<[string, number, string, number], PhotoRow>(
      'SELECT p.* FROM dataset_photos p WHERE p.dataset_id = (SELECT dataset_id FROM dataset_indexes WHERE id = ?) AND p.id > ? AND p.unreadable IS NULL AND NOT EXISTS (SELECT 1 FROM dataset_index_photos i WHERE i.index_id = ? AND i.photo_id = p.id) ORDER BY p.id LIMIT ?',
    ).all(indexId, afterId, indexId, limit).map((r) => this.photoOf(r));
  }

  /** One indexing batch, all or nothing (see the note at the top). */
  commitBatch(w: BatchWrite): void {
    const markIndexed = this.db.prepare('INSERT INTO dataset_index_photos(index_id, photo_id) VALUES (?, ?)');
    const size = this.db.prepare('UPDATE dataset_photos SET width = ?, height = ? WHERE id = ?');
    const bad = this.db.prepare('UPDATE dataset_photos SET unreadable = ? WHERE id = ?');
    const feat = this.db.prepare('INSERT INTO dataset_features(index_id, layer, photo_id, vec) VALUES (?, ?, ?, ?)');
    const stats = this.db.prepare('UPDATE dataset_layers SET stats = ? WHERE index_id = ? AND layer = ?');
    this.db.transaction(() => {
      for (const p of w.indexed) {
        markIndexed.run(w.indexId, p.photoId);
        size.run(p.width, p.height, p.photoId);
      }
      for (const u of w.unreadable) bad.run(u.reason, u.photoId);
      for (const f of w.features) {
        f.vecs.forEach((v, i) => feat.run(w.indexId, f.layer, w.indexed[i]!.photoId, Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
      }
      for (const s of w.stats) stats.run(s.blob, w.indexId, s.layer);
      this.db.prepare('UPDATE dataset_indexes SET updated_at = ? WHERE id = ?').run(now(), w.indexId);
    })();
  }

  /** Every indexed photo's pooled vector of a layer, by photo id (one pass; vectors are copied out). */
  *features(indexId: string, layer: string): Generator<{ photoId: number; vec: Float32Array }> {
    const it = this.db.prepare<[string, string], { photo_id: number; vec: Buffer }>('SELECT photo_id, vec FROM dataset_features WHERE index_id = ? AND layer = ? ORDER BY photo_id').iterate(indexId, layer);
    for (const r of it) yield { photoId: r.photo_id, vec: new Float32Array(new Uint8Array(r.vec).buffer) };
  }

  feature(indexId: string, layer: string, photoId: number): Float32Array | undefined {
    const r = this.db.prepare<[string, string, number], { vec: Buffer }>('SELECT vec FROM dataset_features WHERE index_id = ? AND layer = ? AND photo_id = ?').get(indexId, layer, photoId);
    return r ? new Float32Array(new Uint8Array(r.vec).buffer) : undefined;
  }

  /** Photos of an index marked indexed (for checks: each exactly once by the primary key). */
  indexedPhotoIds(indexId: string): number[] {
    return this.db.prepare<[string], { photo_id: number }>('SELECT photo_id FROM dataset_index_photos WHERE index_id = ? ORDER BY photo_id').all(indexId).map((r) => r.photo_id);
  }
}

/** The reason given to a file that left the folder (a rescan that finds it again makes it readable). */
export const VANISHED = 'vanished';
