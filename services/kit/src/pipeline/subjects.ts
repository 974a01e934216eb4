// Versioned bus subjects: the names every service agrees on. A namespace lets several gateways share one NATS.

export interface Subjects {
  readonly prefix: string;
  readonly completed: string;
  readonly keys: string;
  /** Breaker openings shared between router replicas. */
  readonly cooldowns: string;
  readonly cancelWildcard: string;
  /** Durable stream subjects (JetStream) for this namespace. */
  readonly events: string;
  stage(stage: string): string;
  reply(ingressId: string, requestId: string): string;
  replyWildcard(ingressId: string): string;
  /** Completed events of the requests an ingress served, for its metrics and request log (plain, not durable). */
  completedTo(ingressId: string): string;
  /** The ingress a reply subject belongs to; null for anything else. */
  ingressOfReply(replyTo: string): string | null;
  cancel(requestId: string): string;
}

export function subjectsFor(namespace = ''): Subjects {
  if (namespace && !/^[A-Za-z0-9_-]+$/.test(namespace)) throw new Error(`invalid bus namespace "${namespace}"`);
  const prefix = namespace ? `${namespace}.gw.v1` : 'gw.v1';
  return {
    prefix,
    completed: `${prefix}.evt.completed`,
    keys: `${prefix}.evt.keys`,
    cooldowns: `${prefix}.ctl.cooldown`,
    cancelWildcard: `${prefix}.cancel.*`,
    events: `${prefix}.evt.>`,
    stage: (stage) => `${prefix}.req.${stage}`,
    reply: (ingressId, requestId) => `${prefix}.reply.${ingressId}.${requestId}`,
    replyWildcard: (ingressId) => `${prefix}.reply.${ingressId}.*`,
    completedTo: (ingressId) => `${prefix}.done.${ingressId}`,
    ingressOfReply(replyTo) {
      const head = `${prefix}.reply.`;
      if (!replyTo.startsWith(head)) return null;
      const end = replyTo.indexOf('.', head.length);
      return end > head.length ? replyTo.slice(head.length, end) : null;
    },
    cancel: (requestId) => `${prefix}.cancel.${requestId}`,
  };
}

export const DEFAULT_SUBJECTS: Subjects = subjectsFor();
export const COMPLETED_SUBJECT = DEFAULT_SUBJECTS.completed;
export const KEYS_SUBJECT = DEFAULT_SUBJECTS.keys;

/** Request ids travel inside subjects, so they must be one safe token. */
export function isSafeToken(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}
