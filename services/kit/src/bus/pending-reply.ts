// One outstanding request: settles once on reply, timeout, abort or close, and always removes itself.
import { BusTimeoutError, type BusMessage } from './port.ts';

/**
 * A class rather than closures on purpose: code runs through tsx, whose esbuild `keepNames`
 * wraps every named closure in a `defineProperty` call, and requests are the hot path.
 * It listens to the AbortSignal as an EventListener object (`handleEvent`), so no closure there either.
 */
export class PendingReply {
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly subject: string,
    private readonly key: string,
    private readonly table: Map<string, PendingReply>,
    private readonly resolve: (msg: BusMessage) => void,
    private readonly reject: (err: unknown) => void,
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    table.set(key, this);
    this.timer = setTimeout(onTimeout, timeoutMs, this, timeoutMs);
    signal?.addEventListener('abort', this, { once: true });
  }

  deliver(msg: BusMessage): void {
    this.settle();
    this.resolve(msg);
  }

  fail(err: unknown): void {
    this.settle();
    this.reject(err);
  }

  /** AbortSignal listener. */
  handleEvent(): void {
    this.fail(this.signal?.reason);
  }

  private settle(): void {
    this.table.delete(this.key);
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
  }
}

function onTimeout(p: PendingReply, timeoutMs: number): void {
  p.fail(new BusTimeoutError(p.subject, timeoutMs));
}
