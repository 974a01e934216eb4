// Translation between NATS messages/headers and the Bus port's types.
import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type PublishOptions } from 'nats';
import { NO_HEADERS, type BusHeaders, type BusMessage } from './port.ts';

export function toNatsHeaders(h: BusHeaders | undefined): MsgHdrs | undefined {
  if (!h) return undefined;
  let out: MsgHdrs | undefined;
  for (const key in h) (out ??= natsHeaders()).set(key, h[key] as string);
  return out;
}

export function fromNatsHeaders(h: MsgHdrs | undefined): BusHeaders {
  if (!h) return NO_HEADERS;
  const out: BusHeaders = {};
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}

export function publishOptions(h: BusHeaders | undefined, reply?: string): PublishOptions | undefined {
  const headers = toNatsHeaders(h);
  if (!headers && !reply) return undefined;
  return reply ? { headers, reply } : { headers };
}

/** True for the status message the server sends when a request found no subscriber. */
export function isNoResponders(msg: Msg): boolean {
  return msg.data.length === 0 && msg.headers?.code === 503;
}

/** A received core message; headers are decoded on first access. */
export class NatsBusMessage implements BusMessage {
  private decoded: BusHeaders | undefined;

  constructor(
    private readonly msg: Msg,
    private readonly nc: NatsConnection,
  ) {}

  get subject(): string {
    return this.msg.subject;
  }

  get data(): Uint8Array {
    return this.msg.data;
  }

  get reply(): string {
    return this.msg.reply ?? '';
  }

  get headers(): BusHeaders {
    return (this.decoded ??= fromNatsHeaders(this.msg.headers));
  }

  respond(data: Uint8Array, headers?: BusHeaders): void {
    const reply = this.msg.reply;
    if (reply) this.nc.publish(reply, data, publishOptions(headers));
  }
}
