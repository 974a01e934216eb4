// Coalesces log lines into few writes: lines are kept in order and handed to the sink as one string once they reach
// `minBytes` or when flushed (by a timer or at exit). sonic-boom's own minLength buffer re-measures the whole pending
// string on every write (Buffer.byteLength flattens it), which cost about 3 KB of garbage per request line; here the
// pending lines are joined once per write.

export interface LineSink {
  write(text: string): unknown;
  /** Calls back once what was written has left the process (sonic-boom's flush). */
  flush?(cb: (err?: Error | null) => void): void;
}

export class LineBuffer {
  private parts: string[] = [];
  private chars = 0;

  constructor(
    private readonly sink: LineSink,
    private readonly minChars: number,
  ) {}

  /** pino's destination contract: one line (or a few) per call. */
  write(line: string): boolean {
    this.parts.push(line);
    this.chars += line.length;
    if (this.chars >= this.minChars) this.flush();
    return true;
  }

  /** Hands the pending lines to the sink as one string; `cb` (pino's logger.flush) once the sink has flushed too. */
  flush(cb?: (err?: Error | null) => void): void {
    if (this.parts.length > 0) {
      const text = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
      this.parts = [];
      this.chars = 0;
      this.sink.write(text);
    }
    if (!cb) return;
    if (this.sink.flush) this.sink.flush(cb);
    else cb();
  }

  get pendingChars(): number {
    return this.chars;
  }
}
