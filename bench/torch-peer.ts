import { spawnSync } from 'node:child_process';
import path from 'node:path';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs the PyTorch peer (Debian python3-torch, 2 threads) and returns its JSON figures. */
export function peer(mode: 'train' | 'infer', batch: number, steps: number): Record<string, number> {
  const script = path.join(import.meta.dirname, 'peer', 'textbook_cnn_torch.py');
  const run = spawnSync('/usr/bin/python3', [script, mode, String(batch), String(steps)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`PyTorch peer failed (is python3-torch installed?): ${run.stderr.slice(-400)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

