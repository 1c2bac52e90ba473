/**
 * Numbered schema migrations. Append new ones; never edit one that has shipped, because
 * databases in the field have already recorded it as applied.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        root_path TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running','completed','cancelled','failed','interrupted')),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        files_seen INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0
      );

      CREATE TABLE import_rejections (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        relative_path TEXT NOT NULL,
        reason TEXT NOT NULL
      );
      CREATE INDEX import_rejections_by_import ON import_rejections(import_id);

      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        study_uid TEXT UNIQUE,
        patient_id TEXT,
        patient_name TEXT,
        patient_sex TEXT,
        patient_birth_date TEXT,
        accession_number TEXT,
        study_date TEXT,
        study_time TEXT,
        modality TEXT,
        body_part TEXT,
        description TEXT,
        label TEXT CHECK (label IN ('normal','pneumonia')),
        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','read','not_applicable')),
        status_reason TEXT,
        import_id INTEGER REFERENCES imports(id),
        imported_at TEXT NOT NULL,
        read_at TEXT
      );
      CREATE INDEX studies_by_imported_at ON studies(imported_at);

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        sop_instance_uid TEXT UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        file_name TEXT NOT NULL,
        source_path TEXT NOT NULL,
        stored_path TEXT NOT NULL,
        format TEXT NOT NULL CHECK (format IN ('png','jpeg','dicom')),
        width INTEGER NOT NULL CHECK (width > 0),
        height INTEGER NOT NULL CHECK (height > 0),
        byte_size INTEGER NOT NULL,
        dataset_split TEXT CHECK (dataset_split IN ('train','val','test')),
        view_position TEXT,
        thumbnail BLOB NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX images_by_study ON images(study_id);

      CREATE TABLE model_versions (
        id INTEGER PRIMARY KEY,
        task TEXT NOT NULL CHECK (task IN ('pneumonia','cifar10')),
        name TEXT NOT NULL,
        architecture TEXT NOT NULL,
        storage_path TEXT NOT NULL,
        metadata_json TEXT NOT NULL,
        threshold REAL CHECK (threshold >= 0 AND threshold <= 1),
        is_active INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0,1)),
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX one_active_model_per_task ON model_versions(task) WHERE is_active = 1;

      CREATE TABLE predictions (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        model_version_id INTEGER NOT NULL REFERENCES model_versions(id),
        probability REAL NOT NULL CHECK (probability >= 0 AND probability <= 1),
        threshold REAL NOT NULL CHECK (threshold >= 0 AND threshold <= 1),
        heatmap BLOB,
        created_at TEXT NOT NULL,
        UNIQUE (image_id, model_version_id)
      );

      CREATE TABLE training_runs (
        id INTEGER PRIMARY KEY,
        task TEXT NOT NULL CHECK (task IN ('pneumonia','cifar10')),
        status TEXT NOT NULL CHECK (status IN ('running','paused','completed','stopped','failed','interrupted')),
        config_json TEXT NOT NULL,
        history_json TEXT NOT NULL DEFAULT '[]',
        metrics_json TEXT,
        model_version_id INTEGER REFERENCES model_versions(id),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        error TEXT
      );

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity_type TEXT,
        entity_id TEXT,
        details_json TEXT
      );
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'dicom attributes',
    sql: `
      ALTER TABLE studies ADD COLUMN patient_age TEXT;
      ALTER TABLE studies ADD COLUMN institution TEXT;
      ALTER TABLE images ADD COLUMN series_instance_uid TEXT;
      ALTER TABLE images ADD COLUMN sop_class_uid TEXT;
      ALTER TABLE images ADD COLUMN transfer_syntax_uid TEXT;
      ALTER TABLE images ADD COLUMN photometric TEXT;
      ALTER TABLE images ADD COLUMN frame_count INTEGER;
      ALTER TABLE images ADD COLUMN manufacturer TEXT;
      ALTER TABLE images ADD COLUMN has_pixels INTEGER NOT NULL DEFAULT 1 CHECK (has_pixels IN (0,1));
      ALTER TABLE images ADD COLUMN not_applicable_reason TEXT;
    `,
  },
  {
    version: 3,
    name: 'training run backend',
    sql: `ALTER TABLE training_runs ADD COLUMN backend_json TEXT;`,
  },
  {
    version: 4,
    name: 'model activations',
    // Each switch of the active version, so it can be rolled back to the one before.
    sql: `
      CREATE TABLE model_activations (
        id INTEGER PRIMARY KEY,
        task TEXT NOT NULL CHECK (task IN ('pneumonia','cifar10')),
        model_version_id INTEGER NOT NULL REFERENCES model_versions(id),
        previous_version_id INTEGER REFERENCES model_versions(id),
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX model_activations_by_task ON model_activations(task, id);
    `,
  },
  {
    version: 5,
    name: 'prediction verdicts',
    // Each prediction carries the version's verdict on the image, decided once when it was scored;
    // a version that does not apply leaves no probability (the CHECK makes that a rule of the table).
    // Rows made before verdicts existed are kept as in scope only where the image was applicable.
    sql: `
      CREATE TABLE predictions_v5 (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        model_version_id INTEGER NOT NULL REFERENCES model_versions(id),
        verdict TEXT NOT NULL CHECK (verdict IN ('in_scope','outside_population','unusual_image','not_applicable')),
        verdict_reason TEXT,
        probability REAL CHECK (probability >= 0 AND probability <= 1),
        feature_distance REAL,
        threshold REAL NOT NULL CHECK (threshold >= 0 AND threshold <= 1),
        heatmap BLOB,
        created_at TEXT NOT NULL,
        UNIQUE (image_id, model_version_id),
        CHECK ((verdict = 'not_applicable') = (probability IS NULL))
      );
      INSERT INTO predictions_v5 (id, image_id, model_version_id, verdict, probability, threshold, heatmap, created_at)
        SELECT p.id, p.image_id, p.model_version_id, 'in_scope', p.probability, p.threshold, p.heatmap, p.created_at
        FROM predictions p JOIN images i ON i.id = p.image_id
        WHERE i.has_pixels = 1 AND i.not_applicable_reason IS NULL;
      DROP TABLE predictions;
      ALTER TABLE predictions_v5 RENAME TO predictions;
      CREATE INDEX predictions_by_version ON predictions(model_version_id, verdict);
    `,
  },
  {
    version: 6,
    name: 'dicom arrival spool',
    // Instances the DICOM node acknowledged but has not imported yet: a durable inbox, so the
    // answer to the sender does not wait for decoding, and a kill loses nothing acknowledged.
    sql: `
      CREATE TABLE dicom_spool (
        id INTEGER PRIMARY KEY,
        sop_instance_uid TEXT NOT NULL UNIQUE,
        import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        file_name TEXT NOT NULL,
        received_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'dicom results and their outbox',
    // Each result document is built once (its UIDs and bytes kept), so every attempt, and a resend
    // after a crash, sends the same instance. A newer result for a study gets the next revision and
    // names the one it supersedes; a secondary capture (the image with its heatmap and score) may go
    // beside a report that states a score. The outbox holds one row per document and destination.
    sql: `
      CREATE TABLE dicom_results (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL CHECK (revision >= 1),
        model_version_id INTEGER NOT NULL REFERENCES model_versions(id),
        content_key TEXT NOT NULL,
        series_instance_uid TEXT NOT NULL,
        sop_instance_uid TEXT NOT NULL UNIQUE,
        predecessor_id INTEGER REFERENCES dicom_results(id),
        assessed INTEGER NOT NULL CHECK (assessed IN (0,1)),
        kind TEXT NOT NULL DEFAULT 'sr' CHECK (kind IN ('sr','sc')),
        image_id INTEGER REFERENCES images(id) ON DELETE CASCADE,
        document BLOB NOT NULL,
        created_at TEXT NOT NULL,
        CHECK ((kind = 'sc') = (image_id IS NOT NULL))
      );
      -- One report per revision; beside it, at most one secondary capture per scored image.
      CREATE UNIQUE INDEX dicom_results_report ON dicom_results(study_id, revision) WHERE kind = 'sr';
      CREATE UNIQUE INDEX dicom_results_capture ON dicom_results(study_id, revision, image_id) WHERE kind = 'sc';
      CREATE TABLE dicom_outbox (
        id INTEGER PRIMARY KEY,
        result_id INTEGER NOT NULL REFERENCES dicom_results(id) ON DELETE CASCADE,
        ae_title TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        dicom_status INTEGER,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (result_id, ae_title, host, port)
      );
      CREATE INDEX dicom_outbox_due ON dicom_outbox(state, next_attempt_ms);
    `,
  },
];
