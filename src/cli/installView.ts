/**
 * Shows an install's progress the way the seed's sample output does: a live line on a terminal,
 * plain "percent complete / job status / Time elapsed" blocks otherwise.
 */
import { SingleBar } from 'cli-progress';
import type { InstallProgress, InstallResult } from '../workflows/installResult';

export interface InstallView {
  update(progress: InstallProgress): void;
  finish(result: InstallResult): void;
}

export function createInstallView(out: NodeJS.WriteStream = process.stdout): InstallView {
  return out.isTTY ? new LiveLine(out) : new PlainLines(out);
}

class PlainLines implements InstallView {
  private lastPolls = -1;
  constructor(private readonly out: NodeJS.WritableStream) {}

  update(progress: InstallProgress): void {
    if (progress.polls === this.lastPolls || progress.polls === 0) return;
    this.lastPolls = progress.polls;
    this.out.write(
      `   percent complete ${String(progress.percent).padStart(3)}\n` +
        `   job status: ${progress.jobStatus}\n` +
        `Time elapsed: ${progress.elapsedSeconds} seconds\n\n`,
    );
  }

  finish(result: InstallResult): void {
    writeSummary(this.out, result);
  }
}

class LiveLine implements InstallView {
  private readonly bar: SingleBar;
  private started = false;
  constructor(private readonly out: NodeJS.WriteStream) {
    this.bar = new SingleBar({
      stream: out,
      format: '{host} [{bar}] {percentage}% | {jobStatus} | {elapsed}s, {polls} polls',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
    });
  }

  update(progress: InstallProgress): void {
    const payload = {
      host: progress.host,
      jobStatus: progress.jobStatus || progress.phase,
      elapsed: progress.elapsedSeconds,
      polls: progress.polls,
    };
    if (!this.started) {
      this.bar.start(100, progress.percent, payload);
      this.started = true;
    } else {
      this.bar.update(progress.percent, payload);
    }
  }

  finish(result: InstallResult): void {
    if (this.started) {
      this.update(result);
      this.bar.stop();
    }
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
      `Outcome: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}\n`,
  );
}
