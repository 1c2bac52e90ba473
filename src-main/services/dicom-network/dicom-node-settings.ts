import {
  DEFAULT_DICOM_NODE_SETTINGS,
  dicomNodeSettingsSchema,
  type DicomNodeSettings,
} from '@shared/ipc/dicom-node-contract';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';

/** The row in the settings table; kept apart from the clinical settings, which have their own screen. */
const KEY = 'dicomNode';

/**
 * The DICOM node's settings, one validated JSON value in the settings table. A stored value that no
 * longer validates (an older or hand-edited database) falls back to the defaults, which keep the node off.
 */
export class DicomNodeSettingsRepository {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  get(): DicomNodeSettings {
    const raw = this.db.prepare('SELECT value_json FROM settings WHERE key = ?').pluck().get(KEY) as string | undefined;
    if (raw === undefined) return structuredClone(DEFAULT_DICOM_NODE_SETTINGS);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return structuredClone(DEFAULT_DICOM_NODE_SETTINGS);
    }
    const parsed = dicomNodeSettingsSchema.safeParse(value);
    return parsed.success ? parsed.data : structuredClone(DEFAULT_DICOM_NODE_SETTINGS);
  }

  /** Applies the changes, audits which fields changed (AE titles and addresses only: no patient data). */
  update(changes: Partial<DicomNodeSettings>): DicomNodeSettings {
    const before = this.get();
    const after = dicomNodeSettingsSchema.parse({ ...before, ...definedOnly(changes) });
    const changed = (Object.keys(after) as (keyof DicomNodeSettings)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    if (changed.length === 0) return after;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
        )
        .run(KEY, JSON.stringify(after), new Date().toISOString());
      const from = Object.fromEntries(changed.map((key) => [key, before[key]]));
      const to = Object.fromEntries(changed.map((key) => [key, after[key]]));
      this.audit.record('setting.changed', { type: 'setting', id: KEY }, { from, to });
    })();
    return after;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
