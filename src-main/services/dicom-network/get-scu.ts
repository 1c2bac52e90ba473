import type { DimseArchive } from '@shared/ipc/archive-contract';
import { ACCEPTED_STORAGE_CLASSES } from '@shared/domain/accepted-sop-classes';
import { readableTransferSyntaxUids } from '../imaging/dicom/transfer-syntaxes';
import { constants, CStoreResponse, Dataset, dimseRequests, PresentationContext, type ClientType, type CStoreRequest, type DatasetType, type PresentationContext as PresentationContextType, type Association } from './dimse';
import { exchange } from './dimse-exchange';
import { finalCounts, subOperations, type SubOperationResponse, type SubOperations } from './move-scu';
import { InstanceCollector } from './instance-collector';
import { part10File } from './part10';

const { Status } = constants;
const STATUS_OUT_OF_RESOURCES = 0xa700;
const STATUS_CANNOT_UNDERSTAND = 0xc000;

/** What a C-GET hands over for each instance: a Part 10 file of the bytes as sent; resolves once it is kept (or refused). */
export type ReceiveInstance = (file: Buffer, sopInstanceUid: string) => Promise<{ ok: true } | { ok: false; reason: string }>;

/** The part of dcmjs-dimse's network object that creates the sink for an incoming C-STORE data set. */
interface StoreStreams {
  sendAssociationRequest(association: Association): void;
  createStoreWritableStream(context: PresentationContextType | undefined, request: CStoreRequest): InstanceCollector;
  createDatasetFromStoreWritableStream(writable: InstanceCollector, context: PresentationContextType | undefined, callback: (dataset: DatasetType) => void): void;
}

/**
 * A study-level C-GET: the archive sends the instances back on this association as C-STORE
 * sub-operations, so no listener and no archive-side configuration of this node are needed. The
 * storage contexts proposed (with the SCP role) are the classes the node accepts, each in every
 * transfer syntax the decoder reads, so the archive need not transcode (Orthanc 1.10 cannot
 * transcode JPEG 2000 for C-GET: with only uncompressed syntaxes offered, it fails the instance).
 */
export async function getStudy(
  archive: DimseArchive,
  studyInstanceUid: string,
  options: { callingAeTitle: string; receive: ReceiveInstance; maxInstanceBytes: number; signal?: AbortSignal; onProgress?: (counts: SubOperations) => void; timeoutMs?: number },
): Promise<SubOperations> {
  const request = dimseRequests.CGetRequest.createStudyGetRequest(studyInstanceUid);
  let last: SubOperations = { completed: 0, failed: 0, warnings: 0, remaining: null };
  let finalStatus: number | null = null;
  request.on('response', (response: SubOperationResponse) => {
    const status = response.getStatus();
    last = subOperations(response);
    if (status === Status.Pending) options.onProgress?.(last);
    else finalStatus = status;
  });
  const received = new WeakMap<DatasetType, InstanceCollector>();
  const prepare = (client: ClientType) => {
    // The client builds its network object in send(); the bytes are kept as sent, never parsed and re-encoded by dcmjs.
    const network = (client as unknown as { network?: StoreStreams }).network;
    if (!network) return;
    // The storage contexts are proposed with the SCP role (role selection), which C-GET needs and
    // dcmjs-dimse sets only on its own list of every storage class in uncompressed syntaxes.
    const sendAssociationRequest = network.sendAssociationRequest.bind(network);
    network.sendAssociationRequest = (association) => {
      for (const { context } of association.getPresentationContexts() as Array<{ context: PresentationContextType }>) {
        if (ACCEPTED_STORAGE_CLASSES.has(context.getAbstractSyntaxUid())) context.setProviderRole(true);
      }
      sendAssociationRequest(association);
    };
    network.createStoreWritableStream = (context, storeRequest) =>
      new InstanceCollector(options.maxInstanceBytes, context !== undefined && context.getAbstractSyntaxUid() === storeRequest.getAffectedSopClassUid());
    network.createDatasetFromStoreWritableStream = (writable, context, callback) => {
      const dataset = new Dataset({}, context?.getAcceptedTransferSyntaxUid());
      received.set(dataset, writable);
      callback(dataset);
    };
    client.on('cStoreRequest', (storeRequest: CStoreRequest, callback: (response: InstanceType<typeof CStoreResponse>) => void) => {
      void store(storeRequest).then(callback);
    });
  };
  const store = async (storeRequest: CStoreRequest): Promise<InstanceType<typeof CStoreResponse>> => {
    const response = CStoreResponse.fromRequest(storeRequest);
    const dataset = storeRequest.getDataset();
    const collector = dataset ? received.get(dataset) : undefined;
    const sopClassUid = clean(storeRequest.getAffectedSopClassUid());
    const sopInstanceUid = clean(storeRequest.getAffectedSopInstanceUid());
    const refuse = (status: number, comment: string) => {
      response.setStatus(status);
      response.setErrorComment(comment.slice(0, 64));
      return response;
    };
    if (!collector?.contextAccepted || !ACCEPTED_STORAGE_CLASSES.has(sopClassUid)) return refuse(STATUS_CANNOT_UNDERSTAND, 'SOP class not accepted');
    if (collector.tooLarge) return refuse(STATUS_OUT_OF_RESOURCES, 'instance too large');
    const file = part10File(
      { sopClassUid, sopInstanceUid, transferSyntaxUid: dataset!.getTransferSyntaxUid(), implementationClassUid: '', implementationVersionName: '', sourceAeTitle: archive.aeTitle },
      collector.bytes(),
    );
    try {
      const kept = await options.receive(file, sopInstanceUid);
      return kept.ok ? (response.setStatus(Status.Success), response) : refuse(STATUS_CANNOT_UNDERSTAND, kept.reason);
    } catch {
      return refuse(STATUS_OUT_OF_RESOURCES, 'could not store the instance');
    }
  };
  const syntaxes = readableTransferSyntaxUids();
  await exchange(archive, request, {
    callingAeTitle: options.callingAeTitle,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    prepare,
    beforeSend: (dimseClient) => {
      // One context per class and syntax: the archive accepts each it can send, and picks the one its copy is in.
      for (const sopClassUid of ACCEPTED_STORAGE_CLASSES.keys()) {
        for (const syntax of syntaxes) dimseClient.addAdditionalPresentationContext(new PresentationContext(0, sopClassUid, syntax), true);
      }
    },
  });
  return finalCounts(archive, finalStatus, last, 'could not send the study');
}

function clean(value: string | undefined): string {
  return (value ?? '').replace(/[\0 ]+$/, '');
}
