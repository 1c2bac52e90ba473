import os from 'node:os';
import path from 'node:path';
import { importCifar10 } from '../../src-main/services/ml/cifar/cifar-import';
import type { CifarDataset } from '../../src-main/services/ml/cifar/cifar-dataset';
import { requireSharedData } from './shared-data';

/**
 * The real CIFAR-10 images from ../shared/data, decoded once per machine: the decoded cache lives
 * in the system temp folder, keyed by the archive's path, size and date, so later runs read it in
 * under a second.
 */
export function realCifar10(): Promise<CifarDataset> {
  const archive = path.join(requireSharedData('cifar10'), 'cifar-10-images.tar.gz');
  return importCifar10(archive, path.join(os.tmpdir(), 'cxr-triage-test-cifar10-cache'));
}
