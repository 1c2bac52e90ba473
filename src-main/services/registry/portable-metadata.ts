import path from 'node:path';
import type { PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';

/**
 * The metadata as it leaves this machine in an exported model: every local path (the training
 * folder, the weights file) is cut to its last part, wherever it appears (the evaluation's
 * description names the folder too). A path can name a patient or a colleague; it means nothing
 * on another machine anyway.
 */
export function portableMetadata(metadata: PneumoniaModelMetadata): PneumoniaModelMetadata {
  const config = metadata.trainingConfig;
  const paths = [
    config.data.kind === 'folder' ? config.data.path : null,
    config.backbone.weightsPath,
    metadata.backbone.weightsSource,
    metadata.dataset.source,
  ].filter((p): p is string => p !== null && isAbsolute(p));
  // Longest first, so a folder inside another is replaced whole.
  let text = JSON.stringify(metadata);
  for (const local of [...new Set(paths)].sort((a, b) => b.length - a.length)) {
    text = text.split(JSON.stringify(local).slice(1, -1)).join(JSON.stringify(baseName(local)).slice(1, -1));
  }
  return JSON.parse(text) as PneumoniaModelMetadata;
}

function isAbsolute(p: string): boolean {
  return path.posix.isAbsolute(p) || path.win32.isAbsolute(p);
}

function baseName(p: string): string {
  return path.win32.basename(path.posix.basename(p.replace(/[\\/]+$/, ''))) || 'folder';
}
