// What cost accounting tells an ingress about a key over the bus (JSON, request/reply): cached per key.

/** Who a key is, what it may call (its own models and its team's; empty list = every model), until when. */
export interface KeyGrant {
  keyId: string;
  keyAlias: string | null;
  teamId: string | null;
  userId: string | null;
  keyModels: string[];
  teamModels: string[];
  expiresAtMs: number | null;
  blocked: boolean;
}
