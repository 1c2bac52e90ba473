import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, startChild, stopChild } from './dicom-tools';
import { tempDir } from './fixtures';

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
