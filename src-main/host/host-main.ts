/**
 * `npm run serve`: the application in a browser, on this machine only. Prints the address to open.
 * Options: --data-dir <dir>, --port <n> (default: a free port), --renderer-dir <dir>.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAppServices } from '../services/app/app-services';
import { resolveDataDir } from '../services/app/data-dir';
import { startHost } from './host-server';

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const rendererDir = path.resolve(option('renderer-dir') ?? path.join(here, '../renderer'));
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    console.error(`The renderer is not built (no ${rendererDir}/index.html). Run \`npm run build\` first.`);
    process.exit(1);
  }
  const port = Number(option('port') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('--port must be a whole number from 0 to 65535.');
    process.exit(1);
  }
  const services = openAppServices(resolveDataDir(process.argv.slice(2)));
  const host = await startHost({ services, rendererDir, port });
  console.log(`CXR Triage is running in browser mode. Open this address (it includes this launch's access token):`);
  console.log(`CXR_TRIAGE_URL=${host.launchUrl}`);
  console.log(`Data folder: ${services.dataDir}. Press Ctrl+C to stop.`);

  const stop = async () => {
    await host.close();
    await services.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`CXR Triage could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
