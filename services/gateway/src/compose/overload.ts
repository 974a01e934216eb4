// Load shedding for the embedded gateway: when completed events pile up faster than they are recorded (spend,
// audit), new requests are refused with 503 + retry-after instead of growing the backlog without bound.
import type { Logger } from '@ai-gateway/kit';
import type { Overload } from '@ai-gateway/ingress';

/** Completed events held before the gateway sheds: ~30 MB of events, over three seconds of full load. */
export const DEFAULT_SHED_BACKLOG = 10_000;

/** Sheds from `limit` held messages on, and accepts again once they are back to half of it. */
export function backlogShedder(o: { backlog: () => number; limit: number; logger: Logger; onShed?: Overload['onShed'] }): Overload {
  let on = false;
  return {
    shedding() {
      const held = o.backlog();
      if (!on && held >= o.limit) {
        on = true;
        o.logger.warn({ backlog: held, limit: o.limit }, 'shedding new requests: completed requests are waiting to be recorded');
      } else if (on && held <= o.limit / 2) {
        on = false;
        o.logger.info({ backlog: held }, 'backlog recorded: accepting requests again');
      }
      return on;
    },
    ...(o.onShed ? { onShed: o.onShed } : {}),
  };
}
