import { openSamplePullRequest, startSandbox } from './sandbox';

/**
 * `npm run sandbox`: the app and every service it talks to, on this machine, with a sample repository and an open
 * pull request. Prints one JSON line with everything needed to drive it with curl, then runs until interrupted.
 */
async function main() {
  const sandbox = await startSandbox({
    hostPort: process.env.PORT ? Number(process.env.PORT) : undefined,
    onLog: (entry) => process.stderr.write(`[${entry.functionName}] ${entry.level}: ${entry.message}\n`),
  });
  const sample = await openSamplePullRequest(sandbox);
  process.stdout.write(
    JSON.stringify({
      webhookUrl: sandbox.webhook.url,
      webhookUsername: sandbox.webhook.username,
      webhookPassword: sandbox.webhook.password,
      healthUrl: `${sandbox.host.url}/health`,
      azureDevOpsUrl: sandbox.devops.orgUrl,
      azureDevOpsToken: sandbox.devops.token,
      organization: sandbox.devops.organization,
      project: sample.project.name,
      projectId: sample.project.id,
      repositoryId: sample.repositoryId,
      pullRequestId: sample.pullRequestId,
      llmUrl: sandbox.llm.baseUrl,
      queueConnectionString: sandbox.azurite.connectionString,
    }) + '\n',
  );
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
