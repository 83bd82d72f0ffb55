import { openSamplePullRequest, startSandbox, threadKind, type Json } from './sandbox';

/**
 * `npm run demo`: opens a sample pull request on the local stand-ins, waits for the review and prints it.
 */

async function main() {
  console.log('ado-reviewer demo — everything runs on this machine:');
  console.log(
    '  • Azure DevOps is a LOCAL TEST SERVER (real git repository, Azure DevOps REST contract), not dev.azure.com;',
  );
  console.log('  • the LLM is a LOCAL STAND-IN that answers with a scripted reviewer, not a real model;');
  console.log(
    "  • the queue is Azurite; the functions run under the project's stand-in host, not Azure Functions.\n",
  );

  const sandbox = await startSandbox();
  try {
    const { repositoryId, pullRequestId } = await openSamplePullRequest(sandbox);
    console.log(
      `Opened pull request ${pullRequestId} "Add coupon discounts" (3 files: edited, added, deleted).`,
    );
    console.log(
      'Azure DevOps sent git.pullrequest.created to POST /azure_webhooks; waiting for the review…\n',
    );

    const deadline = Date.now() + 60_000;
    let final: Json | undefined;
    while (final === undefined && Date.now() < deadline) {
      final = (sandbox.devops.statuses(repositoryId, pullRequestId) as Json[]).find(
        (status) => status.state !== 'pending',
      );
      if (final === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (final === undefined) throw new Error('No review within 60 s');

    const threads = sandbox.devops.threads(repositoryId, pullRequestId) as Json[];
    const summary = threads.find((thread) => threadKind(thread) === 'summary');
    console.log('──── Summary thread ────');
    console.log(summary?.comments[0].content ?? '(none)');
    console.log('\n──── Inline threads ────');
    for (const thread of threads.filter((candidate) => candidate.threadContext?.filePath !== undefined)) {
      const finding = String(thread.comments[0].content).split('\n')[0];
      console.log(
        `${thread.threadContext.filePath.slice(1)}:${thread.threadContext.rightFileStart.line}  ${finding}`,
      );
    }
    console.log(
      `\nPR status ${final.context.genre}/${final.context.name}: ${final.state} — ${final.description}`,
    );
    console.log(
      [
        '',
        'To run against real Azure DevOps and a real model: set AZURE_DEVOPS_ORG_URL and how the app signs in',
        '(AZURE_DEVOPS_AUTH: managed-identity, service-principal or a PAT), LLM_PROVIDER and its settings (OpenAI,',
        'Azure OpenAI, Bedrock), WEBHOOK_USERNAME/WEBHOOK_PASSWORD and AzureWebJobsStorage; `ado-reviewer check-llm`',
        'and `ado-reviewer check-access` check the model and the identity; then `npm start` (Azure Functions Core',
        'Tools) or `npm run host`. See README.md.',
      ].join('\n'),
    );
  } finally {
    await sandbox.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
