import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, startChild, stopChild } from './dicom-tools';
import { tempDir } from './fixtures';

export interface OrthancServer {
  http: string;
  dicomWeb: string;
  dicomPort: number;
  aeTitle: string;
  rest(method: string, route: string, body?: Buffer | string): Promise<unknown>;
  /** Uploads Part 10 files (POST /instances); resolves with Orthanc's study ids. */
  upload(files: string[]): Promise<string[]>;
  stop(): Promise<void>;
  child: ChildProcess;
}

/**
 * Orthanc with its DICOMweb plugin on 127.0.0.1 (free ports, a temporary storage folder), knowing
 * the modalities given (name -> [AE, host, port]) as C-MOVE destinations. Stopped by its pid.
 */
export async function startOrthanc(modalities: Record<string, [string, string, number]> = {}, aeTitle = 'ORTHANC'): Promise<OrthancServer> {
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const dir = await tempDir('cxr-orthanc-');
  const config = path.join(dir, 'orthanc.json');
  await writeFile(
    config,
    JSON.stringify({
      Name: 'cxr-test',
      HttpPort: httpPort,
      DicomPort: dicomPort,
      DicomAet: aeTitle,
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'index'),
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      SaveJobs: false,
      // Any AE may query and retrieve (C-GET from the node's AE title, which is not a listed modality).
      DicomAlwaysAllowFind: true,
      DicomAlwaysAllowGet: true,
      DicomCheckCalledAet: false,
      Plugins: ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so'],
      DicomWeb: { Enable: true, Root: '/dicom-web/' },
      DicomModalities: modalities,
    }),
  );
  const child = startChild('/usr/sbin/Orthanc', [config]);
  const http = `http://127.0.0.1:${httpPort}`;
  const rest = async (method: string, route: string, body?: Buffer | string): Promise<unknown> => {
    const response = await fetch(`${http}${route}`, { method, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
    if (!response.ok) throw new Error(`Orthanc ${method} ${route}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      await rest('GET', '/system');
      break;
    } catch (error) {
      if (Date.now() > until || child.exitCode !== null) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    http,
    dicomWeb: `${http}/dicom-web`,
    dicomPort,
    aeTitle,
    rest,
    child,
    async upload(files) {
      const studies = new Set<string>();
      for (const file of files) studies.add(((await rest('POST', '/instances', await readFile(file))) as { ParentStudy: string }).ParentStudy);
      return [...studies];
    },
    stop: () => stopChild(child),
  };
}

/**
 * A real Orthanc on 127.0.0.1 with free ports and its storage in a temporary folder. It can be
 * stopped (by its pid) and started again on the same ports and storage: an archive that goes down
 * and comes back with what it held.
 */
export class TestOrthanc {
  private child: ChildProcess | null = null;

  private constructor(
    readonly config: string,
    readonly httpPort: number,
    readonly dicomPort: number,
  ) {}

  static async create(modalities: Record<string, [aeTitle: string, host: string, port: number]>, aeTitle = 'ORTHANC'): Promise<TestOrthanc> {
    const dir = await tempDir('cxr-orthanc-');
    const httpPort = await freePort();
    const dicomPort = await freePort();
    const config = path.join(dir, 'orthanc.json');
    await writeFile(
      config,
      JSON.stringify({
        Name: 'cxr-results-test',
        HttpPort: httpPort,
        DicomPort: dicomPort,
        DicomAet: aeTitle,
        StorageDirectory: path.join(dir, 'storage'),
        IndexDirectory: path.join(dir, 'index'),
        RemoteAccessAllowed: false,
        AuthenticationEnabled: false,
        SaveJobs: false,
        Plugins: [],
        DicomModalities: modalities,
        // Any AE may store: the workstations' SRs come from their own AE titles.
        DicomCheckCalledAet: false,
      }),
    );
    const orthanc = new TestOrthanc(config, httpPort, dicomPort);
    await orthanc.start();
    return orthanc;
  }

  async start(): Promise<void> {
    this.child = startChild('/usr/sbin/Orthanc', [this.config]);
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        await this.get('/system');
        return;
      } catch (error) {
        if (Date.now() > until) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
    this.child = null;
  }

  async request(method: string, route: string, body?: Buffer | string): Promise<Response> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}${route}`, { method, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
    if (!response.ok) throw new Error(`Orthanc ${method} ${route}: ${response.status} ${await response.text()}`);
    return response;
  }

  async get<T = unknown>(route: string): Promise<T> {
    return (await (await this.request('GET', route)).json()) as T;
  }

  async post<T = unknown>(route: string, body: Buffer | string): Promise<T> {
    return (await (await this.request('POST', route, body)).json()) as T;
  }

  /** Orthanc ids of the SR instances it holds, with their tags. */
  async structuredReports(): Promise<{ id: string; sopInstanceUid: string; studyInstanceUid: string; stationName: string }[]> {
    const ids = await this.post<string[]>('/tools/find', JSON.stringify({ Level: 'Instance', Query: { Modality: 'SR' } }));
    return Promise.all(
      ids.map(async (id) => {
        const tags = await this.get<Record<string, string>>(`/instances/${id}/simplified-tags`);
        return { id, sopInstanceUid: tags.SOPInstanceUID!, studyInstanceUid: tags.StudyInstanceUID!, stationName: tags.StationName ?? '' };
      }),
    );
  }

  async instanceFile(id: string): Promise<Buffer> {
    return Buffer.from(await (await this.request('GET', `/instances/${id}/file`)).arrayBuffer());
  }
}
