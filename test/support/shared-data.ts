import { existsSync } from 'node:fs';
import path from 'node:path';

/** The real data folder (`../shared/data` beside the repository, or $CXR_SHARED_DATA). */
export const SHARED_DATA = path.resolve(process.env.CXR_SHARED_DATA ?? path.join(import.meta.dirname, '../../../shared/data'));
export const CHEST_XRAY = path.join(SHARED_DATA, 'chest_xray');

/** Fails loudly: CI always has the data, so its absence is a setup error, not a reason to skip. */
export function requireSharedData(sub: string): string {
  const full = path.join(SHARED_DATA, sub);
  if (!existsSync(full)) {
    throw new Error(`Real test data missing: ${full}. Put the shared data beside the repository or set CXR_SHARED_DATA.`);
  }
  return full;
}
