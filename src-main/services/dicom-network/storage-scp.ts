import type { Socket } from 'node:net';
import type { DicomNodeSettings } from '@shared/ipc/dicom-node-contract';
import type { AssociationArrivals } from './association-arrivals';
import { canonicalAddress, decideContext, refusalFor } from './association-policy';
import {
  CEchoResponse,
  CStoreResponse,
  constants,
  Dataset,
  Scp,
  type Association,
  type CEchoRequestType,
  type CStoreRequest,
  type DatasetType,
  type PresentationContext,
} from './dimse';
import { InstanceCollector } from './instance-collector';
import { part10File } from './part10';
import { guardPdus, type PduGuard } from './pdu-guard';

const { PresentationContextResult, RejectResult, RejectSource, RejectReason, Status } = constants;

/** C-STORE failure statuses (PS3.4 Annex B.2.3): out of resources, and cannot understand. */
const STATUS_OUT_OF_RESOURCES = 0xa700;
const STATUS_CANNOT_UNDERSTAND = 0xc000;
/** The largest P-DATA PDU this node announces and accepts (dcmjs-dimse's own maximum). */
export const MAX_PDU_BYTES = 256 * 1024;
/** Room above the announced PDU size for the association request, which is not bound by it. */
const PDU_SLACK_BYTES = 64 * 1024;

const UID = /^[0-9]+(\.[0-9]+)*$/;

export type AssociationOutcome =
  | 'released'
  | 'refused: calling AE title not recognised'
  | 'refused: called AE title not recognised'
  | 'aborted by the sender'
  | 'connection closed without release'
  | 'closed by the node: protocol error'
  | `closed by the node: ${string}`;

export interface AssociationSummary {
  callingAeTitle: string;
  host: string;
  /** Instances stored now, already stored before (a retry), and refused. */
  added: number;
  alreadyStored: number;
  rejected: number;
  outcome: AssociationOutcome;
  seconds: number;
  bytesReceived: number;
  studyIds: number[];
}

export interface ScpContext {
  /** The settings when the connection arrived: a change applies to the next association. */
  settings: DicomNodeSettings;
  readableTransferSyntaxes: ReadonlySet<string>;
  idleMs: number;
  maxInstanceBytes: number;
  arrivals(source: string): AssociationArrivals;
  onEnd(summary: AssociationSummary): void;
}

/**
 * One connection to the node: association negotiation (who may send, which SOP classes and
 * transfer syntaxes), C-ECHO and C-STORE. A C-STORE is answered only after the instance parsed and
 * is kept in the node's spool (file renamed into place, row committed); the import follows behind.
 */
export class StorageScp extends Scp {
  private readonly guard: PduGuard;
  private readonly started = Date.now();
  private readonly host: string;
  private callingAeTitle = '';
  /** Named apart from dcmjs-dimse's own `association` field, which it sets before calling associationRequested. */
  private negotiated: Association | null = null;
  private outcome: AssociationOutcome = 'connection closed without release';
  private arrivals: AssociationArrivals | null = null;
  private closed = false;
  private inFlight: Promise<void> = Promise.resolve();
  private markFinished!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.markFinished = resolve));
  /** The bytes behind each data set handed to dcmjs-dimse, which never parses them. */
  private readonly received = new WeakMap<DatasetType, InstanceCollector>();

  constructor(
    private readonly connection: Socket,
    private readonly context: ScpContext,
  ) {
    // The guard listens before dcmjs-dimse does, so it sees each chunk first.
    const guard = guardPdus(connection, {
      maxPduBytes: MAX_PDU_BYTES + PDU_SLACK_BYTES,
      idleMs: context.idleMs,
      onViolation: (reason) => this.closeForcibly(`closed by the node: ${reason}`),
    });
    super(connection, { connectTimeout: context.idleMs, associationTimeout: context.idleMs, pduTimeout: context.idleMs });
    this.guard = guard;
    this.host = canonicalAddress(connection.remoteAddress ?? 'unknown');
    this.on('networkError', () => this.closeForcibly('closed by the node: protocol error'));
    connection.once('close', () => this.finish());
  }

  override associationRequested(association: Association): void {
    if (this.negotiated) return this.closeForcibly('closed by the node: protocol error');
    this.negotiated = association;
    this.callingAeTitle = association.getCallingAeTitle();
    const { settings } = this.context;
    const refusal = refusalFor(
      { callingAeTitle: association.getCallingAeTitle(), calledAeTitle: association.getCalledAeTitle(), remoteAddress: this.host },
      settings.aeTitle,
      settings.allowedPeers,
    );
    if (refusal) {
      this.outcome = refusal === 'calling-ae-not-recognized' ? 'refused: calling AE title not recognised' : 'refused: called AE title not recognised';
      const reason = refusal === 'calling-ae-not-recognized' ? RejectReason.CallingAeNotRecognized : RejectReason.CalledAeNotRecognized;
      this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, reason);
      this.guard.expectNoMore();
      this.connection.end();
      return;
    }
    for (const { id } of association.getPresentationContexts()) {
      const proposed = association.getPresentationContext(id);
      const decision = decideContext(proposed.getAbstractSyntaxUid(), proposed.getTransferSyntaxUids(), this.context.readableTransferSyntaxes);
      if (decision.accept) proposed.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
      else if (decision.why === 'abstract-syntax-not-supported') proposed.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      else proposed.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    }
    association.setMaxPduLength(MAX_PDU_BYTES);
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.outcome = 'released';
    this.guard.expectNoMore();
    this.sendAssociationReleaseResponse();
  }

  override abort(): void {
    this.outcome = 'aborted by the sender';
    this.connection.destroy();
  }

  override cEchoRequest(request: CEchoRequestType, callback: (response: InstanceType<typeof CEchoResponse>) => void): void {
    const response = CEchoResponse.fromRequest(request);
    response.setStatus(Status.Success);
    callback(response);
  }

  override createStoreWritableStream(context: PresentationContext | undefined, request: CStoreRequest): InstanceCollector {
    const accepted =
      context !== undefined &&
      context.getResult() === PresentationContextResult.Accept &&
      context.getAbstractSyntaxUid() === request.getAffectedSopClassUid();
    return new InstanceCollector(this.context.maxInstanceBytes, accepted);
  }

  override createDatasetFromStoreWritableStream(writable: InstanceCollector, context: PresentationContext | undefined, callback: (dataset: DatasetType) => void): void {
    // An empty placeholder: the bytes are stored as received, never parsed and re-encoded by dcmjs.
    const dataset = new Dataset({}, context?.getAcceptedTransferSyntaxUid());
    this.received.set(dataset, writable);
    callback(dataset);
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: InstanceType<typeof CStoreResponse>) => void): void {
    this.guard.hold();
    this.inFlight = this.store(request)
      // Whatever went wrong, the sender gets an answer and no rejection goes unhandled.
      .catch(() => failure(request, STATUS_OUT_OF_RESOURCES, 'could not store the instance'))
      .then((response) => {
        this.guard.release();
        // A sender that went away gets no answer; what was committed stays committed.
        if (!this.closed) callback(response);
      });
  }

  /** Resolves once the connection has closed and its last instance is committed (or refused) and reported. */
  ended(): Promise<void> {
    return this.finished;
  }

  private async store(request: CStoreRequest): Promise<InstanceType<typeof CStoreResponse>> {
    const refuse = (status: number, comment: string) => failure(request, status, comment);
    const response = CStoreResponse.fromRequest(request);
    const dataset = request.getDataset();
    const collector = dataset ? this.received.get(dataset) : undefined;
    const sopClassUid = cleanUid(request.getAffectedSopClassUid());
    const sopInstanceUid = cleanUid(request.getAffectedSopInstanceUid());
    if (!collector || !collector.contextAccepted) return refuse(STATUS_CANNOT_UNDERSTAND, 'SOP class not accepted on this presentation context');
    if (!UID.test(sopClassUid) || !UID.test(sopInstanceUid) || sopInstanceUid.length > 64) return refuse(STATUS_CANNOT_UNDERSTAND, 'invalid SOP UID');
    this.arrivals ??= this.context.arrivals(`dicom://${this.callingAeTitle}@${this.host}`);
    if (collector.tooLarge) {
      this.arrivals.recordFailure(sopInstanceUid, `instance larger than ${Math.round(this.context.maxInstanceBytes / 2 ** 20)} MiB`);
      return refuse(STATUS_OUT_OF_RESOURCES, 'instance too large');
    }
    const file = part10File(
      {
        sopClassUid,
        sopInstanceUid,
        transferSyntaxUid: dataset!.getTransferSyntaxUid(),
        // Once accepted, the association carries this side's implementation: the one writing the file, as Part 10 asks.
        implementationClassUid: this.negotiated?.getImplementationClassUid() ?? '',
        implementationVersionName: this.negotiated?.getImplementationVersion() ?? '',
        sourceAeTitle: this.callingAeTitle,
      },
      collector.bytes(),
    );
    try {
      const result = await this.arrivals.store(file, sopInstanceUid);
      if (result.kind === 'rejected') return refuse(STATUS_CANNOT_UNDERSTAND, result.reason);
      response.setStatus(Status.Success);
      return response;
    } catch (error) {
      // Disk full, database locked: the sender keeps the instance and may retry; nothing half-written stays.
      try {
        this.arrivals.recordFailure(sopInstanceUid, `could not store: ${error instanceof Error ? error.name : 'error'}`);
      } catch {
        // The database itself failed: the refusal below is all that can be said.
      }
      return refuse(STATUS_OUT_OF_RESOURCES, 'could not store the instance');
    }
  }

  private closeForcibly(outcome: AssociationOutcome): void {
    if (this.outcome === 'connection closed without release') this.outcome = outcome;
    this.connection.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    void this.inFlight
      .then(async () => {
        this.guard.stop();
        // The summary waits for the spool to import this association's instances, so it says what was added.
        await this.arrivals?.finish(this.outcome === 'released');
        const counts = this.arrivals?.counts;
        this.context.onEnd({
          callingAeTitle: this.callingAeTitle,
          host: this.host,
          added: counts?.added ?? 0,
          alreadyStored: counts?.skipped ?? 0,
          rejected: counts?.rejected ?? 0,
          outcome: this.outcome,
          seconds: (Date.now() - this.started) / 1000,
          bytesReceived: this.connection.bytesRead,
          studyIds: [...(this.arrivals?.studyIds ?? [])],
        });
      })
      .catch(() => {
        // The database closed under a connection that just ended: nothing more to record.
      })
      .finally(() => this.markFinished());
  }
}

function failure(request: CStoreRequest, status: number, comment: string): InstanceType<typeof CStoreResponse> {
  const response = CStoreResponse.fromRequest(request);
  response.setStatus(status);
  response.setErrorComment(comment.slice(0, 64));
  return response;
}

/** UIDs on the wire may carry a trailing NUL or space as padding. */
function cleanUid(value: string | undefined): string {
  return (value ?? '').replace(/[\0 ]+$/, '');
}
