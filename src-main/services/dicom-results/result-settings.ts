import { DEFAULT_RESULT_SETTINGS, resultSettingsSchema, type ResultSettings } from '@shared/ipc/results-contract';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';

const KEY = 'dicomResults';

/**
 * Where results go and how they are named, one validated JSON value in the settings table. A stored
 * value that no longer validates falls back to the defaults: no destination, nothing sent.
 */
export class ResultSettingsRepository {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  get(): ResultSettings {
    const raw = this.db.prepare('SELECT value_json FROM settings WHERE key = ?').pluck().get(KEY) as string | undefined;
    if (raw === undefined) return structuredClone(DEFAULT_RESULT_SETTINGS);
    try {
      const parsed = resultSettingsSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : structuredClone(DEFAULT_RESULT_SETTINGS);
    } catch {
      return structuredClone(DEFAULT_RESULT_SETTINGS);
    }
  }

  /** Applies the changes and audits which fields changed (AE titles, addresses, a UID root: no patient data). */
  update(changes: Partial<ResultSettings>): ResultSettings {
    const before = this.get();
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const after = resultSettingsSchema.parse({ ...before, ...defined });
    const changed = (Object.keys(after) as (keyof ResultSettings)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    if (changed.length === 0) return after;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
        )
        .run(KEY, JSON.stringify(after), new Date().toISOString());
      this.audit.record('setting.changed', { type: 'setting', id: KEY }, { from: pick(before, changed), to: pick(after, changed) });
    })();
    return after;
  }
}

function pick(settings: ResultSettings, keys: (keyof ResultSettings)[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, settings[key]]));
}
