/**
 * The viewer as a reader meets it, in Chromium (software rendering: --disable-gpu) through the built
 * browser host, on the shared data:
 * - open times: a study opened cold (page reloaded: nothing decoded ahead) until a first picture
 *   (the thumbnail preview) and until the full image is on screen; and warm, moving to the next
 *   study with N after it was decoded ahead. A JPEG chest X-ray and the 1841×1955 JPEG 2000 chest CR.
 * - peers, in the same run: the same JPEG as a plain <img> in the same Chromium (decode + paint), and
 *   pydicom + numpy reading and decoding the same DICOM file (Debian's python3, if installed).
 * - smoothness on the CR: requestAnimationFrame intervals while Playwright drags window/level, pans
 *   (shift drag) and zooms (wheel), and the time each window step takes to draw (the viewer's own
 *   `viewer.window-step` measure).
 * Run: npm run build && npm run bench:viewer [-- --out bench/results/viewer.json]. Not part of CI.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_PATH } from '../playwright.config';
import { startBrowserHost } from '../test/e2e/support/browser-host';
import { requireSharedData } from '../test/support/shared-data';

const CR = 'pydicom_data/RG1_J2KI.dcm';
const OTHER_DICOM = ['pydicom_data/RG3_J2KI.dcm', 'pydicom_data/RG3_J2KR.dcm'];
const JPEG_DIR = 'chest_xray/test/NORMAL';
const JPEGS = ['IM-0133-0001.jpeg', 'IM-0216-0001.jpeg', 'IM-0286-0001.jpeg', 'IM-0350-0001.jpeg'];
const RUNS = 3;
/** How long the viewer is given to decode the neighbours ahead before N is pressed. */
const PREFETCH_WAIT_MS = 6000;

interface Stats {
  p50: number;
  p95: number;
  max: number;
  n: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}

const median = (values: number[]) => stats(values).p50;
const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;

async function worklistOrder(page: Page): Promise<string[]> {
  await page.getByTestId('worklist-row').first().waitFor();
  return page.getByTestId('worklist-row').evaluateAll((rows) => rows.map((row) => row.textContent ?? ''));
}

/**
 * Runs `start` in the page and times, on animation-frame timestamps, the first frame showing a
 * picture (preview or full) of the study and the first showing the full image.
 */
async function timeOpen(page: Page, start: string, fileName: string): Promise<{ first: number; full: number }> {
  return page.evaluate(
    async ({ start, fileName }) => {
      // The time in the frame's callback: its timestamp is the frame's start, which can precede t0.
      const frame = () => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now())));
      const viewerOf = () => document.querySelector('[data-testid="viewer"]');
      const full = (viewer: Element | null) =>
        !!viewer?.querySelector('[data-testid="viewer-image"][data-loaded="true"], [data-testid="viewer-canvas"][data-painted="true"]');
      const preview = (viewer: Element | null) => {
        const img = viewer?.querySelector<HTMLImageElement>('[data-testid="viewer-preview"]');
        return !!img && img.complete && img.naturalWidth > 0;
      };
      const before = document.querySelector('[data-testid="viewer"]')?.getAttribute('data-study-id') ?? null;
      const t0 = performance.now();
      if (start === 'next') document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'n', bubbles: true }));
      else {
        const row = [...document.querySelectorAll<HTMLElement>('[data-testid="worklist-row"]')].find((r) => r.textContent?.includes(fileName));
        row!.click();
      }
      let first = NaN;
      for (;;) {
        const now = await frame();
        const viewer = viewerOf();
        const changed = viewer && viewer.getAttribute('data-study-id') !== before;
        if (changed && Number.isNaN(first) && (preview(viewer) || full(viewer))) first = now - t0;
        if (changed && full(viewer)) return { first, full: now - t0 };
        if (now - t0 > 30_000) throw new Error(`${fileName} did not open within 30 s`);
      }
    },
    { start, fileName },
  );
}

async function openCold(page: Page, fileName: string): Promise<{ first: number; full: number }> {
  // A reload, not goto: the host's address carries its token after '#', and goto to it again would not reload.
  await page.reload();
  await worklistOrder(page);
  return timeOpen(page, 'row', fileName);
}

/** Opens the study before `fileName` in the reading order, lets the viewer decode ahead, then presses N. */
async function openWarm(page: Page, fileName: string, order: string[]): Promise<number> {
  const index = order.findIndex((text) => text.includes(fileName));
  if (index < 1) throw new Error(`${fileName} is first in the reading order; nothing leads to it`);
  const before = JPEGS.concat(OTHER_DICOM.map((f) => path.basename(f)), path.basename(CR)).find((f) => order[index - 1]!.includes(f))!;
  await page.reload();
  await worklistOrder(page);
  await timeOpen(page, 'row', before);
  await page.waitForTimeout(PREFETCH_WAIT_MS);
  return (await timeOpen(page, 'next', fileName)).full;
}

/** The same JPEG as a plain <img> from a blob URL: decode and the first frame that paints it. */
async function plainImage(page: Page, bytes: Buffer): Promise<number> {
  return page.evaluate(async (base64) => {
    const binary = atob(base64);
    const data = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([data], { type: 'image/jpeg' }));
    const img = new Image();
    img.style.cssText = 'position:fixed;inset:0;width:100%;height:100%;object-fit:contain;z-index:99';
    const t0 = performance.now();
    img.src = url;
    await img.decode();
    document.body.append(img);
    const painted = await new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    img.remove();
    URL.revokeObjectURL(url);
    return painted - t0;
  }, bytes.toString('base64'));
}

/** Frame intervals while `drive` moves the mouse, and the window steps drawn meanwhile. */
async function frameIntervals(page: Page, drive: () => Promise<void>): Promise<{ intervals: number[]; steps: number[] }> {
  await page.evaluate(() => {
    const state = { intervals: [] as number[], steps: [] as number[], running: true, last: 0 };
    (window as unknown as { __bench: typeof state }).__bench = state;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.name === 'viewer.window-step') state.steps.push(entry.duration);
    }).observe({ type: 'measure' });
    const tick = (now: number) => {
      if (state.last) state.intervals.push(now - state.last);
      state.last = now;
      if (state.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await drive();
  return page.evaluate(async () => {
    const state = (window as unknown as { __bench: { intervals: number[]; steps: number[]; running: boolean } }).__bench;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    state.running = false;
    return { intervals: state.intervals, steps: state.steps };
  });
}

async function smoothness(page: Page): Promise<Record<string, { intervals: Stats; steps?: Stats }>> {
  const box = (await page.getByTestId('viewer-viewport').boundingBox())!;
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  const idle = await frameIntervals(page, () => page.waitForTimeout(1500));
  const drag = (shift: boolean) => async () => {
    await page.mouse.move(cx, cy);
    if (shift) await page.keyboard.down('Shift');
    await page.mouse.down();
    // 120 small steps as fast as Playwright sends them: several arrive within one frame, as from a real mouse.
    for (let i = 1; i <= 120; i++) await page.mouse.move(cx + Math.sin(i / 10) * 150, cy + i);
    await page.mouse.up();
    if (shift) await page.keyboard.up('Shift');
  };
  const windowLevel = await frameIntervals(page, drag(false));
  const pan = await frameIntervals(page, drag(true));
  const zoom = await frameIntervals(page, async () => {
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 60; i++) await page.mouse.wheel(0, i < 30 ? -40 : 40);
  });
  return {
    idle: { intervals: stats(idle.intervals) },
    'window/level drag': { intervals: stats(windowLevel.intervals), steps: stats(windowLevel.steps) },
    'pan (shift drag)': { intervals: stats(pan.intervals) },
    'zoom (wheel)': { intervals: stats(zoom.intervals) },
  };
}

function pydicomDecode(file: string): number | null {
  const script = `
import sys, time, statistics
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut
times = []
for _ in range(5):
    t0 = time.perf_counter()
    ds = pydicom.dcmread(sys.argv[1])
    values = apply_voi_lut(apply_modality_lut(ds.pixel_array, ds), ds)
    times.append((time.perf_counter() - t0) * 1000)
print(statistics.median(times[1:]))
`;
  const run = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  if (run.status !== 0) {
    console.log(`pydicom peer unavailable: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return Number(run.stdout.trim());
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const out = outArg > 0 ? process.argv[outArg + 1] : undefined;
  const folder = await mkdtemp(path.join(os.tmpdir(), 'cxr-bench-viewer-'));
  const dicomDir = requireSharedData('dicom');
  for (const file of [CR, ...OTHER_DICOM]) await copyFile(path.join(dicomDir, file), path.join(folder, path.basename(file)));
  const jpegDir = path.join(requireSharedData('chest_xray'), '..', JPEG_DIR);
  for (const file of JPEGS) await copyFile(path.join(jpegDir, file), path.join(folder, file));

  const host = await startBrowserHost();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
  const results: Record<string, unknown> = { chromium: browser.version(), cores: os.availableParallelism(), load: os.loadavg() };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript('globalThis.__name = (fn) => fn');
    await page.goto(host.url);
    await page.getByTestId('import-path').fill(folder);
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-summary').filter({ hasText: /completed/i }).waitFor({ timeout: 120_000 });
    await page.getByTestId('import-dismiss').click();
    const order = await worklistOrder(page);

    const jpeg = JPEGS.find((f) => order.findIndex((t) => t.includes(f)) > 0)!;
    const cr = path.basename(CR);
    const open: Record<string, { coldFirst: number; coldFull: number; warm: number }> = {};
    for (const [label, file] of [['JPEG', jpeg], ['JPEG 2000 CR 1841×1955', cr]] as const) {
      const cold = [];
      const warm = [];
      for (let run = 0; run < RUNS; run++) cold.push(await openCold(page, file));
      for (let run = 0; run < RUNS; run++) warm.push(await openWarm(page, file, order));
      open[label] = { coldFirst: median(cold.map((c) => c.first)), coldFull: median(cold.map((c) => c.full)), warm: median(warm) };
    }

    const jpegBytes = await readFile(path.join(jpegDir, jpeg));
    const plain = [];
    for (let run = 0; run < 5; run++) plain.push(await plainImage(page, jpegBytes));
    const peerJpeg = median(plain);
    const peerDicom = pydicomDecode(path.join(dicomDir, CR));

    const smooth: Record<string, Awaited<ReturnType<typeof smoothness>>> = {};
    for (const width of [1600, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await openCold(page, cr);
      smooth[`${width} px`] = await smoothness(page);
    }

    console.log(`\nChromium ${browser.version()} (--disable-gpu: software compositing), ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`open times, median of ${RUNS} (cold: page reloaded; warm: N after the study was decoded ahead):`);
    for (const [label, t] of Object.entries(open)) {
      console.log(`  ${label.padEnd(24)} cold first picture ${ms(t.coldFirst)}   cold full ${ms(t.coldFull)}   warm (next) ${ms(t.warm)}`);
    }
    console.log(`peer: plain <img> of the same JPEG (decode + paint)  ${ms(peerJpeg)}   ours cold full ${ms(open.JPEG!.coldFull)}   ratio ${(open.JPEG!.coldFull / peerJpeg).toFixed(2)}`);
    if (peerDicom !== null) {
      const ours = open['JPEG 2000 CR 1841×1955']!.coldFull;
      console.log(`peer: pydicom + numpy read + decode + modality/VOI LUT   ${ms(peerDicom)}   ours cold full ${ms(ours)}   ratio ${(ours / peerDicom).toFixed(2)}`);
    }
    for (const [size, rows] of Object.entries(smooth)) {
      console.log(`frame intervals on the CR at ${size} (target p95 ≤ 17 ms):`);
      for (const [what, s] of Object.entries(rows)) {
        const step = s.steps ? `   window step draw p50 ${ms(s.steps.p50)} p95 ${ms(s.steps.p95)} (${s.steps.n} steps)` : '';
        console.log(`  ${what.padEnd(20)} p50 ${ms(s.intervals.p50)}   p95 ${ms(s.intervals.p95)}   max ${ms(s.intervals.max)}   (${s.intervals.n} frames)${step}`);
      }
    }
    Object.assign(results, { open, peers: { plainImgJpegMs: peerJpeg, pydicomMs: peerDicom }, smoothness: smooth, date: new Date().toISOString() });
    if (out) await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await browser.close();
    await host.stop();
    await rm(folder, { recursive: true, force: true });
    await rm(host.dataDir, { recursive: true, force: true });
  }
}

await main();
