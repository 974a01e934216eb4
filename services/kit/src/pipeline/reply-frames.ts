// Reply framing on the bus: one message carries one or more encoded reply chunks, each prefixed by its byte length
// (u32, big-endian), so a stream's chunks produced in one turn of the event loop travel as one message.

/** Packs encoded chunks into one message body. */
export function packReplies(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += 4 + p.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** The encoded chunks of one message body, in order; throws on a truncated or overlong frame. */
export function unpackReplies(body: Uint8Array): Uint8Array[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 4 > body.length) throw new Error('truncated reply frame header');
    const len = view.getUint32(at);
    if (at + 4 + len > body.length) throw new Error('reply frame longer than its message');
    parts.push(body.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return parts;
}
