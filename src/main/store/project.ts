// A Featurescope project is ONE SQLite file. This class is the only code that reads or writes it:
// statements are prepared once, every write is one transaction, and `close()` checkpoints the WAL so
// the single file carries everything (copy it anywhere, open the copy).
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type {
  ModelDescription, ModelRecord, PhotoRecord, Preprocess, ProjectState, ExecutionProviderName,
} from '../../shared/contract';
import { checkNewRun, decodeRun, isRunKind, RUN_KINDS, RunDecodeError, type NewRun, type RunRecord } from '../../shared/jobs/runs';
import { decodeUnfinishedRun, isUnfinishedStatus, type RunCheckpoint, type RunOwner, type UnfinishedRun } from '../../shared/jobs/runs';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from './schema';
import { EngineError } from '../../shared/errors';
import { checkProjectFile, ProjectError } from './check-file';

export const PROJECT_EXTENSION = '.fscope';

// Opening refuses FIFOs, devices, empty, foreign, newer and damaged files without touching them: check-file.ts.
export { ProjectError, type ProjectErrorCode } from './check-file';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export interface NewArtifact { name: string; mime: string; bytes: Uint8Array }

const now = () => new Date().toISOString();
const json = (v: unknown) => JSON.stringify(v);

export class ProjectStore {
  private readonly st;

  private constructor(public readonly path: string, private readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    this.st = {
      metaGet: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      metaSet: db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      models: db.prepare('SELECT id, name, path, sha256, bytes IS NOT NULL AS embedded, preprocess, labels, description, added_at FROM models ORDER BY added_at, rowid'),
      model: db.prepare('SELECT id, name, path, sha256, bytes IS NOT NULL AS embedded, preprocess, labels, description, added_at FROM models WHERE id = ?'),
      modelBytes: db.prepare<[string], { bytes: Buffer | null }>('SELECT bytes FROM models WHERE id = ?'),
      modelInsert: db.prepare('INSERT INTO models(id, name, path, sha256, bytes, preprocess, labels, description, added_at) VALUES (@id, @name, @path, @sha256, @bytes, @preprocess, @labels, @description, @added_at)'),
      modelPre: db.prepare('UPDATE models SET preprocess = ? WHERE id = ?'),
      modelLabels: db.prepare('UPDATE models SET labels = ? WHERE id = ?'),
      modelDesc: db.prepare('UPDATE models SET description = ? WHERE id = ?'),
      modelDelete: db.prepare('DELETE FROM models WHERE id = ?'),
      photos: db.prepare('SELECT id, name, mime, width, height, sha256, added_at FROM photos ORDER BY added_at, rowid'),
      photo: db.prepare('SELECT id, name, mime, width, height, sha256, added_at FROM photos WHERE id = ?'),
      photoBytes: db.prepare<[string], { bytes: Buffer }>('SELECT bytes FROM photos WHERE id = ?'),
      photoInsert: db.prepare('INSERT INTO photos(id, name, mime, width, height, sha256, bytes, added_at) VALUES (@id, @name, @mime, @width, @height, @sha256, @bytes, @added_at)'),
      photoDelete: db.prepare('DELETE FROM photos WHERE id = ?'),
      runs: db.prepare('SELECT * FROM runs ORDER BY created_at, rowid'),
      run: db.prepare('SELECT * FROM runs WHERE id = ?'),
      runInsert: db.prepare('INSERT INTO runs(id, kind, schema_version, model_id, photo_id, settings, result, status, error, provider, duration_ms, created_at) VALUES (@id, @kind, @schema_version, @model_id, @photo_id, @settings, @result, @status, @error, @provider, @duration_ms, @created_at)'),
      runDelete: db.prepare('DELETE FROM runs WHERE id = ?'),
      artifactsOf: db.prepare<[string], { id: string; name: string; mime: string }>('SELECT id, name, mime FROM artifacts WHERE run_id = ? ORDER BY rowid'),
      artifact: db.prepare<[string], { id: string; run_id: string; name: string; mime: string; bytes: Buffer }>('SELECT * FROM artifacts WHERE id = ?'),
      artifactInsert: db.prepare('INSERT INTO artifacts(id, run_id, name, mime, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      viewGet: db.prepare<[], { value: string }>("SELECT value FROM view_state WHERE key = 'view'"),
      viewSet: db.prepare("INSERT INTO view_state(key, value) VALUES ('view', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    };
  }

  /** Create a new project file. Refuses to overwrite anything that exists. */
  static create(file: string, name?: string): ProjectStore {
    const abs = path.resolve(file);
    if (fs.existsSync(abs)) {
      throw new ProjectError('exists', `${abs} already exists; open it instead, or choose a new file name.`);
    }
    if (!fs.existsSync(path.dirname(abs))) {
      throw new ProjectError('not-found', `Cannot create ${abs}: the folder ${path.dirname(abs)} does not exist.`);
    }
    const db = new Database(abs);
    try {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      const store = new ProjectStore(abs, db);
      store.db.transaction(() => {
        store.st.metaSet.run('name', name ?? path.basename(abs, path.extname(abs)));
        store.st.metaSet.run('createdAt', now());
      })();
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Open an existing project, migrating it to the current schema. */
  static open(file: string): ProjectStore {
    const abs = path.resolve(file);
    checkProjectFile(abs, APPLICATION_ID, SCHEMA_VERSION);
    const db = new Database(abs, { fileMustExist: true });
    try {
      return new ProjectStore(abs, db);
    } catch (e) {
      // a migration that fails must not leave the file open (nor become the open project)
      db.close();
      throw e;
    }
  }

  /** Fold the WAL back into the main file and close, so the one file is the whole project. */
  close(): void {
    if (!this.db.open) return;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  get name(): string {
    return this.st.metaGet.get('name')?.value ?? path.basename(this.path);
  }

  // ---- read ---------------------------------------------------------------------------------------

  state(): ProjectState {
    const runs: RunRecord[] = [];
    const unreadableRuns: NonNullable<ProjectState['unreadableRuns']> = [];
    const unfinishedRuns: UnfinishedRun[] = [];
    for (const row of this.st.runs.all() as RunRow[]) {
      // A row this version cannot read stays in the file untouched (a newer Featurescope may read it) and is listed.
      try {
        if (isUnfinishedStatus(row.status)) unfinishedRuns.push(this.toUnfinished(row));
        else runs.push(this.toRun(row));
      } catch (e) {
        if (!(e instanceof RunDecodeError)) throw e;
        unreadableRuns.push({ id: row.id, kind: row.kind, reason: e.message });
      }
    }
    return {
      path: this.path,
      name: this.name,
      models: (this.st.models.all() as ModelRow[]).map(toModel),
      photos: (this.st.photos.all() as PhotoRow[]).map(toPhoto),
      runs,
      ...(unreadableRuns.length ? { unreadableRuns } : {}),
      ...(unfinishedRuns.length ? { unfinishedRuns } : {}),
      view: this.view(),
    };
  }

  view(): Record<string, unknown> {
    const row = this.st.viewGet.get();
    return row ? (JSON.parse(row.value) as Record<string, unknown>) : {};
  }

  model(id: string): ModelRecord {
    const row = this.st.model.get(id) as ModelRow | undefined;
    if (!row) throw new ProjectError('no-such-item', `No model with id "${id}" in this project.`);
    return toModel(row);
  }

  /** The embedded model bytes, or null when the model was added by path only. */
  modelBytes(id: string): Uint8Array | null {
    this.model(id);
    return this.st.modelBytes.get(id)?.bytes ?? null;
  }

  photo(id: string): PhotoRecord {
    const row = this.st.photo.get(id) as PhotoRow | undefined;
    if (!row) throw new ProjectError('no-such-item', `No photo with id "${id}" in this project.`);
    return toPhoto(row);
  }

  photoBytes(id: string): Uint8Array {
    const row = this.st.photoBytes.get(id);
    if (!row) throw new ProjectError('no-such-item', `No photo with id "${id}" in this project.`);
    return row.bytes;
  }

  run(id: string): RunRecord {
    const row = this.st.run.get(id) as RunRow | undefined;
    if (!row) throw new ProjectError('no-such-item', `No run with id "${id}" in this project.`);
    return this.toRun(row);
  }

  artifact(id: string): { id: string; runId: string; name: string; mime: string; bytes: Uint8Array } {
    const row = this.st.artifact.get(id);
    if (!row) throw new ProjectError('no-such-item', `No artifact with id "${id}" in this project.`);
    return { id: row.id, runId: row.run_id, name: row.name, mime: row.mime, bytes: row.bytes };
  }

  // ---- write (one transaction each) ----------------------------------------------------------------

  addModel(m: Omit<ModelRecord, 'id' | 'addedAt' | 'embedded'>, bytes: Uint8Array | null): ModelRecord {
    const id = newId('m');
    this.st.modelInsert.run({
      id, name: m.name, path: m.path, sha256: m.sha256, bytes: bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null,
      preprocess: json(m.preprocess), labels: m.labels ? json(m.labels) : null, description: json(m.description), added_at: now(),
    });
    return this.model(id);
  }

  setModelPreprocess(id: string, p: Preprocess): ModelRecord {
    this.model(id);
    this.st.modelPre.run(json(p), id);
    return this.model(id);
  }

  setModelLabels(id: string, labels: string[] | null): ModelRecord {
    this.model(id);
    this.st.modelLabels.run(labels ? json(labels) : null, id);
    return this.model(id);
  }

  /** Stores the model's bytes in the project (it then travels without its original file). */
  embedModel(id: string, bytes: Uint8Array): ModelRecord {
    this.model(id);
    this.db.prepare('UPDATE models SET bytes = ? WHERE id = ?').run(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), id);
    return this.model(id);
  }

  setModelDescription(id: string, d: ModelDescription): ModelRecord {
    this.model(id);
    this.st.modelDesc.run(json(d), id);
    return this.model(id);
  }

  /** Removes the model and (by foreign key) its runs and their artifacts. */
  removeModel(id: string, seenRunIds?: string[]): void {
    const m = this.model(id);
    // checked inside the delete's transaction: no other connection can add a run in between
    this.db.transaction(() => {
      this.checkSeenRuns('model_id', id, m.name, seenRunIds);
      this.st.modelDelete.run(id);
    }).immediate();
  }

  addPhoto(p: Omit<PhotoRecord, 'id' | 'addedAt'>, bytes: Uint8Array): PhotoRecord {
    const id = newId('p');
    this.st.photoInsert.run({ ...p, id, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), added_at: now() });
    return this.photo(id);
  }

  removePhoto(id: string, seenRunIds?: string[]): void {
    const p = this.photo(id);
    this.db.transaction(() => {
      this.checkSeenRuns('photo_id', id, p.name, seenRunIds);
      this.st.photoDelete.run(id);
    }).immediate();
  }

  /** Stores a finished run and its artifacts in one transaction; the record is checked against its kind's schema first. */
  addRun<K extends RunRecord['kind']>(r: NewRun<K>, artifacts: NewArtifact[] = []): Extract<RunRecord, { kind: K }> {
    checkNewRun(r);
    const id = newId('r');
    const created = now();
    this.db.transaction(() => {
      this.st.runInsert.run({
        id, kind: r.kind, schema_version: RUN_KINDS[r.kind].version, model_id: r.modelId, photo_id: r.photoId ?? null, settings: json(r.settings), result: json(r.result),
        status: r.status, error: r.error ?? null, provider: r.provider, duration_ms: r.durationMs, created_at: created,
      });
      for (const a of artifacts) {
        this.st.artifactInsert.run(newId('a'), id, a.name, a.mime, Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength), created);
      }
    })();
    return this.run(id) as Extract<RunRecord, { kind: K }>;
  }

  removeRun(id: string): void {
    // an unfinished row (interrupted, failed) can be discarded too: only its existence is checked
    if (!this.st.run.get(id)) throw new ProjectError('no-such-item', `No run with id "${id}" in this project.`);
    this.db.transaction(() => this.st.runDelete.run(id))();
  }

  // ---- two windows / servers on one project --------------------------------------------------------

  /**
   * Refuses a delete that would cascade into runs the person has not seen: `seen` lists the runs of the
   * model or photo their window showed; any other (made since in another window or server, or still
   * running there) makes the delete throw 'unseen-runs'. No `seen` (the CLI): no check.
   */
  checkSeenRuns(column: 'model_id' | 'photo_id', itemId: string, itemName: string, seen: string[] | undefined): void {
    if (!seen) return;
    const known = new Set(seen);
    const rows = this.db.prepare(`SELECT id, kind, status FROM runs WHERE ${column} = ?`).all(itemId) as { id: string; kind: string; status: string }[];
    const unseen = rows.filter((r) => !known.has(r.id));
    if (!unseen.length) return;
    const running = unseen.filter((r) => r.status === 'running' || r.status === 'queued').length;
    throw new EngineError('unseen-runs',
      `${itemName} was not deleted: it has ${unseen.length} run${unseen.length === 1 ? '' : 's'} this window has not shown yet (${unseen.map((r) => r.kind).join(', ')}${running ? `; ${running} still running` : ''}), made in another window or server. They would be deleted with it. Look at them first, then delete again.`);
  }

  /**
   * The first answer to a write carrying a client request id, when this project already applied it (a
   * retry after a lost answer or a crash gets that answer instead of a second write). Kept in `meta`.
   */
  requestAnswer(rid: string): { channel: string; result?: unknown } | undefined {
    const row = this.st.metaGet.get(`request:${rid}`);
    return row ? (JSON.parse(row.value) as { channel: string; result?: unknown }) : undefined;
  }

  /** Remembers a write's answer under its request id; keeps the newest `keep`. Answers over 4 MB are remembered without the result. */
  rememberRequest(rid: string, channel: string, result: unknown, keep = 200): void {
    let value = json({ channel, at: now(), result });
    if (value.length > 4 * 1024 * 1024) value = json({ channel, at: now() });
    this.db.transaction(() => {
      this.st.metaSet.run(`request:${rid}`, value);
      this.db.prepare("DELETE FROM meta WHERE key IN (SELECT key FROM meta WHERE key LIKE 'request:%' ORDER BY rowid DESC LIMIT -1 OFFSET ?)").run(keep);
    })();
  }

  /** SQLite's data_version: changes when ANOTHER connection (window, server, CLI) commits to this file. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Calls `onChange` (at most once per `everyMs`) after another connection wrote to the project. Polling
   * data_version is the cheap, portable way: SQLite has no cross-process change notification. Stops on close.
   */
  watchOthers(onChange: () => void, everyMs = 1000): () => void {
    let last = this.dataVersion();
    const timer = setInterval(() => {
      if (!this.db.open) return clearInterval(timer);
      const v = this.dataVersion();
      if (v !== last) {
        last = v;
        onChange();
      }
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  saveView(view: Record<string, unknown>): void {
    this.st.viewSet.run(json(view));
  }

  // ---- unfinished runs: crash recovery ([Note: unfinished runs] in src/shared/jobs/runs.ts) -------------

  /**
   * A job starts: its row, status 'running' (or 'queued' while it waits behind another job: runStarted
   * makes it 'running'), holding the spec; the same row later becomes its typed run.
   */
  beginRun(spec: { kind: string; modelId: string; photoId?: string | undefined } & Record<string, unknown>, owner: RunOwner, provider: ExecutionProviderName, title?: string, status: 'running' | 'queued' = 'running'): string {
    const id = newId('r');
    const checkpoint: RunCheckpoint = { owner, fraction: 0, at: now(), resumes: 0, ...(title ? { title } : {}) };
    this.st.runInsert.run({
      id, kind: spec.kind, schema_version: isRunKind(spec.kind) ? RUN_KINDS[spec.kind].version : 0, model_id: spec.modelId, photo_id: spec.photoId ?? null,
      settings: json(spec), result: json(checkpoint), status, error: null, provider, duration_ms: 0, created_at: now(),
    });
    return id;
  }

  /** A queued job's row: it starts now. Returns false when the row is gone or was not queued. */
  runStarted(id: string): boolean {
    return this.db.prepare("UPDATE runs SET status = 'running' WHERE id = ? AND status = 'queued'").run(id).changes > 0;
  }

  /** An unfinished row by id (throws no-such-item, or RunDecodeError when the row is finished or unreadable). */
  unfinishedRun(id: string): UnfinishedRun {
    const row = this.st.run.get(id) as RunRow | undefined;
    if (!row) throw new ProjectError('no-such-item', `No run with id "${id}" in this project.`);
    if (!isUnfinishedStatus(row.status)) throw new EngineError('not-unfinished', `Run ${id} is ${row.status}; only interrupted or failed runs can be resumed.`);
    return this.toUnfinished(row);
  }

  /**
   * Progress of a running job: fraction and message, and the last preview frame (kept as the run's one
   * 'checkpoint' artifact, replacing the previous one). One transaction; the runtime bounds how often.
   * Returns false when the row is gone (its model or photo was removed meanwhile) or no longer running.
   */
  checkpointRun(id: string, p: { fraction: number; message?: string | undefined; durationMs: number }, frame?: { mime: string; bytes: Uint8Array }): boolean {
    return this.db.transaction(() => {
      const row = this.st.run.get(id) as RunRow | undefined;
      if (!row || row.status !== 'running') return false;
      const c = this.toUnfinished(row).checkpoint;
      const next: RunCheckpoint = { ...c, fraction: Math.max(0, Math.min(1, p.fraction)), at: now(), ...(p.message !== undefined ? { message: p.message } : {}) };
      this.db.prepare('UPDATE runs SET result = ?, duration_ms = ? WHERE id = ?').run(json(next), p.durationMs, id);
      if (frame) {
        this.db.prepare("DELETE FROM artifacts WHERE run_id = ? AND name = 'checkpoint'").run(id);
        this.st.artifactInsert.run(newId('a'), id, 'checkpoint', frame.mime, Buffer.from(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.byteLength), now());
      }
      return true;
    })();
  }

  /**
   * A sweep's finished item (a stylized photo), kept in its running row at once under `name` (replacing one
   * of that name), so Resume skips it. Returns false when the row is gone or no longer running.
   */
  keepRunItem(id: string, name: string, item: { mime: string; bytes: Uint8Array }): boolean {
    if (name === 'checkpoint') throw new Error("keepRunItem: 'checkpoint' is the run's frame, not an item");
    return this.db.transaction(() => {
      const row = this.st.run.get(id) as RunRow | undefined;
      if (!row || row.status !== 'running') return false;
      this.db.prepare('DELETE FROM artifacts WHERE run_id = ? AND name = ?').run(id, name);
      this.st.artifactInsert.run(newId('a'), id, name, item.mime, Buffer.from(item.bytes.buffer, item.bytes.byteOffset, item.bytes.byteLength), now());
      return true;
    })();
  }

  /**
   * The job ended with a result: its row becomes the typed run (checked first, like addRun), the checkpoint
   * frame gives way to the run's own artifacts. A row removed meanwhile (its photo was deleted) is not
   * brought back: the run is then added as a new row only if its model and photo still exist.
   */
  finishRun<K extends RunRecord['kind']>(id: string, r: NewRun<K>, artifacts: NewArtifact[] = []): Extract<RunRecord, { kind: K }> | undefined {
    checkNewRun(r);
    const done = this.db.transaction(() => {
      const row = this.st.run.get(id) as RunRow | undefined;
      if (!row || !isUnfinishedStatus(row.status)) return false;
      this.db.prepare('UPDATE runs SET kind = ?, schema_version = ?, model_id = ?, photo_id = ?, settings = ?, result = ?, status = ?, error = ?, provider = ?, duration_ms = ? WHERE id = ?')
        .run(r.kind, RUN_KINDS[r.kind].version, r.modelId, r.photoId ?? null, json(r.settings), json(r.result), r.status, r.error ?? null, r.provider, r.durationMs, id);
      this.db.prepare('DELETE FROM artifacts WHERE run_id = ?').run(id);
      const at = now();
      for (const a of artifacts) this.st.artifactInsert.run(newId('a'), id, a.name, a.mime, Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength), at);
      return true;
    })();
    return done ? (this.run(id) as Extract<RunRecord, { kind: K }>) : undefined;
  }

  /** The job failed: the row says so and keeps its last frame (Resume starts it again). */
  failRun(id: string, error: string, durationMs: number): void {
    this.db.prepare("UPDATE runs SET status = 'failed', error = ?, duration_ms = ? WHERE id = ? AND status IN ('running', 'interrupted', 'failed', 'queued')").run(error, durationMs, id);
  }

  /** The job ended with nothing to keep (cancelled before its first frame): its row goes. */
  dropRun(id: string): void {
    this.db.prepare("DELETE FROM runs WHERE id = ? AND status IN ('running', 'interrupted', 'failed', 'queued')").run(id);
  }

  /** An interrupted or failed row runs again under `owner` (Resume): status 'running' (or 'queued'), the resume counted. */
  restartRun(id: string, owner: RunOwner, status: 'running' | 'queued' = 'running'): UnfinishedRun {
    return this.db.transaction(() => {
      const u = this.unfinishedRun(id);
      if (u.status === 'running' || u.status === 'queued') throw new EngineError('not-interrupted', `Run ${id} is still ${u.status}.`);
      const c: RunCheckpoint = { ...u.checkpoint, owner, at: now(), resumes: u.checkpoint.resumes + 1 };
      this.db.prepare('UPDATE runs SET status = ?, error = NULL, result = ? WHERE id = ?').run(status, json(c), id);
      return this.unfinishedRun(id);
    })();
  }

  /**
   * Rows left 'running' by an engine that is gone become 'interrupted' (their checkpoint and frame stay).
   * `alive` decides per owner: the runtime knows its own jobs, and another engine on this machine by its pid.
   * Returns the ids it interrupted.
   */
  interruptDeadRuns(alive: (owner: RunOwner, runId: string) => boolean): string[] {
    const rows = this.db.prepare("SELECT * FROM runs WHERE status IN ('running', 'queued')").all() as RunRow[];
    const dead: string[] = [];
    for (const row of rows) {
      let owner: RunOwner | undefined;
      try {
        owner = this.toUnfinished(row).checkpoint.owner;
      } catch {
        owner = undefined; // an unreadable checkpoint has no engine to wait for
      }
      if (!owner || !alive(owner, row.id)) dead.push(row.id);
    }
    if (dead.length) {
      const st = this.db.prepare("UPDATE runs SET status = 'interrupted', error = CASE status WHEN 'queued' THEN 'The engine stopped while this job waited its turn.' ELSE 'The engine stopped while this job ran.' END WHERE id = ? AND status IN ('running', 'queued')");
      this.db.transaction(() => { for (const id of dead) st.run(id); })();
    }
    return dead;
  }

  private toUnfinished(r: RunRow): UnfinishedRun {
    if (!isRunKind(r.kind)) throw new RunDecodeError(`run kind "${r.kind}" is not known to this Featurescope`);
    if (!isUnfinishedStatus(r.status)) throw new RunDecodeError(`${r.kind} run ${r.id} is ${r.status}, not unfinished`);
    let docs: { settings: unknown; result: unknown };
    try {
      docs = { settings: JSON.parse(r.settings), result: JSON.parse(r.result) };
    } catch (e) {
      throw new RunDecodeError(`${r.kind} run ${r.id}: its stored JSON is damaged (${(e as Error).message})`);
    }
    const u: UnfinishedRun = {
      id: r.id, kind: r.kind, status: r.status, modelId: r.model_id, ...decodeUnfinishedRun(r.kind, docs.settings, docs.result),
      artifacts: this.st.artifactsOf.all(r.id), createdAt: r.created_at,
    };
    if (r.photo_id) u.photoId = r.photo_id;
    if (r.error) u.error = r.error;
    return u;
  }

  /** A row → its typed record (upgraded from older record versions, validated). Throws RunDecodeError. */
  private toRun(r: RunRow): RunRecord {
    if (isUnfinishedStatus(r.status)) throw new RunDecodeError(`${r.kind} run ${r.id} is ${r.status}: it has no result yet`);
    if (!isRunKind(r.kind)) throw new RunDecodeError(`run kind "${r.kind}" is not known to this Featurescope`);
    let docs: { settings: unknown; result: unknown };
    try {
      docs = { settings: JSON.parse(r.settings), result: JSON.parse(r.result) };
    } catch (e) {
      throw new RunDecodeError(`${r.kind} run ${r.id}: its stored JSON is damaged (${(e as Error).message})`);
    }
    const typed = decodeRun(r.kind, r.schema_version, docs.settings, docs.result);
    // kind, settings and result belong together: decodeRun checked them as one kind
    const rec = {
      id: r.id, kind: r.kind, modelId: r.model_id, ...typed,
      artifacts: this.st.artifactsOf.all(r.id), status: r.status as RunRecord['status'], createdAt: r.created_at,
      provider: r.provider as ExecutionProviderName, durationMs: r.duration_ms,
    } as RunRecord;
    if (r.photo_id) rec.photoId = r.photo_id;
    if (r.error) rec.error = r.error;
    return rec;
  }
}

interface ModelRow { id: string; name: string; path: string; sha256: string; embedded: number; preprocess: string; labels: string | null; description: string; added_at: string }
interface PhotoRow { id: string; name: string; mime: string; width: number; height: number; sha256: string; added_at: string }
interface RunRow { id: string; kind: string; schema_version: number; model_id: string; photo_id: string | null; settings: string; result: string; status: string; error: string | null; provider: string; duration_ms: number; created_at: string }

function toModel(r: ModelRow): ModelRecord {
  const rec: ModelRecord = {
    id: r.id, name: r.name, path: r.path, sha256: r.sha256, embedded: !!r.embedded, addedAt: r.added_at,
    description: JSON.parse(r.description), preprocess: JSON.parse(r.preprocess),
  };
  if (r.labels) rec.labels = JSON.parse(r.labels);
  return rec;
}

function toPhoto(r: PhotoRow): PhotoRecord {
  return { id: r.id, name: r.name, mime: r.mime, width: r.width, height: r.height, sha256: r.sha256, addedAt: r.added_at };
}
