import { isIP } from 'node:net';
import type { AllowedPeer } from '@shared/ipc/dicom-node-contract';
import { archiveSettingsSchema, DEFAULT_ARCHIVE_SETTINGS, type ArchiveSettings } from '@shared/ipc/archive-contract';
import { AppError } from '@shared/ipc/errors';
import { invalidRequestMessage } from '@shared/ipc/request-issues';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';

const KEY = 'archives';

/**
 * The remote archives and the poll setting: one validated JSON value in the settings table, like the
 * DICOM node's. A stored value that no longer validates falls back to none (polling off).
 */
export class ArchiveSettingsRepository {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {}

  get(): ArchiveSettings {
    const raw = this.db.prepare('SELECT value_json FROM settings WHERE key = ?').pluck().get(KEY) as string | undefined;
    if (raw === undefined) return structuredClone(DEFAULT_ARCHIVE_SETTINGS);
    try {
      const parsed = archiveSettingsSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : structuredClone(DEFAULT_ARCHIVE_SETTINGS);
    } catch {
      return structuredClone(DEFAULT_ARCHIVE_SETTINGS);
    }
  }

  /** Validates the whole result (names unique, the polled archive exists) and audits what changed: addresses and names, no patient data. */
  update(changes: Partial<ArchiveSettings>): ArchiveSettings {
    const before = this.get();
    const parsed = archiveSettingsSchema.safeParse({ archives: changes.archives ?? before.archives, poll: changes.poll ?? before.poll });
    // Worded like a refused request, so the settings screen puts each complaint beside its field.
    if (!parsed.success) throw new AppError('INVALID_REQUEST', invalidRequestMessage('archive.settings.update', parsed.error.issues));
    const after = parsed.data;
    const changed = (['archives', 'poll'] as const).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    if (changed.length === 0) return after;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
        )
        .run(KEY, JSON.stringify(after), new Date().toISOString());
      this.audit.record('setting.changed', { type: 'setting', id: KEY }, {
        from: Object.fromEntries(changed.map((key) => [key, before[key]])),
        to: Object.fromEntries(changed.map((key) => [key, after[key]])),
      });
    })();
    return after;
  }
}

/** The archives that send to the node on a C-MOVE, as senders it lets in (those given by IP address: senders are matched on the address). */
export function moveSenders(settings: ArchiveSettings): AllowedPeer[] {
  return settings.archives.flatMap((archive) =>
    archive.kind === 'dimse' && archive.retrieve === 'c-move' && isIP(archive.host) !== 0 ? [{ aeTitle: archive.aeTitle, host: archive.host }] : [],
  );
}
