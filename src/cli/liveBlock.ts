/**
 * A few lines redrawn in place on a terminal: each fitted to the width, so nothing wraps, and
 * redrawn at once when the terminal is resized. The terminal reflows what was drawn at the old
 * width (tmux, VTE, iTerm2 and Windows Terminal split long lines), so the block to erase is
 * measured at the new width.
 */
const ESC = '\x1b[';

/** `text` cut to `width` characters, an ellipsis marking the cut. */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** "[██████░░░░]" for a fraction in [0, 1]. */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

export class LiveBlock {
  private wanted: readonly string[] = [];
  private drawn: readonly string[] = [];
  private readonly onResize = () => this.draw(this.wanted);

  constructor(private readonly out: NodeJS.WriteStream) {
    out.on('resize', this.onResize);
  }

  draw(lines: readonly string[]): void {
    const width = this.out.columns || 80;
    // One column spare: a line as wide as the terminal leaves the cursor in its pending-wrap state.
    const fitted = lines.map((line) => fit(line.replace(/\s+/g, ' '), width - 1));
    const rows = this.drawn.reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / width)), 0);
    // Each line erased as it is rewritten: erasing the whole block at once would, from the top-left
    // corner, be a full-screen clear, which tmux scrolls into its history instead.
    const redrawn = fitted.map((line) => `\r${ESC}2K${line}\n`).join('');
    this.out.write(`${rows ? `${ESC}${rows}A` : ''}${redrawn}${rows > fitted.length ? `${ESC}J` : ''}`);
    this.wanted = lines;
    this.drawn = fitted;
  }

  /** Leaves the last lines on the screen and stops following resizes. */
  close(): void {
    this.out.off('resize', this.onResize);
  }
}
