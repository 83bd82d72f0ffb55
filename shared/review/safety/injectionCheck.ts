/**
 * A deterministic check for text addressed to an AI reviewer rather than to people: instructions to the model,
 * hidden markup and invisible characters. Whatever the model makes of such text, the attempt itself is reported.
 */

interface InjectionRule {
  label: string;
  pattern: RegExp;
  /** False for rules that legitimate source code trips (HTML comments in an .html file). */
  inCode: boolean;
}

const RULES: InjectionRule[] = [
  {
    label: 'an instruction to ignore previous instructions',
    pattern:
      /\b(?:ignore|disregard|forget|override|skip)\b[^\n]{0,40}\b(?:previous|prior|above|earlier|preceding|all|any|your|the)\b[^\n]{0,30}\b(?:instructions?|prompts?|rules|guidelines|directions|context)\b/i,
    inCode: true,
  },
  { label: 'a new role for the model ("you are now")', pattern: /\byou\s+are\s+now\b/i, inCode: true },
  {
    label: 'an instruction not to report',
    pattern:
      /\b(?:do\s+not|don['’]t|never|must\s+not|should\s+not)\s+(?:report|flag|mention|comment\s+on|raise|list)\b/i,
    inCode: true,
  },
  {
    label: 'a request to approve',
    pattern:
      /\b(?:approve|lgtm|pass)\s+(?:this|the)\s+(?:pr|pull\s+request|change|review|code|merge)\b|\bapprove\s+this\b/i,
    inCode: true,
  },
  { label: 'a reference to the system prompt', pattern: /\bsystem\s+prompt\b/i, inCode: true },
  {
    label: 'text addressed to an AI reviewer',
    pattern:
      /\b(?:dear|attention|hey|note\s+(?:to|for))\s+(?:the\s+)?(?:ai|llm|assistant|language\s+model|model|reviewer|bot|copilot|gpt|chatgpt|claude)\b|\b(?:ai|llm)(?:\s+(?:reviewers?|assistants?|models?))?\s*[:,]/i,
    inCode: true,
  },
  {
    label: 'chat-format markup',
    pattern: /<\|im_(?:start|end)\|>|\[\/?INST\]|<\/?(?:system|assistant)>|^\s*(?:system|assistant)\s*:/im,
    inCode: true,
  },
  { label: 'a hidden HTML comment', pattern: /<!--[\s\S]*?-->/, inCode: false },
  { label: 'zero-width characters', pattern: /[\u200B-\u200D\u2060\uFEFF]/, inCode: true },
  { label: 'bidirectional control characters', pattern: /[\u202A-\u202E\u2066-\u2069]/, inCode: true },
];

/** Files in which an HTML comment is text a reader does not see, as in a description. */
const PROSE_FILE = /\.(?:md|markdown|mdx|txt|rst|adoc)$/i;

/** What in `text` looks addressed to an AI reviewer: the rules' labels, never the text itself. */
export function injectionSigns(text: string, where: 'prose' | { path: string } = 'prose'): string[] {
  const code = where !== 'prose' && !PROSE_FILE.test(where.path);
  return RULES.filter((rule) => (rule.inCode || !code) && rule.pattern.test(text)).map((rule) => rule.label);
}

/** The fixed wording of an injection finding: it names the signs, and never quotes the text. */
export function injectionFindingText(signs: string[], where: string): string {
  return (
    `**Possible prompt injection** in ${where}: ${signs.join('; ')}. ` +
    'Text like this tries to steer an AI reviewer (for instance into reporting nothing). ado-reviewer treated it ' +
    'as data; a person should check why it is there.'
  );
}
