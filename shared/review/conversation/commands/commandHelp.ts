import { commandCatalog } from './commandCatalog';

/**
 * The reply to `help` and to an unknown command: every command, from the catalog. The mention is written as Azure
 * DevOps writes one, so it shows as the bot's name.
 */
export function renderCommandHelp(botId: string, unknownWord?: string): string {
  const lines: string[] = [];
  if (unknownWord !== undefined) lines.push(`I do not know the command \`${unknownWord}\`.`, '');
  lines.push(
    `Mention me (@<${botId}>) followed by one of these commands, alone on its line:`,
    '',
    '| Command | What it does | Who may |',
    '| --- | --- | --- |',
    ...commandCatalog.map(
      (entry) =>
        `| \`${entry.usage}\` | ${entry.description} | ${entry.maintainers ? 'maintainers' : 'anyone'} |`,
    ),
    '',
    'A mention followed by anything else is answered as a question. Mentions inside code or quotes are not read.',
  );
  return lines.join('\n');
}
