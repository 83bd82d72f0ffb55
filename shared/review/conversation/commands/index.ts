/** Comment commands: what a mention of the reviewer asks of it, and the help that lists them. */
export { commandCatalog, type CommentCommand } from './commandCatalog';
export { renderCommandHelp } from './commandHelp';
export { withoutMarkdownCode } from './markdownCode';
export { isIgnoredByDescription, parseCommentCommand } from './parseCommentCommand';
