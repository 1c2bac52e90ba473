/**
 * `cli listen`: the DICOM node, headless, on a data folder with the same services as the app.
 * Arrivals go through the import pipeline and are scored by the active version; one line per
 * association is printed (AE title, address, counts, outcome, seconds), never patient data.
 */
import { dicomNodeSettingsSchema, type DicomNodeSettings } from '@shared/ipc/dicom-node-contract';
import { resultSettingsSchema, type ResultSettings } from '@shared/ipc/results-contract';
import { AppError } from '@shared/ipc/errors';
import type { AppServices } from '../services/app/app-services';
import type { AssociationSummary } from '../services/dicom-network/storage-scp';

export const LISTEN_USAGE = `  listen [--ae CXRTRIAGE] [--port 11112] [--host 127.0.0.1] [--allow AE@address ...]
         [--send-results-to AE@host:port ...] [--org-uid-root 1.2.3...]
                         run the DICOM node until SIGINT/SIGTERM: store and score arriving chest X-rays
                         (--allow replaces the stored list of senders; without any, nobody may send;
                         --send-results-to sends each scored study's Structured Report there, queued
                         and retried, for this run, in place of the stored destinations)`;

/** Every value of a repeatable option: --allow A@h --allow B@h or --allow=A@h. */
function values(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && args[i + 1] !== undefined) out.push(args[++i]!);
    else if (args[i]!.startsWith(`--${name}=`)) out.push(args[i]!.slice(name.length + 3));
  }
  return out;
}

/** The stored settings with the command line's choices on top, validated like the settings screen's. */
export function listenSettings(stored: DicomNodeSettings, args: readonly string[]): DicomNodeSettings {
  const last = (name: string) => values(args, name).at(-1);
  const port = last('port');
  const allow = values(args, 'allow');
  const candidate = {
    ...stored,
    enabled: true,
    aeTitle: last('ae') ?? stored.aeTitle,
    port: port === undefined ? stored.port : Number(port),
    bindAddress: last('host') ?? stored.bindAddress,
    allowedPeers:
      allow.length > 0
        ? allow.map((peer) => {
            const at = peer.lastIndexOf('@');
            if (at <= 0) throw new AppError('BAD_INPUT', `--allow needs AE@address, e.g. MODALITY1@10.0.0.5 (got "${printable(peer)}").`);
            return { aeTitle: peer.slice(0, at), host: peer.slice(at + 1) };
          })
        : stored.allowedPeers,
  };
  const parsed = dicomNodeSettingsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BAD_INPUT', `Invalid listen option ${issue.path.join('.')}: ${issue.message}.`);
  }
  return parsed.data;
}

/**
 * The result settings for this run: with --send-results-to, those destinations with auto-send on
 * (and --org-uid-root if given); without it, null (the stored settings apply).
 */
export function listenResultSettings(stored: ResultSettings, args: readonly string[]): ResultSettings | null {
  const targets = values(args, 'send-results-to');
  const root = values(args, 'org-uid-root').at(-1);
  if (targets.length === 0 && root === undefined) return null;
  const candidate = {
    ...stored,
    autoSend: targets.length > 0 ? true : stored.autoSend,
    orgUidRoot: root ?? stored.orgUidRoot,
    destinations:
      targets.length > 0
        ? targets.map((target) => {
            const match = /^(.+)@([^@]+):(\d+)$/.exec(target);
            if (!match) throw new AppError('BAD_INPUT', `--send-results-to needs AE@host:port, e.g. ORTHANC@10.0.0.5:4242 (got "${printable(target)}").`);
            return { aeTitle: match[1]!, host: match[2]!, port: Number(match[3]) };
          })
        : stored.destinations,
  };
  const parsed = resultSettingsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BAD_INPUT', `Invalid result option ${issue.path.join('.')}: ${issue.message}.`);
  }
  return parsed.data;
}

/** Control characters (and anything outside printable ASCII) in text that came off the network are shown escaped. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function associationLine(summary: AssociationSummary): string {
  const sender = `${printable(summary.callingAeTitle) || '(no association)'}@${printable(summary.host)}`;
  const counts = `${summary.added} stored, ${summary.alreadyStored} already stored, ${summary.rejected} refused`;
  return `${new Date().toISOString()} ${sender}: ${counts}; ${summary.outcome}; ${summary.seconds.toFixed(1)} s`;
}

export async function listen(services: AppServices, args: readonly string[]): Promise<number> {
  const settings = listenSettings(services.dicomNode.settings(), args);
  const resultSettings = listenResultSettings(services.results.settings(), args);
  const stopPrinting = services.dicomNode.onAssociation((summary) => console.log(associationLine(summary)));
  const status = await services.dicomNode.start(settings);
  if (status.state !== 'listening') {
    console.error(`Cannot listen: ${status.reason ?? 'unknown reason'}.`);
    stopPrinting();
    return 1;
  }
  const peers = settings.allowedPeers.map((p) => `${p.aeTitle}@${p.host}`).join(', ');
  console.log(`Listening as ${settings.aeTitle} on ${status.bindAddress}:${status.port}; accepting from ${peers || 'nobody (pass --allow AE@address)'}.`);
  const active = services.models.active('pneumonia');
  console.log(active ? `Arrivals are scored with model version ${active.id} (${active.name}).` : 'No active model version: arrivals are stored, not scored.');
  if (resultSettings) services.results.useForThisRun(resultSettings);
  const { destinations, autoSend } = services.results.settings();
  const targets = destinations.map((d) => `${d.aeTitle}@${d.host}:${d.port}`).join(', ');
  console.log(autoSend && targets ? `Results are sent as Structured Reports to ${targets}.` : 'Results are not sent automatically (no --send-results-to).');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.log(`${signal}: stopping; instances already acknowledged are imported first.`);
  await services.dicomNode.stop();
  // Leftovers of a killed run imported at start-up are not tied to an association: wait for them too.
  await services.dicomNode.imported();
  stopPrinting();
  return 0;
}
