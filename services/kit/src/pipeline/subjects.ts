// Versioned bus subjects: the names every service agrees on.

export const SUBJECT_PREFIX = 'gw.v1';
export const COMPLETED_SUBJECT = `${SUBJECT_PREFIX}.evt.completed`;
export const KEYS_SUBJECT = `${SUBJECT_PREFIX}.evt.keys`;

export function stageSubject(stage: string): string {
  return `${SUBJECT_PREFIX}.req.${stage}`;
}

export function replySubject(ingressId: string, requestId: string): string {
  return `${SUBJECT_PREFIX}.reply.${ingressId}.${requestId}`;
}

export function replyWildcard(ingressId: string): string {
  return `${SUBJECT_PREFIX}.reply.${ingressId}.*`;
}

export function cancelSubject(requestId: string): string {
  return `${SUBJECT_PREFIX}.cancel.${requestId}`;
}

export const CANCEL_WILDCARD = `${SUBJECT_PREFIX}.cancel.*`;

/** Request ids travel inside subjects, so they must be one safe token. */
export function isSafeToken(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}
