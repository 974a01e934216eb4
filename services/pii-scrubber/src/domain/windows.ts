// Cuts a long text into overlapping windows a sentence encoder reads whole, so one injected paragraph in a long
// tool result is not averaged away by the text around it.

export interface WindowOptions {
  /** Longest window in characters (the encoder reads about 256 word pieces; 600 characters stay well inside). */
  maxChars: number;
  /** Characters shared by neighbouring windows, so a sentence cut at one edge is whole in the next window. */
  overlap: number;
  /** At most this many windows per text; the rest of a very long text is left to the rules. */
  maxWindows: number;
}

export const DEFAULT_WINDOWS: WindowOptions = { maxChars: 600, overlap: 150, maxWindows: 12 };

/** The end of a window: the last sentence end or whitespace in its second half, else the hard limit. */
function cutAt(text: string, start: number, limit: number): number {
  const hard = Math.min(text.length, start + limit);
  if (hard === text.length) return hard;
  const floor = start + Math.floor(limit / 2);
  for (const re of [/[.!?\n][\s"')\]]/g, /\s/g]) {
    let best = -1;
    re.lastIndex = floor;
    for (let m = re.exec(text); m !== null && m.index < hard; m = re.exec(text)) best = m.index + 1;
    if (best > floor) return best;
  }
  return hard;
}

/** Windows of `text` in order; a text that fits is its own single window. */
export function textWindows(text: string, o: WindowOptions = DEFAULT_WINDOWS): string[] {
  const trimmed = text.trim();
  if (trimmed.length <= o.maxChars) return trimmed ? [trimmed] : [];
  const out: string[] = [];
  let start = 0;
  while (start < trimmed.length && out.length < o.maxWindows) {
    const end = cutAt(trimmed, start, o.maxChars);
    out.push(trimmed.slice(start, end).trim());
    if (end >= trimmed.length) break;
    // Step back by the overlap, to a word start so no window begins mid-word.
    let next = Math.max(start + 1, end - o.overlap);
    while (next < end && !/\s/.test(trimmed[next - 1] ?? ' ')) next++;
    start = next;
  }
  return out.filter((w) => w.length > 0);
}
