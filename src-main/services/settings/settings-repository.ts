import { settingsSchema, type Settings } from '@shared/ipc/contract';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';

export const DEFAULT_SETTINGS: Settings = { agingLimitMinutes: 120, sitePrevalencePercent: null };

/** Clinical settings, one row per key; every change is audited with its old and new value. */
export class SettingsRepository {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value_json FROM settings').all() as { key: string; value_json: string }[];
    const stored = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value_json) as unknown]));
    const parsed = settingsSchema.partial().safeParse(stored);
    return { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
  }

  update(changes: Partial<Settings>): Settings {
    const before = this.get();
    const upsert = this.db.prepare(
      `INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
    );
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(changes) as [keyof Settings, Settings[keyof Settings]][]) {
        if (value === undefined || before[key] === value) continue;
        upsert.run(key, JSON.stringify(value), new Date().toISOString());
        this.audit.record('setting.changed', { type: 'setting', id: key }, { from: before[key], to: value });
      }
    }).immediate();
    return this.get();
  }
}
