/**
 * Comment text with its Markdown code, and quoted text, blanked out: what is shown as code (or quoted from someone
 * else) is not addressed to the reviewer, so a mention there is not a mention. Blanked with spaces, line breaks
 * kept, so lines stay lines. Follows CommonMark where it matters here: fenced blocks (``` or ~~~, closed by a fence
 * of the same character at least as long, or by the end), indented blocks (four spaces or a tab, not continuing a
 * paragraph), block quotes, and code spans (a run of backticks closed by a run of the same length).
 */

const blank = (text: string) => text.replace(/[^\n]/g, ' ');

function withoutCodeBlocksAndQuotes(text: string): string {
  let fence: { char: string; length: number } | undefined;
  // Indented code cannot continue a paragraph: it starts after a blank line (or a block that is not a paragraph).
  let afterParagraph = false;
  const lines = text.split('\n').map((line) => {
    if (fence !== undefined) {
      const close = /^ {0,3}(`+|~+)[ \t]*$/.exec(line);
      if (close !== null && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      return blank(line);
    }
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (open !== null && !(open[1][0] === '`' && line.slice(open[0].length).includes('`'))) {
      fence = { char: open[1][0], length: open[1].length };
      afterParagraph = false;
      return blank(line);
    }
    if (line.trim() === '') {
      afterParagraph = false;
      return line;
    }
    if (!afterParagraph && /^( {4}|\t)/.test(line)) return blank(line);
    if (/^ {0,3}>/.test(line)) {
      afterParagraph = false;
      return blank(line);
    }
    afterParagraph = true;
    return line;
  });
  return lines.join('\n');
}

/**
 * Backslash escapes are not told apart: text between escaped backticks is read as code, which can only miss a
 * command, never invent one. Linear: each run of backticks looks for its closing run through a per-length queue.
 */
function withoutCodeSpans(text: string): string {
  const runs = [...text.matchAll(/`+/g)].map((run) => ({ start: run.index, length: run[0].length }));
  const runsByLength = new Map<number, number[]>();
  runs.forEach((run, index) =>
    runsByLength.set(run.length, [...(runsByLength.get(run.length) ?? []), index]),
  );
  const next = new Map<number, number>();
  let result = '';
  let copied = 0;
  for (let index = 0; index < runs.length; index++) {
    const sameLength = runsByLength.get(runs[index].length) ?? [];
    let position = next.get(runs[index].length) ?? 0;
    while (position < sameLength.length && sameLength[position] <= index) position++;
    next.set(runs[index].length, position);
    if (position === sameLength.length) continue; // never closed: the backticks are literal
    const close = runs[sameLength[position]];
    const end = close.start + close.length;
    result += text.slice(copied, runs[index].start) + blank(text.slice(runs[index].start, end));
    copied = end;
    index = sameLength[position];
  }
  return result + text.slice(copied);
}

export function withoutMarkdownCode(text: string): string {
  return withoutCodeSpans(withoutCodeBlocksAndQuotes(text.replace(/\r\n?/g, '\n')));
}
