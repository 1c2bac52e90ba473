import { createRequire } from 'node:module';
import type * as DimseModule from 'dcmjs-dimse';

/**
 * dcmjs-dimse, loaded once. Its bundle is CommonJS (UMD), so it is required rather than imported.
 * Its logger is silenced: its messages carry AE titles, addresses and, at debug level, whole data
 * sets; the node logs what it needs itself, without patient data.
 */
const dimse = createRequire(import.meta.url)('dcmjs-dimse') as typeof DimseModule;
dimse.log.setLevel('silent');

export const { Scp, Client, Dataset, constants } = dimse;
export const dimseRequests = dimse.requests;
export const { PresentationContext } = dimse.association;
export const { CEchoRequest, CStoreRequest } = dimse.requests;
export const { CEchoResponse, CStoreResponse } = dimse.responses;
export type ClientType = DimseModule.Client;

export type Association = DimseModule.association.Association;
export type PresentationContext = DimseModule.association.PresentationContext;
export type DimseRequest = DimseModule.requests.Request;
export type CStoreRequest = DimseModule.requests.CStoreRequest;
export type CEchoRequestType = DimseModule.requests.CEchoRequest;
export type DatasetType = DimseModule.Dataset;
