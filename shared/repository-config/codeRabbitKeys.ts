/**
 * The keys of CodeRabbit's `.coderabbit.yaml` (schema v2) that ado-reviewer does not act on. A team's existing file
 * must not be refused for them: they are accepted and reported as ignored. `true` stands for a key and everything
 * under it; a nested object lists the CodeRabbit keys under a key we partly implement. Keys we implement are not
 * listed here (repositoryConfigSchema is their one definition).
 */
export type KeyTree = { readonly [key: string]: KeyTree | true };

export const codeRabbitOnlyKeys: KeyTree = {
  early_access: true,
  enable_free_tier: true,
  inheritance: true,
  remote_config: true,
  issue_enrichment: true,
  code_generation: true,
  reviews: {
    // No vote is cast: the merge gate is the PR status a branch policy requires.
    request_changes_workflow: true,
    high_level_summary_instructions: true,
    high_level_summary_placeholder: true,
    high_level_summary_in_walkthrough: true,
    auto_title_placeholder: true,
    auto_title_instructions: true,
    review_status: true,
    review_details: true,
    commit_status: true,
    fail_commit_status: true,
    changed_files_summary: true,
    sequence_diagrams: true,
    estimate_code_review_effort: true,
    assess_linked_issues: true,
    related_issues: true,
    related_prs: true,
    suggested_labels: true,
    labeling_instructions: true,
    auto_apply_labels: true,
    suggested_reviewers: true,
    auto_assign_reviewers: true,
    in_progress_fortune: true,
    poem: true,
    enable_prompt_for_ai_agents: true,
    abort_on_close: true,
    disable_cache: true,
    finishing_touches: true,
    pre_merge_checks: true,
    tools: true,
    auto_review: {
      auto_incremental_review: true,
      auto_pause_after_reviewed_commits: true,
      description_keyword: true,
      labels: true,
      ignore_usernames: true,
    },
  },
  chat: { art: true, integrations: true },
  knowledge_base: {
    opt_out: true,
    web_search: true,
    code_guidelines: true,
    issues: true,
    jira: true,
    linear: true,
    pull_requests: true,
    mcp: true,
    learnings: { scope: true },
  },
};
