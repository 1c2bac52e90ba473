/**
 * The DICOM node's part of the contract: its settings (persisted, validated here for both the
 * request path and the stored value), its status, the C-ECHO test and the arrival event.
 */
import { z } from 'zod';
import { empty, type ChannelMap } from './contract-primitives';

/**
 * An application entity title: 1-16 characters of the DICOM default repertoire without backslash
 * or control characters (PS3.5 AE value representation); leading and trailing spaces are not significant.
 */
export const aeTitleSchema = z
  .string()
  .transform((value) => value.trim())
  .pipe(z.string().min(1, 'an AE title needs 1 to 16 characters').max(16, 'an AE title has at most 16 characters').regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'an AE title holds printable ASCII characters other than backslash'));

/** Peers are matched on the address the connection comes from, so a literal IP address, never a name to resolve. */
export const ipAddressSchema = z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' });

/** A host to connect to (C-ECHO): an IP address or a DNS host name. */
export const hostSchema = z.union([z.ipv4(), z.ipv6(), z.hostname().max(253)], { error: 'expected an IP address or a host name' });

const PORT_RANGE = 'a port is a whole number from 1 to 65535';
export const portSchema = z.number({ error: PORT_RANGE }).int(PORT_RANGE).min(1, PORT_RANGE).max(65_535, PORT_RANGE);

export const allowedPeerSchema = z.strictObject({
  aeTitle: aeTitleSchema,
  host: ipAddressSchema,
  /**
   * Where the peer's own DICOM service listens, used only by the settings screen's C-ECHO test:
   * who may send is decided by AE title and address alone. Absent in settings saved before it existed.
   */
  port: portSchema.optional(),
});

export const MAX_ALLOWED_PEERS = 200;

export const dicomNodeSettingsSchema = z.strictObject({
  /** Off on a fresh install: the node listens only once someone turns it on. */
  enabled: z.boolean(),
  aeTitle: aeTitleSchema,
  port: portSchema,
  /** Loopback unless someone chooses an interface: a node on 127.0.0.1 is reachable from this machine only. */
  bindAddress: ipAddressSchema,
  /** Who may send: calling AE title and source address. Empty means nobody. */
  allowedPeers: z.array(allowedPeerSchema).max(MAX_ALLOWED_PEERS),
});

export const DEFAULT_DICOM_NODE_SETTINGS: DicomNodeSettings = {
  enabled: false,
  aeTitle: 'CXRTRIAGE',
  port: 11112,
  bindAddress: '127.0.0.1',
  allowedPeers: [],
};

export const DICOM_NODE_STATES = ['off', 'starting', 'listening', 'error'] as const;

export const dicomNodeStatusSchema = z.object({
  state: z.enum(DICOM_NODE_STATES),
  aeTitle: z.string(),
  port: portSchema,
  bindAddress: z.string(),
  /** Why the node is not listening when it should (port in use, permission denied); null otherwise. */
  reason: z.string().nullable(),
  activeAssociations: z.number().int().nonnegative(),
  /** Instances stored since the listener started. */
  instancesReceived: z.number().int().nonnegative(),
});

export const dicomPeerSchema = z.strictObject({ aeTitle: aeTitleSchema, host: hostSchema, port: portSchema });

export const studiesArrivedSchema = z.object({
  studyIds: z.array(z.number().int().positive()),
  /** Instances newly stored in this batch (an instance sent again is not counted). */
  count: z.number().int().positive(),
});

export type DicomNodeSettings = z.output<typeof dicomNodeSettingsSchema>;
export type DicomNodeStatus = z.output<typeof dicomNodeStatusSchema>;
export type DicomPeer = z.output<typeof dicomPeerSchema>;
export type AllowedPeer = z.output<typeof allowedPeerSchema>;
export type StudiesArrived = z.output<typeof studiesArrivedSchema>;

export const dicomNodeChannels = {
  'dicomNode.status': {
    request: empty,
    response: dicomNodeStatusSchema,
  },
  'dicomNode.settings.get': {
    request: empty,
    response: dicomNodeSettingsSchema,
  },
  'dicomNode.settings.update': {
    /** Any subset of the settings; the listener restarts with the result (or stops when disabled). */
    request: dicomNodeSettingsSchema.partial(),
    response: z.object({ settings: dicomNodeSettingsSchema, status: dicomNodeStatusSchema }),
  },
  'dicomNode.echo': {
    /** A C-ECHO from this node's AE title to the peer: proves the network path and the peer's configuration. */
    request: z.strictObject({ peer: dicomPeerSchema }),
    response: z.object({ roundTripMs: z.number().nonnegative() }),
  },
} satisfies ChannelMap;
