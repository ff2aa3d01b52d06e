/**
 * Shows an install's progress the way the seed's sample output does: a live line on a terminal,
 * plain "percent complete / job status / Time elapsed" blocks otherwise. A host that does not
 * answer shows its attempts and last error instead of a silent wait.
 */
import type { InstallProgress, InstallResult } from '../workflows/installResult';
import { installActivity, outcomeLines } from './installText';
import { LiveBlock, progressBar } from './liveBlock';

export interface InstallView {
  update(progress: InstallProgress): void;
  finish(result: InstallResult): void;
}

export function createInstallView(out: NodeJS.WriteStream = process.stdout): InstallView {
  return out.isTTY ? new LiveLine(out) : new PlainLines(out);
}

class PlainLines implements InstallView {
  private lastShown = '';
  constructor(private readonly out: NodeJS.WritableStream) {}

  /** One block per poll, as the seed prints; one per attempt while the host does not answer. */
  update(progress: InstallProgress): void {
    const retrying = progress.unreachable && !progress.jobId;
    const shown = retrying ? `attempt ${progress.unreachable?.attempts}` : `poll ${progress.polls}`;
    if ((!retrying && progress.polls === 0) || shown === this.lastShown) return;
    this.lastShown = shown;
    this.out.write(
      (retrying
        ? `   ${installActivity(progress)}\n`
        : `   percent complete ${String(progress.percent).padStart(3)}\n   job status: ${progress.jobStatus}\n`) +
        `Time elapsed: ${progress.elapsedSeconds} seconds\n\n`,
    );
  }

  finish(result: InstallResult): void {
    writeSummary(this.out, result);
  }
}

class LiveLine implements InstallView {
  private readonly block: LiveBlock;
  constructor(private readonly out: NodeJS.WriteStream) {
    this.block = new LiveBlock(out);
  }

  update(progress: InstallProgress): void {
    this.block.draw([
      `${progress.host} ${progressBar(progress.percent / 100)} ${String(progress.percent).padStart(3)}% | ` +
        `${progress.elapsedSeconds}s, ${progress.polls} polls | ${installActivity(progress)}`,
    ]);
  }

  finish(result: InstallResult): void {
    this.update(result);
    this.block.close();
    writeSummary(this.out, result);
  }
}

function writeSummary(out: NodeJS.WritableStream, result: InstallResult): void {
  out.write(
    `   percent complete ${String(result.percent).padStart(3)}\n` +
      `   job status: ${result.jobStatus}\n` +
      `          error code: ${result.errorCode ?? 'None'}\n` +
      `         description: ${result.errorDescription ?? 'None'}\n` +
      `Time elapsed: ${result.elapsedSeconds} seconds\n` +
      `${outcomeLines(result).join('\n')}\n`,
  );
}
