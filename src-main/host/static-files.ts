import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The renderer's page, with the host bridge loaded first so `window.api` exists before the app starts. */
export async function readIndexHtml(rendererDir: string): Promise<string> {
  const html = await readFile(path.join(rendererDir, 'index.html'), 'utf8');
  const bridge = '<script type="module" src="./host-bridge.js"></script>';
  const at = html.indexOf('<script');
  return at < 0 ? html.replace('</head>', `${bridge}</head>`) : `${html.slice(0, at)}${bridge}\n    ${html.slice(at)}`;
}

/** Resolves a URL path to a file inside rendererDir, or null for anything that would escape it. */
export function resolveStaticPath(rendererDir: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const root = path.resolve(rendererDir);
  const full = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  return full.startsWith(root + path.sep) ? full : null;
}

export function contentTypeFor(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
