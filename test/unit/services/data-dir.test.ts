import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDirOverride, defaultDataDir } from '../../../src-main/services/app/data-dir';

describe('data directory', () => {
  it('defaults to the platform user-data folder, as Electron does', () => {
    expect(defaultDataDir('linux', {}, '/home/ann')).toBe('/home/ann/.config/CXR Triage');
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/ann')).toBe('/xdg/CXR Triage');
    expect(defaultDataDir('darwin', {}, '/Users/ann')).toBe('/Users/ann/Library/Application Support/CXR Triage');
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'C:\\Users\\ann')).toContain('CXR Triage');
  });

  it('takes --data-dir over the environment variable', () => {
    expect(dataDirOverride(['--data-dir', '/tmp/a'], { CXR_USER_DATA: '/tmp/b' })).toBe('/tmp/a');
    expect(dataDirOverride(['--data-dir=/tmp/c'], {})).toBe('/tmp/c');
    expect(dataDirOverride([], { CXR_USER_DATA: 'rel' })).toBe(path.resolve('rel'));
    expect(dataDirOverride([], {})).toBeNull();
  });
});
