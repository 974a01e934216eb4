// The prompt-injection rules: weighted patterns over normalised (lower-cased, de-obfuscated) text, grouped by
// the attack category they recognise. Each rule names a category of wording, not one memorised phrase.
import type { InjectionCategory } from './injection.ts';

export interface Rule {
  category: InjectionCategory;
  weight: number;
  pattern: RegExp;
}

const W = String.raw`[^.\n]`;
/** What an attacker tells the model to drop: its instructions in any of their names. */
const TARGET = String.raw`(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|constraints|guardrails|polic(?:y|ies)|programming|training|restrictions|limitations|commands|orders|configuration|setup)`;
const OVERRIDE_VERB = String.raw`(?:ignore|disregard|forget|override|bypass|skip|abandon|drop|discard|dismiss|neglect|cancel|erase|wipe|scrap|ditch|suspend|(?:set|put|push|throw|toss|cast) (?:aside|away|out))`;
const QUALIFIER = String.raw`(?:previous|prior|above|earlier|preceding|initial|original|system|your|all|every|those|these|old|existing|current|default)`;
/** "…instructions in the onboarding doc": instructions of a document the user talks about, not the model's. */
const ABOUT_DOCUMENT = String.raw`(?!${W}{0,12}\b(?:in|on|from|of|for) (?:the|this|that|my|our|a) (?:doc|document|manual|email|file|readme|guide|wiki|page|onboarding|ticket|form|box|package|attachment|recipe|exam|test)\b)`;
const SECRET_TARGET = String.raw`(?:system prompt|system message|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|secret instructions|developer (?:message|prompt)|pre-?prompt|instructions you (?:were|have been) given)`;
const SETUP = String.raw`(?:instructions|prompt|configuration|config|setup(?: text)?|rules and guidelines|directives|guidelines|system (?:prompt|message))(?! (?:for|to|on|about|of how)\b)`;
/** The model's own setup: "your (full) instructions", or "the" with a word that makes it the model's (hidden, original…). */
const OWN_SETUP = String.raw`(?:your (?:(?:full|entire|complete|exact|original|initial|hidden|internal|secret|confidential|underlying|starting|first|real) )*|the (?:(?:full|entire|complete|exact) )?(?:original|initial|hidden|internal|secret|confidential|underlying|starting|system) )${SETUP}`;
const REVEAL = String.raw`(?:reveal|show|print|output|repeat|display|tell me|give me|leak|dump|recite|share|disclose|read (?:me|out|back)|paste|quote|copy|type out|write out|spell out|list|expose|return|send me|provide|spit out|append|include|echo)`;
const NO_LIMITS = String.raw`(?:refusals?|warnings|disclaimers|restrictions|rules|limits|limitations|filters?|filtering|guidelines|ethics|ethical (?:boundaries|guidelines|limits|constraints)|morals|morality|censorship|boundaries|content polic(?:y|ies)|safety (?:rules|guidelines|measures))`;
const AI = String.raw`(?:ai|assistant|llm|model|agent|chatbot|bot|language model|gpt)s?`;
/** Without "agent": support agents are people in the documents tools return. */
const AI_NOT_AGENT = String.raw`(?:ai|assistant|llm|model|chatbot|bot|language model|gpt)s?`;
const IMPERATIVE = String.raw`(?:ignore|disregard|stop|delete|remove|forward|send|email|run|execute|tell|reply|respond|reveal|print|output|include|append|recommend|say|cancel|collect|visit|open|click|transfer|wire|buy|grant|share|upload|post|accept|approve|make|mark|rank|rate|describe|redirect|book|schedule|call|change|publish|invite)`;

export const RULES: readonly Rule[] = [
  // instruction_override: drop, cancel or replace the instructions in force.
  { category: 'instruction_override', weight: 0.9, pattern: new RegExp(String.raw`\b${OVERRIDE_VERB}\b${W}{0,25}\b${QUALIFIER}\b${W}{0,25}\b${TARGET}\b${ABOUT_DOCUMENT}`) },
  { category: 'instruction_override', weight: 0.85, pattern: new RegExp(String.raw`\b${OVERRIDE_VERB}\b${W}{0,30}\b(?:guidance|instructions|rules|directions|what(?:ever)?)\b${W}{0,20}\b(?:you (?:were|have been|'ve been) (?:given|told|configured with|programmed with)|you (?:received|got))\b`) },
  { category: 'instruction_override', weight: 0.85, pattern: new RegExp(String.raw`\b(?:previous|prior|earlier|original|initial|old|system|your|the|all|any) ${TARGET}\b${W}{0,30}\b(?:are|is|have been|has been|were|was|are now|is now)\s+(?:hereby )?(?:cancell?ed|void|null(?: and void)?|revoked|overridden|lifted|suspended|obsolete|invalid|removed|disabled|deactivated|deleted|replaced|superseded|no longer (?:valid|in effect|in force|active|binding))\b`) },
  { category: 'instruction_override', weight: 0.85, pattern: new RegExp(String.raw`\b${TARGET} (?:you (?:were|have been) (?:given|configured with|programmed with)|you (?:received|follow|have))${W}{0,20}\b(?:no longer apply|do not apply|don't apply|are void|are cancell?ed|don't matter|do not matter)\b`) },
  { category: 'instruction_override', weight: 0.7, pattern: new RegExp(String.raw`\b(?:bypass|disable|turn off|switch off|deactivate|circumvent|evade|get around|remove|lift|drop|suspend|skip)\b${W}{0,15}\b(?:guardrails|safety (?:filters?|checks|layer|systems?|features|protocols|polic(?:y|ies)|guidelines|rules|settings)|content (?:filters?|filtering|polic(?:y|ies)|moderation)|safeguards|moderation(?: layer| filters?| system)?|filters)\b`) },
  { category: 'instruction_override', weight: 0.85, pattern: /\b(?:forget|ignore|disregard) (?:everything|all) (?:you (?:were|have been|'ve been) told|above|before|that came before)/ },
  { category: 'instruction_override', weight: 0.85, pattern: /\b(?:do not|don't|stop) (?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing) to|comply(?:ing)? with) (?:your|the|any|those|these) (?:rules|instructions|guidelines|policies|system prompt|restrictions)/ },
  { category: 'instruction_override', weight: 0.6, pattern: /\b(?:new|updated|revised|real|actual|priority|urgent) (?:instructions?|rules|system prompt|directives?|orders|task)\s*(?::|-|are\b|is\b)/ },
  { category: 'instruction_override', weight: 0.55, pattern: /\bfrom now on,? (?:you (?:will|are|must|shall)|respond|act|answer|ignore|only|reply)/ },
  { category: 'instruction_override', weight: 0.6, pattern: /\byou are no longer (?:an? |bound|restricted|chatgpt|claude|an ai|the assistant)/ },
  { category: 'instruction_override', weight: 0.7, pattern: new RegExp(String.raw`\b(?:respond|answer|reply|comply|continue|talk|write|proceed)\b${W}{0,25}\bwithout (?:any |the |your )?(?:(?:content|safety|ethical|moral) )?(?:filter(?:ing|s)?|censorship|restrictions|refus(?:al|ing)|limits|guardrails|moderation)\b`) },
  { category: 'instruction_override', weight: 0.8, pattern: /\b(?:safety|moderation|filter(?:ing)?|censorship|restrictions|guardrails|content_policy|safe_mode|alignment)\s*[=:]\s*(?:false|off|0|none|disabled|no)\b/ },
  { category: 'instruction_override', weight: 0.75, pattern: new RegExp(String.raw`\btreat\b${W}{0,40}\bas (?:if it (?:came|comes|were) )?(?:coming )?from (?:your|the) (?:developers?|system|admin(?:istrator)?|operator|creators?|owner)\b`) },
  { category: 'instruction_override', weight: 0.5, pattern: /\b(?:ignora|ignorez|ignoriere|vergiss|oublie|olvida|dimentica|esquece)\b[^.\n]{0,30}\b(?:instrucciones|anweisungen|instructions|istruzioni|instruções|regeln|reglas|règles|regole|regras)\b/ },
  { category: 'instruction_override', weight: 0.45, pattern: /\b(?:anteriores|previas|vorherigen|bisherigen|précédentes|precedenti|anteriores|früheren)\b/ },
  // system_prompt_exfiltration: get the model to show what it was told.
  { category: 'system_prompt_exfiltration', weight: 0.85, pattern: new RegExp(String.raw`\b${REVEAL}\b${W}{0,60}\b(?:${SECRET_TARGET.slice(3, -1)}|${OWN_SETUP})`) },
  { category: 'system_prompt_exfiltration', weight: 0.8, pattern: new RegExp(String.raw`\bwhat (?:is|are|was|were|would)\b${W}{0,30}\b${SECRET_TARGET}`) },
  { category: 'system_prompt_exfiltration', weight: 0.85, pattern: /\brepeat (?:everything|the text|all (?:of the )?text|the words|all of the above|the above)\b(?: (?:above|before|verbatim|starting))?/ },
  { category: 'system_prompt_exfiltration', weight: 0.8, pattern: new RegExp(String.raw`\b(?:confidential|secret|hidden|internal|original|initial|starting|first|private) (?:prompt|instructions|system message|configuration|setup text|directives)\b`) },
  { category: 'system_prompt_exfiltration', weight: 0.75, pattern: new RegExp(String.raw`\b(?:text|message|words|instructions|prompt)\b${W}{0,40}\b(?:(?:developers?|operators?|creators?|openai|they|someone) (?:placed|put|wrote|gave you|added|inserted)|you were given at the (?:start|beginning)|at the (?:start|beginning|top) of (?:this|the) (?:session|conversation|chat))\b`) },
  { category: 'system_prompt_exfiltration', weight: 0.35, pattern: /\b(?:word for word|verbatim|exactly as written|quote them exactly)\b/ },
  // role_play_jailbreak: a persona, mode or hypothetical without the model's limits.
  { category: 'role_play_jailbreak', weight: 0.9, pattern: new RegExp(String.raw`\b(?:act as|acting as|pretend (?:to be|you are|you're)|you are now|you're now|roleplay(?: as)?|role-play(?: as)?|simulate|become)\b${W}{0,50}\b(?:unrestricted|unfiltered|uncensored|no (?:rules|restrictions|limits|filters|guidelines|morals)|without (?:any )?(?:rules|restrictions|limits|filters|ethics|guidelines|censorship)|jailbroken|evil|dan\b|developer mode|an ai with no)`) },
  { category: 'role_play_jailbreak', weight: 0.85, pattern: new RegExp(String.raw`\b(?:you are|you're|you will be|act as|play|become|pretend|imagine|as)\b${W}{0,60}\b(?:without (?:any )?|with no |with zero |(?:has|have|having) (?:no|zero) |free (?:of|from) (?:any )?|not bound by (?:any )?|no longer bound by )(?:\w+ )?${NO_LIMITS}`) },
  { category: 'role_play_jailbreak', weight: 0.85, pattern: /\byou are an? (?:uncensored|unfiltered|unrestricted|jailbroken|amoral)\b/ },
  { category: 'role_play_jailbreak', weight: 0.85, pattern: /\b(?:developer|dan|god|jailbreak|unrestricted|unfiltered|debug|sudo|root) mode(?: is)?(?: now)? (?:enabled|activated|engaged)\b|\b(?:enable|enter|activate|engage|switch to|go into|boot into|turn on) (?:developer|dan|god|jailbreak|debug|unrestricted|unfiltered|sudo|root|admin) mode\b|\byou are (?:now )?in (?:developer|dan|god|jailbreak|unrestricted) mode\b/ },
  { category: 'role_play_jailbreak', weight: 0.4, pattern: /\b(?:switch to|enter|go into|activate) (?:maintenance|diagnostic|service|test|admin) mode\b/ },
  { category: 'role_play_jailbreak', weight: 0.8, pattern: /\b(?:you|dan|it|which)\b[^.\n]{0,30}\bdo(?:es)? anything now\b|\bjailbreak(?:ed)? (?:yourself|the model|prompt)\b|\bdan\b[^.\n]{0,30}\bno (?:rules|restrictions|limits)\b/ },
  { category: 'role_play_jailbreak', weight: 0.5, pattern: /\b(?:no|without|free (?:of|from)|zero) (?:ethical|moral|content|safety) (?:guidelines|restrictions|filters|limits|constraints|rules|boundaries)/ },
  { category: 'role_play_jailbreak', weight: 0.65, pattern: new RegExp(String.raw`\bif you (?:had|were|did|have)(?:n't| not)?\b${W}{0,12}\b(?:no|without|free of|unrestricted|unfiltered|uncensored|not bound by)\b${W}{0,20}\b(?:${NO_LIMITS}|policy)`) },
  { category: 'role_play_jailbreak', weight: 0.5, pattern: /\b(?:answer|respond|reply|speak) as (?:that|this|the|your) (?:unrestricted |unfiltered |uncensored |evil |other |true )?(?:version|persona|character|self)\b/ },
  { category: 'role_play_jailbreak', weight: 0.35, pattern: /\b(?:stay in character|never break character|you have no (?:rules|restrictions|limits))\b/ },
  // delimiter_injection: fake turn or system markers.
  { category: 'delimiter_injection', weight: 0.9, pattern: /<\|\s*(?:im_start|im_end|system)\s*\|>\s*(?:system|assistant|user)?\s*\w+[^<]{8,}/ },
  { category: 'delimiter_injection', weight: 0.7, pattern: /<\|\s*endoftext\s*\|>\s*\w[^\n]{8,}/ },
  { category: 'delimiter_injection', weight: 0.85, pattern: /\[inst\][\s\S]{10,}\[\/inst\]|<<sys>>[\s\S]{5,}|\[(system|sys)\][\s\S]{5,}\[\/\1\]/ },
  { category: 'delimiter_injection', weight: 0.75, pattern: /<(system|instructions?|admin|developer)(?:_prompt)?>[^<]{5,}<\/\1(?:_prompt)?>/ },
  { category: 'delimiter_injection', weight: 0.8, pattern: /<\/(?:user|human|input|query)>\s*<(?:system|assistant|admin|developer)>/ },
  { category: 'delimiter_injection', weight: 0.7, pattern: /\[\s*(?:system|admin|developer|root)(?:[ _](?:override|message|prompt|instruction|command|update))?\s*\][^\n]{0,40}\b(?:reveal|ignore|disregard|must|override|grant|disable|print|show|output|all)\b/ },
  { category: 'delimiter_injection', weight: 0.7, pattern: /#{2,}\s*(?:system|admin|developer)(?:[ _](?:override|message|prompt|update))?\s*#{2,}/ },
  { category: 'delimiter_injection', weight: 0.6, pattern: /(?:^|\n)\s*(?:#{2,}\s*)?(?:system|admin|developer)\s*(?:message|prompt|override)?\s*:[^\n]{0,40}\b(?:ignore|disregard|must|new|override|reveal|you are|the assistant|comply|policy|polic(?:y|ies))\b/ },
  { category: 'delimiter_injection', weight: 0.7, pattern: /\b(?:end of (?:user )?(?:input|prompt|conversation|document)|begin (?:system|admin|new) (?:prompt|instructions?|session))\b[^\n]{0,20}[\s\S]{0,80}\b(?:instructions?|prompt|ignore|reveal|exfiltrate)\b/ },
  { category: 'delimiter_injection', weight: 0.8, pattern: new RegExp(String.raw`<!--\s*(?:${AI}|system|note to (?:the )?${AI})\s*[:,-]`) },
  // data_exfiltration: move secrets or conversation data somewhere.
  { category: 'data_exfiltration', weight: 0.7, pattern: new RegExp(String.raw`\b(?:send|forward|email|exfiltrate|post|upload|transmit|leak)\b${W}{0,40}\b(?:conversation|chat history|credentials|api keys?|passwords?|secrets?|tokens?|user data|system prompt|emails|inbox)\b${W}{0,40}\b(?:to|at|into)\b${W}{0,20}(?:https?:|@|\burl\b|\bserver\b|\bendpoint\b)`) },
  { category: 'data_exfiltration', weight: 0.6, pattern: /\b(?:collect|harvest|obtain|ask for|extract|steal)\b[^.\n]{0,30}\b(?:user'?s?|their|the customer'?s?) (?:passwords?|credentials|credit card|card number|api keys?|tokens?|ssn)\b/ },
  { category: 'data_exfiltration', weight: 0.5, pattern: /\b(?:list|print|show|dump|reveal)\b[^.\n]{0,20}\b(?:all )?(?:stored|saved|known) (?:secrets|passwords|credentials|api keys|tokens)\b/ },
  { category: 'data_exfiltration', weight: 0.5, pattern: /\bgrant\b[^.\n]{0,30}\b(?:admin(?:istrator)?|root|superuser|elevated) (?:privileges|access|rights)\b/ },
  // tool_result_injection: text addressed to the model inside content it reads.
  { category: 'tool_result_injection', weight: 0.6, pattern: new RegExp(String.raw`\b${AI_NOT_AGENT}\b${W}{0,30}\b(?:must|should|shall|need to)\b${W}{0,50}\b(?:now|instead|immediately|first)\b`) },
  { category: 'tool_result_injection', weight: 0.7, pattern: new RegExp(String.raw`\b(?:note|message|instruction|instructions|attention|important|notice|warning|reminder|task)\b${W}{0,15}\b(?:for|to)\b (?:the |any |all |every )?(?:${AI}|ai \w+)(?: reading this| processing this| that reads this)?\b`) },
  { category: 'tool_result_injection', weight: 0.6, pattern: new RegExp(String.raw`(?:^|["'{:\n]|\. )\s*(?:attention |hey |dear |note to )?(?:${AI})(?: \w+)?\s*[:,-]\s*(?:you must|ignore|disregard|stop|do not|don't|instead|new task|cancel|forward|send|delete|run|execute|tell|reply|respond|collect)`) },
  { category: 'tool_result_injection', weight: 0.85, pattern: /\b(?:ignore|disregard|forget|override|skip)\b[^.\n]{0,10}\b(?:the )?(?:user'?s?|human'?s?|customer'?s?)\b[^.\n]{0,10}\b(?:request|question|query|instructions?|message|task|input)\b/ },
  { category: 'tool_result_injection', weight: 0.55, pattern: /\bstop (?:summari[sz]ing|translating|reading|what you are doing|the (?:summary|task))\b[^.\n]{0,20}\b(?:and|then|instead)\b/ },
  { category: 'tool_result_injection', weight: 0.5, pattern: /\bnew (?:task|objective|job|role|mission|goal|instructions?)\s*[:-]/ },
  // encoded_payload: decode-and-obey.
  { category: 'encoded_payload', weight: 0.75, pattern: /\bdecode (?:this|the following|it)\b[^\n]{0,40}\b(?:and|then) (?:follow|execute|do|run|obey|apply|act on|carry out)/ },
  // authority claims add weight to whatever they ask for, never enough alone.
  { category: 'instruction_override', weight: 0.3, pattern: /\b(?:i am|i'm|this is) (?:your|the|an?) (?:admin(?:istrator)?|developer|creator|owner|operator|system administrator|sysadmin)\b|\b(?:the )?(?:safety|security|trust) team (?:has )?(?:signed off|approved|authori[sz]ed)\b/ },
  // refusal suppression: the model may not refuse, warn or mention its policy.
  { category: 'role_play_jailbreak', weight: 0.6, pattern: /\b(?:do not|don't|never|you (?:may|can|must) not|you won't|without) (?:ever )?(?:refuse|refusing|decline|say no|mention (?:any|your|the) (?:policy|policies|rules|guidelines))\b|\bno refusals\b/ },
  // Alone below the threshold: "no disclaimers please" is also how busy professionals ask for a terse answer.
  { category: 'role_play_jailbreak', weight: 0.45, pattern: /\b(?:do not|don't|never|you won't|without) (?:ever )?add (?:any )?(?:warnings|disclaimers)\b|\bno (?:disclaimers|warnings)\b/ },
  { category: 'instruction_override', weight: 0.7, pattern: /\b(?:comply with|obey|do|follow) (?:anything|everything|whatever|all) (?:i|the user) (?:say|says|ask|asks|tell you|tells you|type|want)\b/ },
  { category: 'instruction_override', weight: 0.75, pattern: new RegExp(String.raw`\b${OVERRIDE_VERB}\b (?:all |any |your |the )?(?:safety|ethics|morals|morality|filters|restrictions|guardrails|content policy|alignment)\b`) },
  { category: 'instruction_override', weight: 0.85, pattern: new RegExp(String.raw`\b(?:safety|content|security|usage|ethical|ethics) ${TARGET}\b${W}{0,20}\b(?:are|is|have been|has been|were|was|are now|is now)\s+(?:hereby |temporarily )?(?:cancell?ed|void|revoked|overridden|lifted|suspended|disabled|deactivated|waived|off|paused|no longer (?:valid|in effect|in force|active|binding))\b`) },
  { category: 'instruction_override', weight: 0.45, pattern: /\byour (?:new|real|true|actual) (?:job|task|role|objective|purpose|mission|goal) is\b/ },
  { category: 'system_prompt_exfiltration', weight: 0.8, pattern: /\b(?:everything|all (?:the )?text|whatever|all that|anything)\b[^.\n]{0,25}\b(?:before|above|preceding|prior to) (?:my|the|this) (?:first )?(?:message|question|input|prompt|request)\b/ },
  { category: 'system_prompt_exfiltration', weight: 0.6, pattern: new RegExp(String.raw`\byour (?:real|true|actual|original|hidden|secret|internal|initial) (?:setup|instructions|prompt|configuration|config|rules|directives|guidelines)\b`) },
  { category: 'tool_result_injection', weight: 0.6, pattern: new RegExp(String.raw`(?:^|["'{:\n]|[.!?] )\s*(?:attention |hey |dear |note to |to )?(?:${AI})\s*[:,-]${W}{0,40}\b${IMPERATIVE}\b`) },
  { category: 'instruction_override', weight: 0.5, pattern: /\b(?:negeer|vergeet|ignorer|oubliez?|olvide|ignorar|ignorieren)\b[^.\n]{0,30}\b(?:instructies|regels|consignes|instructions|instrucciones|reglas|anweisungen|regeln)\b/ },
  { category: 'instruction_override', weight: 0.45, pattern: /\b(?:eerdere|vorige|précédentes|precedentes|consignes)\b/ },
  // Content that speaks to the model reading it: "assistants summarising this page", {"ai_instructions": …}, [note to the summariser].
  { category: 'tool_result_injection', weight: 0.7, pattern: /\b(?:ai|assistant|llm|model|agent|bot|summari[sz]er|crawler|copilot)s?\b (?:reading|processing|summari[sz]ing|parsing|browsing|indexing|crawling|scanning|analy[sz]ing|ingesting) (?:this|these|the|our)\b/ },
  { category: 'tool_result_injection', weight: 0.7, pattern: /["']?\b(?:ai|assistant|llm|agent|model|bot|gpt)[_ -]?(?:instructions?|directives?|override|commands?|orders)["']?\s*:/ },
  { category: 'tool_result_injection', weight: 0.75, pattern: /[[(]\s*(?:note|message|instruction|attention|notice|memo)s?\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:[a-z-]+\s+)?(?:ai|assistant|llm|model|bot|summari[sz]er|reader|agent|crawler|copilot)s?\b/ },
  // "Assistant: when summarizing this invite, also …": a task slipped in for whoever processes the content.
  { category: 'tool_result_injection', weight: 0.7, pattern: new RegExp(String.raw`\b${AI_NOT_AGENT}\b${W}{0,20}\bwhen (?:you )?(?:summari[sz]e|summari[sz]ing|read|reading|process|processing|parse|parsing|review|reviewing|handle|handling) (?:this|these|the)\b`) },
  // The setup by when it came: "what you were told before I arrived".
  { category: 'system_prompt_exfiltration', weight: 0.8, pattern: new RegExp(String.raw`\b(?:what(?:ever)?|everything|anything|all) you (?:were|have been|'ve been|got) (?:told|given|instructed|shown|briefed(?: on| with)?)\b${W}{0,30}\bbefore (?:i|we|this|our|the (?:chat|conversation|session))\b`) },
  // The setup by where it sits: "the preface that precedes our chat".
  { category: 'system_prompt_exfiltration', weight: 0.8, pattern: new RegExp(String.raw`\b(?:preface|preamble|prelude|text|message|words|instructions|content|everything|notes?)\b${W}{0,20}\b(?:precedes|preceded|came before|comes before|sits above|sat above|was placed before|was loaded before)\b${W}{0,12}\b(?:our|this|the|my)\b${W}{0,12}\b(?:chat|conversation|session|exchange|dialogue|thread|messages?)\b`) },
  // Priority hijack: the user's words outrank the model's instructions.
  { category: 'instruction_override', weight: 0.75, pattern: new RegExp(String.raw`\b(?:treat|consider|regard|rank|count|handle)\b${W}{0,40}\b(?:my|what(?:ever)? i (?:type|say|write|send|ask))\b${W}{0,30}\b(?:higher|highest|top|absolute|overriding|supreme|final|first) (?:priority|authority|precedence)\b`) },
  { category: 'instruction_override', weight: 0.8, pattern: /\bmy (?:instructions|messages|words|commands|requests|orders) (?:take|have|get|hold) (?:priority|precedence) over\b/ },
];
