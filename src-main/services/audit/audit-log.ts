import { userInfo } from 'node:os';
import type { Db } from '../db/database';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  details: unknown;
}

/** Append-only record of what was done, by whom and when; the table refuses updates and deletes. */
export class AuditLog {
  private readonly insert;
  readonly actor: string;

  constructor(private readonly db: Db, actor = currentUser()) {
    this.actor = actor;
    this.insert = db.prepare(
      'INSERT INTO audit_log (at, actor, action, entity_type, entity_id, details_json) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  record(action: string, entity?: { type: string; id: string | number }, details?: unknown): void {
    this.insert.run(
      new Date().toISOString(),
      this.actor,
      action,
      entity?.type ?? null,
      entity ? String(entity.id) : null,
      details === undefined ? null : JSON.stringify(details),
    );
  }

  /** Newest first; `from`/`to` compare against the ISO timestamps, so a date (YYYY-MM-DD) works too. */
  recent(limit = 100, filter: { action?: string; from?: string; to?: string } = {}): AuditEntry[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM audit_log
         WHERE (@action IS NULL OR action = @action)
           AND (@from IS NULL OR at >= @from)
           AND (@to IS NULL OR at < @to)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({ action: filter.action ?? null, from: filter.from ?? null, to: filter.to ?? null, limit }) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as string,
      actor: r.actor as string,
      action: r.action as string,
      entityType: (r.entity_type as string | null) ?? null,
      entityId: (r.entity_id as string | null) ?? null,
      details: r.details_json ? JSON.parse(r.details_json as string) : null,
    }));
  }

  actions(): string[] {
    return this.db.prepare('SELECT DISTINCT action FROM audit_log ORDER BY action').pluck().all() as string[];
  }
}

function currentUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
