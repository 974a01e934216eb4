// Discourse cues the hybrid classifier weighs beside the embedding: is the text a question, does it quote, does it
// discuss security, whom does it address, does it name the model's setup. Generic signals of speech act and
// framing (a sentence encoder mostly hears topic), not phrases of known attacks. Input: normalised text.

export const CUE_NAMES = ['question', 'quote', 'discussion', 'second_person', 'setup_target', 'override_verb', 'reveal_verb', 'ai_addressee', 'no_limits', 'immediacy', 'first_person'] as const;

const CUES: Readonly<Record<(typeof CUE_NAMES)[number], RegExp>> = {
  question: /\?\s*$|^(?:how|what|why|when|where|which|who|is|are|can|could|should|do|does|would)\b|[¿？]/,
  quote: /["“'`«][^"”'`»]{6,}["”'`»]/,
  discussion: /\b(?:explain|example|detect|defend|protect|prevent|review|regex|test|paper|article|blog|research|attacks?|injection|security|threat|classify|flag(?:ged)?|logs?)\b/,
  second_person: /\b(?:you|your|you're|yourself|u|ur|tu|tú|vous|du|dein|deine|você|voce|te|ti)\b/,
  setup_target: /\b(?:instructions?|prompt|rules|guidelines|polic(?:y|ies)|restrictions|filters?|safety|setup|configuration|directives?)\b/,
  override_verb: /\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|cancel|void|revoked?|lifted|suspended|no longer|remove|disable|turn off)\b/,
  reveal_verb: /\b(?:reveal|show|print|repeat|output|paste|quote|copy|dump|display|leak|list|tell me)\b/,
  ai_addressee: /\b(?:ai|assistant|model|llm|bot|chatbot|gpt|agent)\b/,
  no_limits: /\b(?:no|without|zero|free of)\b[^.]{0,20}\b(?:limits?|rules|restrictions|filters?|ethics|morals|policy|refus\w*)\b|\b(?:unrestricted|uncensored|unfiltered)\b/,
  immediacy: /\b(?:from now on|now|from this point|for the rest|until further notice|immediately|instead)\b/,
  first_person: /\b(?:my|our|i'm|i am|we)\b/,
};

/** One 0/1 entry per CUE_NAMES entry, in that order. */
export function cueVector(normalized: string): number[] {
  return CUE_NAMES.map((name) => (CUES[name].test(normalized) ? 1 : 0));
}
