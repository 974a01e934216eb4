// Admin API shapes: a transport-free request/response (served over the bus) and the key-change it causes.

export interface AdminRequest {
  method: string;
  /** e.g. `/key/generate`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

/** What a mutation touched: ingress caches drop matching entries, the embedded authority reloads limits. */
export interface KeyChange {
  keyIds: string[];
  keyHashes: string[];
  teamIds: string[];
  userIds: string[];
  /** True when the keys were deleted (their scopes go away). */
  deleted?: boolean;
}

export interface AdminResult extends AdminResponse {
  change?: KeyChange;
}

export const emptyChange = (): KeyChange => ({ keyIds: [], keyHashes: [], teamIds: [], userIds: [] });

export function isEmptyChange(c: KeyChange): boolean {
  return c.keyIds.length + c.keyHashes.length + c.teamIds.length + c.userIds.length === 0;
}
