// Project file schema and its migrations. `user_version` counts applied migrations; a file is ours when
// its `application_id` is FSCP. Each migration runs in one transaction, so a failed upgrade leaves the
// file exactly as it was. Append migrations; never edit one that has shipped. Documented in SCHEMA.md.
import type Database from 'better-sqlite3';

/** 'FSCP' as a 32-bit integer: SQLite's header field for "which application owns this file". */
export const APPLICATION_ID = 0x46534350;

export const MIGRATIONS: { version: number; why: string; sql: string }[] = [
  {
    version: 1,
    why: 'initial schema',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE models (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes BLOB,
        preprocess TEXT NOT NULL,
        labels TEXT,
        description TEXT NOT NULL,
        added_at TEXT NOT NULL
      );
      CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        bytes BLOB NOT NULL,
        added_at TEXT NOT NULL
      );
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        photo_id TEXT REFERENCES photos(id) ON DELETE CASCADE,
        settings TEXT NOT NULL,
        result TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        provider TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX runs_model ON runs(model_id);
      CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        mime TEXT NOT NULL,
        bytes BLOB NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX artifacts_run ON artifacts(run_id);
    `,
  },
  {
    version: 2,
    why: 'view state gets its own table (one JSON document per key) instead of living in meta',
    sql: `
      CREATE TABLE view_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO view_state(key, value) SELECT 'view', value FROM meta WHERE key = 'view';
      DELETE FROM meta WHERE key = 'view';
    `,
  },
  {
    version: 3,
    why: 'run records carry the version of their kind\'s settings/result schema (src/shared/jobs/runs.ts); rows written before are version 0',
    sql: `ALTER TABLE runs ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 4,
    why: 'datasets: folders of photos (referenced by path, not copied) and their indexes per model (store/dataset.ts)',
    sql: `
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        folder TEXT NOT NULL UNIQUE,
        added_at TEXT NOT NULL,
        scanned_at TEXT NOT NULL
      );
      CREATE TABLE dataset_photos (
        id INTEGER PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        unreadable TEXT,
        UNIQUE (dataset_id, path)
      );
      CREATE TABLE dataset_indexes (
        id TEXT PRIMARY KEY,
        dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        layers TEXT NOT NULL,
        k INTEGER NOT NULL,
        bins INTEGER NOT NULL,
        preprocess TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX dataset_indexes_of ON dataset_indexes(dataset_id, model_id);
      CREATE TABLE dataset_index_photos (
        index_id TEXT NOT NULL REFERENCES dataset_indexes(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES dataset_photos(id) ON DELETE CASCADE,
        PRIMARY KEY (index_id, photo_id)
      ) WITHOUT ROWID;
      CREATE TABLE dataset_layers (
        index_id TEXT NOT NULL REFERENCES dataset_indexes(id) ON DELETE CASCADE,
        layer TEXT NOT NULL,
        channels INTEGER NOT NULL,
        height INTEGER NOT NULL,
        width INTEGER NOT NULL,
        field TEXT NOT NULL,
        stats BLOB,
        PRIMARY KEY (index_id, layer)
      ) WITHOUT ROWID;
      CREATE TABLE dataset_features (
        index_id TEXT NOT NULL REFERENCES dataset_indexes(id) ON DELETE CASCADE,
        layer TEXT NOT NULL,
        photo_id INTEGER NOT NULL REFERENCES dataset_photos(id) ON DELETE CASCADE,
        vec BLOB NOT NULL,
        PRIMARY KEY (index_id, layer, photo_id)
      ) WITHOUT ROWID;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Bring `db` from its user_version up to `target` (default: newest), one transaction per step. */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
