import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'CXR Triage';
export const DATA_DIR_ENV = 'CXR_USER_DATA';

/** The platform's per-user application-data folder, the same place Electron's `userData` points to. */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): string {
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}

/** `--data-dir <dir>` (or `--data-dir=<dir>`) beats the environment variable, which beats the default. */
export function dataDirOverride(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--data-dir' && argv[i + 1]) return path.resolve(argv[i + 1]!);
    if (arg.startsWith('--data-dir=')) return path.resolve(arg.slice('--data-dir='.length));
  }
  return env[DATA_DIR_ENV] ? path.resolve(env[DATA_DIR_ENV]!) : null;
}

export function resolveDataDir(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return dataDirOverride(argv, env) ?? defaultDataDir(process.platform, env);
}
