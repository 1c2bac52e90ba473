import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { readImageFile } from '../../../src-main/services/imports/read-image-file';
import { makeImage, tempDir, writeTree } from '../../support/fixtures';

let services: AppServices | null = null;
const servers: net.Server[] = [];
afterEach(async () => {
  await services?.close();
  services = null;
  for (const server of servers.splice(0)) server.close();
});

const MiB = 2 ** 20;

describe('an import folder with links, pipes, sockets and endless files', () => {
  it('accounts for every entry, never follows a link or opens a pipe, and refuses a 50 MB file of zeros at once', async () => {
    const folder = await tempDir('cxr-hostile-');
    await writeTree(folder, { 'good.png': await makeImage('png', 1) });
    symlinkSync('/proc/self/status', path.join(folder, 'proc-status'));
    symlinkSync(path.join(folder, 'good.png'), path.join(folder, 'link-to-good.png'));
    execFileSync('mkfifo', [path.join(folder, 'pipe.png')]);
    const server = net.createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path.join(folder, 'socket.dcm'), resolve));
    writeFileSync(path.join(folder, 'zeros.dcm'), Buffer.alloc(50 * MiB));

    services = openAppServices(await tempDir('cxr-data-'));
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const finished = await services.jobs.waitFor(await services.importer.start(folder));
    const seconds = (performance.now() - started) / 1000;
    const grown = process.memoryUsage().rss - rssBefore;
    console.log(`hostile folder imported in ${seconds.toFixed(2)} s; RSS grew ${(grown / MiB).toFixed(1)} MiB`);

    const report = finished.importReport!;
    expect(report).toMatchObject({ status: 'completed', filesSeen: 6, added: 1, rejected: 5 });
    const reasons = Object.fromEntries(report.rejectedFiles.map((r) => [r.path, r.reason]));
    expect(reasons).toEqual({
      'link-to-good.png': 'a symbolic link: not followed',
      'proc-status': 'a symbolic link: not followed',
      'pipe.png': 'a named pipe (FIFO): not read',
      'socket.dcm': 'a socket: not read',
      'zeros.dcm': 'not a PNG, JPEG or DICOM file',
    });
    expect(seconds).toBeLessThan(5);
    expect(grown).toBeLessThan(40 * MiB);
  });
});

describe('reading a file to import', () => {
  it('stops at what it has read, not at the size stat reports', async () => {
    // Both report size 0; pagemap is as long as the address space (terabytes), read 8 bytes at a time.
    const rssBefore = process.memoryUsage().rss;
    expect(await readImageFile('/proc/self/status', 512 * MiB)).toEqual({ ok: false, reason: 'not a PNG, JPEG or DICOM file' });
    expect(await readImageFile('/proc/self/pagemap', 512 * MiB)).toMatchObject({ ok: false });
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(16 * MiB);
    const folder = await tempDir('cxr-read-');
    const png = await makeImage('png', 2, 1024);
    writeFileSync(path.join(folder, 'big.png'), Buffer.concat([png, Buffer.alloc(3 * MiB)]));
    expect(await readImageFile(path.join(folder, 'big.png'), MiB)).toEqual({ ok: false, reason: 'file is too large (more than 1 MiB)' });
    writeFileSync(path.join(folder, 'fits.png'), png);
    expect(await readImageFile(path.join(folder, 'fits.png'), MiB)).toEqual({ ok: true, bytes: png });
    symlinkSync(path.join(folder, 'fits.png'), path.join(folder, 'link.png'));
    expect(await readImageFile(path.join(folder, 'link.png'), MiB)).toEqual({ ok: false, reason: 'a symbolic link: not followed' });
    expect(await readImageFile('/dev/zero', MiB)).toEqual({ ok: false, reason: 'a character device file: not read' });
  });
});
