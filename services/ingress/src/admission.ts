// The admission port the ingress calls before dispatch: model access, rate limits and budgets, decided by a
// reservation that is settled when the request's completed event is recorded (or released if never dispatched).
import type { CallType, Tenant } from '@ai-gateway/kit';

export interface AdmissionRequest {
  requestId: string;
  tenant: Tenant;
  /** Model the client asked for (a model group, alias or virtual model). */
  model: string;
  callType: CallType;
  /** The OpenAI request body (for the token estimate). */
  body: Record<string, unknown>;
  deadlineMs: number;
}

export interface AdmissionTicket {
  /** Added to the envelope metadata (e.g. which process holds the reservation). */
  metadata: Record<string, string>;
  /** Gives the reservation back: the request was never dispatched. Idempotent. */
  release(): void;
}

export interface Admission {
  /** Resolves when the request may go on; rejects with a GatewayError (401/403 model, 400 budget, 429 rate). */
  admit(req: AdmissionRequest): Promise<AdmissionTicket> | AdmissionTicket;
}

export const NO_TICKET: AdmissionTicket = Object.freeze({ metadata: {}, release: () => {} });

/** Admits everything (no accounting configured). */
export const OPEN_ADMISSION: Admission = { admit: () => NO_TICKET };
