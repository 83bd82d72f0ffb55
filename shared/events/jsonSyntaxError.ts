/**
 * Where a text stops being JSON, to say so in an answer or a log without quoting the text: V8's messages quote a
 * snippet of the input (secrets included, if a delivery carried any) and not every one names a position.
 */

const NUMBER_OR_LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** A position in a text: character offset from 0, line and column from 1. */
interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { offset, line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/**
 * The position of the first JSON syntax error in `text` (RFC 8259), or undefined when it is valid JSON. Iterative,
 * so deep nesting cannot overflow the stack.
 */
export function jsonSyntaxErrorPosition(text: string): TextPosition | undefined {
  let i = 0;
  const open: ('object' | 'array')[] = [];
  const skipWhitespace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = (): boolean => {
    i++; // the opening quote
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return true;
      }
      if (code < 0x20) return false;
      if (code === 0x5c) {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) return false;
        i = ESCAPE.lastIndex;
      } else i++;
    }
    return false;
  };
  const key = (): boolean => {
    skipWhitespace();
    if (text[i] !== '"' || !string()) return false;
    skipWhitespace();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };

  let expectValue = true;
  for (;;) {
    skipWhitespace();
    if (expectValue) {
      const char = text[i];
      if (char === '{' || char === '[') {
        i++;
        skipWhitespace();
        if (text[i] === (char === '{' ? '}' : ']')) {
          i++;
          expectValue = false;
          continue;
        }
        open.push(char === '{' ? 'object' : 'array');
        if (char === '{' && !key()) return positionOf(text, i);
        continue;
      }
      if (char === '"') {
        if (!string()) return positionOf(text, i);
        expectValue = false;
        continue;
      }
      NUMBER_OR_LITERAL.lastIndex = i;
      if (!NUMBER_OR_LITERAL.test(text)) return positionOf(text, i);
      i = NUMBER_OR_LITERAL.lastIndex;
      expectValue = false;
      continue;
    }
    const innermost = open.at(-1);
    if (innermost === undefined) return i < text.length ? positionOf(text, i) : undefined;
    const char = text[i];
    if (char === ',') {
      i++;
      if (innermost === 'object' && !key()) return positionOf(text, i);
      expectValue = true;
    } else if (char === (innermost === 'object' ? '}' : ']')) {
      i++;
      open.pop();
    } else {
      return positionOf(text, i);
    }
  }
}
