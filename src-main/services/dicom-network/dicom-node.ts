import net, { type Socket } from 'node:net';
import type { AllowedPeer, DicomNodeSettings, DicomNodeStatus, DicomPeer } from '@shared/ipc/dicom-node-contract';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';
import { readableTransferSyntaxUids } from '../imaging/dicom/transfer-syntaxes';
import type { ImportRepository } from '../imports/import-repository';
import { MAX_FILE_BYTES } from '../imports/import-service';
import type { JobRunner } from '../jobs/job-runner';
import type { ArrivalSpool } from './arrival-spool';
import { AssociationArrivals } from './association-arrivals';
import { ArrivalBatcher } from './arrival-batcher';
import type { DicomNodeSettingsRepository } from './dicom-node-settings';
import { echoPeer } from './echo-scu';
import { StorageScp, type AssociationSummary } from './storage-scp';

export interface DicomNodeDeps {
  db: Db;
  imports: ImportRepository;
  /** Where received instances wait for the import pipeline (and, after a kill, for the next start). */
  spool: ArrivalSpool;
  settings: DicomNodeSettingsRepository;
  audit: AuditLog;
  jobs: JobRunner;
  /** Scores what arrived with the active version (ScoringService.start). */
  score: () => void;
  /** Senders let in beside the configured ones: the archives this node retrieves from by C-MOVE. */
  extraSenders?: () => AllowedPeer[];
}

export interface DicomNodeOptions {
  /** A connection that completes no PDU for this long is closed. */
  idleMs?: number;
  /** Connections beyond this are closed at once, so a flood cannot exhaust the process. */
  maxConnections?: number;
  arrivalQuietMs?: number;
}

type Listening = { settings: DicomNodeSettings; server: net.Server };

/**
 * The DICOM node: a storage SCP on a TCP port that feeds received chest X-rays into the same
 * import pipeline as a folder, announces arrivals and has the active version score them.
 * One per data folder, started by openAppServices when enabled and by `cli listen`.
 */
export class DicomNode {
  private listening: Listening | null = null;
  private state: DicomNodeStatus['state'] = 'off';
  private reason: string | null = null;
  private attempted: DicomNodeSettings;
  private readonly connections = new Map<Socket, StorageScp>();
  private readonly associationListeners = new Set<(summary: AssociationSummary) => void>();
  private readonly batcher: ArrivalBatcher;
  private readonly readable = new Set(readableTransferSyntaxUids());
  private instancesReceived = 0;
  /** Starts and stops run one after another, so a close during a start cannot leave a socket open. */
  private transitions: Promise<unknown> = Promise.resolve();
  private readonly idleMs: number;
  private readonly maxConnections: number;

  constructor(
    private readonly deps: DicomNodeDeps,
    options: DicomNodeOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 60_000;
    this.maxConnections = options.maxConnections ?? 256;
    this.attempted = deps.settings.get();
    this.batcher = new ArrivalBatcher((studyIds, count) => this.announce(studyIds, count), options.arrivalQuietMs);
    // Imported from the spool, including what a killed run left: counted, announced and scored.
    deps.spool.onImported((_importId, outcome) => {
      if (outcome.kind !== 'added') return;
      this.instancesReceived++;
      this.batcher.add(outcome.studyId);
    });
  }

  /** Starts with the stored settings if they enable the node; otherwise stays off. */
  async startIfEnabled(): Promise<DicomNodeStatus> {
    const settings = this.deps.settings.get();
    return settings.enabled ? this.start(settings) : this.status();
  }

  /**
   * Listens with these settings (the CLI passes its own; the app its stored ones). Never throws for a
   * port that cannot be opened: the status says why (port in use, permission denied).
   */
  start(settings: DicomNodeSettings): Promise<DicomNodeStatus> {
    return this.serially(() => this.listen(settings));
  }

  /** Stops listening, closes every connection and waits for instances being stored to commit. */
  stop(): Promise<void> {
    return this.serially(() => this.close());
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.transitions.then(work, work);
    this.transitions = next.catch(() => undefined);
    return next;
  }

  private async listen(settings: DicomNodeSettings): Promise<DicomNodeStatus> {
    await this.close();
    this.attempted = settings;
    this.state = 'starting';
    this.reason = null;
    const server = net.createServer((socket) => this.accept(socket, settings));
    server.maxConnections = this.maxConnections;
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      server.once('error', resolve);
      server.listen({ port: settings.port, host: settings.bindAddress, exclusive: true }, () => {
        server.off('error', resolve);
        resolve(null);
      });
    });
    if (error) {
      this.state = 'error';
      this.reason = listenFailure(error, settings);
      this.deps.audit.record('dicom.listener_failed', undefined, { aeTitle: settings.aeTitle, port: settings.port, bindAddress: settings.bindAddress, reason: this.reason });
      return this.status();
    }
    server.on('error', () => {
      // After listening, a server error means the socket is gone: say so instead of pretending to listen.
      this.state = 'error';
      this.reason = 'the listening socket failed';
    });
    this.listening = { settings, server };
    this.state = 'listening';
    this.deps.audit.record('dicom.listener_started', undefined, { aeTitle: settings.aeTitle, port: settings.port, bindAddress: settings.bindAddress, allowedPeers: settings.allowedPeers.length });
    return this.status();
  }

  private async close(): Promise<void> {
    const current = this.listening;
    this.listening = null;
    if (this.state !== 'error') this.state = 'off';
    if (!current) return;
    const closed = new Promise<void>((resolve) => current.server.close(() => resolve()));
    const scps = [...this.connections.values()];
    for (const socket of this.connections.keys()) socket.destroy();
    await Promise.all(scps.map((scp) => scp.ended()));
    await closed;
    this.batcher.drain();
    this.state = 'off';
    this.deps.audit.record('dicom.listener_stopped', undefined, { aeTitle: current.settings.aeTitle, port: current.settings.port });
  }

  /** Saves the changes and restarts (or stops) the listener with the result. */
  async updateSettings(changes: Partial<DicomNodeSettings>): Promise<{ settings: DicomNodeSettings; status: DicomNodeStatus }> {
    const settings = this.deps.settings.update(changes);
    if (settings.enabled) await this.start(settings);
    else
      await this.serially(async () => {
        await this.close();
        this.attempted = settings;
        this.reason = null;
        this.state = 'off';
      });
    return { settings, status: this.status() };
  }

  settings(): DicomNodeSettings {
    return this.deps.settings.get();
  }

  status(): DicomNodeStatus {
    const settings = this.listening?.settings ?? this.attempted;
    return {
      state: this.state,
      aeTitle: settings.aeTitle,
      port: this.boundPort() ?? settings.port,
      bindAddress: settings.bindAddress,
      reason: this.reason,
      activeAssociations: this.connections.size,
      instancesReceived: this.instancesReceived,
    };
  }

  /** Resolves once every instance acknowledged so far is through the import pipeline. */
  imported(): Promise<void> {
    return this.deps.spool.empty();
  }

  /** Called once per association when it ends (the CLI prints a line for each). */
  onAssociation(listener: (summary: AssociationSummary) => void): () => void {
    this.associationListeners.add(listener);
    return () => this.associationListeners.delete(listener);
  }

  echo(peer: DicomPeer): Promise<{ roundTripMs: number }> {
    return echoPeer(peer, (this.listening?.settings ?? this.deps.settings.get()).aeTitle);
  }

  /** The port actually bound: the configured one, or the one the system chose for port 0 (tests). */
  private boundPort(): number | null {
    const address = this.listening?.server.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  private accept(socket: Socket, settings: DicomNodeSettings): void {
    socket.setNoDelay(true);
    const extra = this.deps.extraSenders?.() ?? [];
    const scp = new StorageScp(socket, {
      settings: extra.length > 0 ? { ...settings, allowedPeers: [...settings.allowedPeers, ...extra] } : settings,
      readableTransferSyntaxes: this.readable,
      idleMs: this.idleMs,
      maxInstanceBytes: MAX_FILE_BYTES,
      arrivals: (source) => new AssociationArrivals(this.deps, source),
      onEnd: (summary) => this.ended(socket, summary),
    });
    this.connections.set(socket, scp);
  }

  private ended(socket: Socket, summary: AssociationSummary): void {
    this.connections.delete(socket);
    this.batcher.associationEnded();
    try {
      // AE titles, an address and counts: never patient data.
      this.deps.audit.record('dicom.association', undefined, {
        callingAeTitle: summary.callingAeTitle,
        host: summary.host,
        added: summary.added,
        alreadyStored: summary.alreadyStored,
        rejected: summary.rejected,
        outcome: summary.outcome,
        seconds: Math.round(summary.seconds * 10) / 10,
      });
    } catch {
      // The database is closing under a connection that just ended: nothing more to record.
    }
    for (const listener of this.associationListeners) listener(summary);
  }

  private announce(studyIds: number[], count: number): void {
    this.deps.jobs.publish({ name: 'studies.arrived', payload: { studyIds, count } });
    try {
      this.deps.score();
    } catch (error) {
      console.error(`[cxr-triage] scoring after DICOM arrivals failed to start with ${error instanceof Error ? error.name : typeof error}`);
    }
  }
}

function listenFailure(error: NodeJS.ErrnoException, settings: DicomNodeSettings): string {
  const where = `${settings.bindAddress}:${settings.port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${settings.port} is in use on ${settings.bindAddress} (another DICOM node or program listens there)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied to listen on ${where} (ports below 1024 need administrator rights)`;
    case 'EADDRNOTAVAIL':
      return `${settings.bindAddress} is not an address of this machine`;
    default:
      return `cannot listen on ${where} (${error.code ?? 'unknown error'})`;
  }
}
