/**
 * restart-limit: a permanently broken embedder (the reference's abort-on-load switch; an embedder that ignores it
 * gets a model file that is not GGUF and a path that does not exist). The supervisor must stop after its restart
 * limit with a clear terminal error, spawn nothing after it, fail later requests at once with that error, and back
 * off between attempts (see support/restart-limit-broken.ts). Measured: whether it ended so, whether the restart
 * delays grew, the spawns before and after the give-up, and the time to the give-up.
 *
 * Most of its wall time is the supervisor's own growing backoff, waited out. It was the second half of
 * restart-storm; on its own it may overlap with other runs, while the storm's timings keep the machine to themselves.
 *
 * Applies to the same adapters as restart-storm: process adapters and http adapters that start their server
 * (`command`: the http adapter supervises it with the same restart policy); not to an external http server (not
 * ours to restart) or in-process (no embedder process apart from the host).
 */
import { defineScenario } from '../harness/runner/define-scenario.ts';
import { brokenEmbedder } from './support/restart-limit-broken.ts';
import { restartPolicyOf, supervised } from './support/supervised.ts';

export default defineScenario({
  id: 'restart-limit',
  title: 'Permanently broken embedder: the restart limit ends it in a clear error',
  claims: ['restart-limit-ends-in-clear-error', 'restart-backoff-grows', 'host-never-crashes'],
  appliesTo: (a) => (supervised(a) ? true
    : a.config.kind === 'http' ? 'an external http server (baseUrl, no command) is not the harness\'s to restart'
      : 'the in-process adapter has no embedder process to restart apart from the host'),
  // Its figures are booleans and counts with wide time bounds (seconds of patience against a give-up after ~3 s of
  // backoff): it may run beside another such run (runner lanes).
  overlap: true,
  // watchMs: how long after the give-up no spawn may follow; brokenPatienceMs: how long the supervisor gets to reach
  // its terminal error before this counts as a restart loop.
  quick: { watchMs: 600, brokenPatienceMs: 30_000 },
  full: { watchMs: 3000, brokenPatienceMs: 90_000 },
  timeoutMs: { quick: 60_000, full: 200_000 },
  async run(ctx) {
    const policy = restartPolicyOf(ctx.adapter);
    const broken = await brokenEmbedder(ctx, policy, ctx.sizes.watchMs, ctx.sizes.brokenPatienceMs);
    ctx.metric('restartLimit.endedWithClearError', broken.endedWithClearError);
    ctx.metric('restartLimit.backoffGrows', broken.backoffGrows);
    ctx.metric('restartLimit.spawns', broken.spawns);
    ctx.metric('restartLimit.spawnsAfterGiveUp', broken.spawnsAfterGiveUp);
    ctx.metric('restartLimit.giveUpMs', broken.giveUpMs);
  },
});
