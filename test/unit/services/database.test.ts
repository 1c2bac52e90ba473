import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appliedMigrations, openDatabase, type Db } from '../../../src-main/services/db/database';
import { MIGRATIONS } from '../../../src-main/services/db/migrations';
import { AuditLog } from '../../../src-main/services/audit/audit-log';
import { tempDir } from '../../support/fixtures';

let db: Db | null = null;
afterEach(() => db?.close());

async function freshDb(): Promise<{ db: Db; file: string }> {
  const file = path.join(await tempDir(), 'test.sqlite');
  db = openDatabase(file);
  return { db, file };
}

describe('study database', () => {
  it('records every migration, in WAL mode with foreign keys on', async () => {
    const { db } = await freshDb();
    expect(appliedMigrations(db).map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    for (const table of ['studies', 'images', 'predictions', 'model_versions', 'training_runs', 'settings', 'audit_log', 'imports']) {
      expect(tables).toContain(table);
    }
  });

  it('applies migrations once: reopening changes nothing', async () => {
    const { db: first, file } = await freshDb();
    first.close();
    db = openDatabase(file);
    expect(appliedMigrations(db)).toHaveLength(MIGRATIONS.length);
  });

  it('applies a later migration to an existing database', async () => {
    const { db: first, file } = await freshDb();
    first.close();
    db = openDatabase(file, [...MIGRATIONS, { version: 99, name: 'add notes', sql: 'ALTER TABLE studies ADD COLUMN notes TEXT' }]);
    expect(appliedMigrations(db).at(-1)).toEqual({ version: 99, name: 'add notes' });
    const columns = db.prepare('PRAGMA table_info(studies)').all() as { name: string }[];
    expect(columns.map((c) => c.name)).toContain('notes');
  });

  it('rolls back a failing migration whole and records nothing for it', async () => {
    const { db: first, file } = await freshDb();
    first.close();
    const next = Math.max(...MIGRATIONS.map((m) => m.version)) + 1;
    const broken = { version: next, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;' };
    expect(() => openDatabase(file, [...MIGRATIONS, broken])).toThrow();
    db = openDatabase(file);
    expect(appliedMigrations(db).map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
  });

  it('refuses a database written by a newer version', async () => {
    const { db: first, file } = await freshDb();
    first.prepare("INSERT INTO schema_migrations VALUES (500, 'future', '2030-01-01')").run();
    first.close();
    db = null;
    expect(() => openDatabase(file)).toThrow(/newer version of CXR Triage/);
  });

  it('enforces foreign keys: a prediction for a missing image is refused', async () => {
    const { db } = await freshDb();
    expect(() =>
      db
        .prepare("INSERT INTO predictions (image_id, model_version_id, verdict, probability, threshold, created_at) VALUES (42, 7, 'in_scope', 0.5, 0.3, 'now')")
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('keeps one active model version per task', async () => {
    const { db } = await freshDb();
    const insert = db.prepare(
      "INSERT INTO model_versions (task, name, architecture, storage_path, metadata_json, is_active, created_at) VALUES ('pneumonia', ?, 'mobilenetv2', 'x', '{}', 1, 'now')",
    );
    insert.run('v1');
    expect(() => insert.run('v2')).toThrow(/UNIQUE/);
  });

  it('keeps the audit log append-only', async () => {
    const { db } = await freshDb();
    const audit = new AuditLog(db, 'dr-test');
    audit.record('threshold.changed', { type: 'model', id: 3 }, { from: 0.3, to: 0.25 });
    expect(audit.recent()[0]).toMatchObject({ actor: 'dr-test', action: 'threshold.changed', entityId: '3', details: { from: 0.3, to: 0.25 } });
    expect(() => db.prepare("UPDATE audit_log SET action = 'nothing'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(audit.recent()).toHaveLength(1);
  });
});
