/** Supervisor defaults and one validation pass, with messages that quote the bad value. */
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../protocol/messages.ts';
import { GauntletError } from '../util/errors.ts';
import type { ResolvedSupervisorOptions, RestartPolicy, SupervisorOptions } from './types.ts';

export const DEFAULT_RESTART: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  backoffBaseMs: 100,
  backoffMaxMs: 5_000,
  jitter: 0.2,
};

export const SUPERVISOR_DEFAULTS = {
  readyTimeoutMs: 10_000,
  healthIntervalMs: 5_000,
  healthTimeoutMs: 2_000,
  retryOnceAfterRestart: false,
  shutdownGraceMs: 2_000,
  maxPending: 1_000,
  standby: 0,
} as const;

const ms = z.number().finite().nonnegative();
const positiveMs = z.number().finite().positive();

const schema = z.object({
  command: z.array(z.string().min(1)).min(1),
  transport: z.enum(['stdio', 'uds']),
  codec: z.enum(['msgpack', 'ndjson']),
  socketPath: z.string().min(1).optional(),
  modelPath: z.string().min(1),
  initOptions: z
    .object({
      normalize: z.boolean().optional(),
      lanes: z.number().int().positive().optional(),
      threads: z.number().int().positive().optional(),
      contextSize: z.number().int().positive().optional(),
    })
    .optional(),
  limits: z
    .object({
      maxFrameBytes: z.number().int().positive().optional(),
      maxBatch: z.number().int().positive().optional(),
      requestTimeoutMs: positiveMs.optional(),
    })
    .optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  readyTimeoutMs: positiveMs.optional(),
  requestTimeoutMs: positiveMs.optional(),
  restart: z
    .object({
      maxRestarts: z.number().int().nonnegative().optional(),
      windowMs: positiveMs.optional(),
      backoffBaseMs: ms.optional(),
      backoffMaxMs: ms.optional(),
      jitter: z.number().min(0).max(1).optional(),
    })
    .optional(),
  healthIntervalMs: ms.optional(),
  healthTimeoutMs: positiveMs.optional(),
  retryOnceAfterRestart: z.boolean().optional(),
  shutdownGraceMs: ms.optional(),
  maxPending: z.number().int().positive().optional(),
  random: z.custom<() => number>((v) => typeof v === 'function', 'expected a function').optional(),
  standby: z.number().int().min(0).max(8).optional(),
});

function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  return `${text} (${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value})`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** A restart policy with the defaults filled in (a field given as undefined takes its default), as the supervisor uses it. */
export function restartPolicy(restart?: Partial<RestartPolicy>): RestartPolicy {
  return { ...DEFAULT_RESTART, ...stripUndefined(restart ?? {}) };
}

/** Fills defaults and validates once; throws GAUNTLET_CONFIG_INVALID naming the field and the bad value. */
export function resolveSupervisorOptions(input: SupervisorOptions): ResolvedSupervisorOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const where = issue.path.map(String).join('.') || '(options)';
      return `supervisor.${where}: ${issue.message}, got ${describe(valueAt(input, issue.path))}`;
    });
    throw new GauntletError('GAUNTLET_CONFIG_INVALID', lines.join('\n'), { details: { issues: lines } });
  }
  const o = parsed.data;
  const limits = { ...DEFAULT_LIMITS, ...stripUndefined(o.limits ?? {}) };
  const restart = restartPolicy(o.restart);
  if (restart.backoffMaxMs < restart.backoffBaseMs) {
    throw new GauntletError(
      'GAUNTLET_CONFIG_INVALID',
      `supervisor.restart.backoffMaxMs: expected >= backoffBaseMs (${restart.backoffBaseMs}), got ${restart.backoffMaxMs}`,
    );
  }
  return {
    command: o.command,
    transport: o.transport,
    codec: o.codec,
    socketPath: o.socketPath,
    modelPath: o.modelPath,
    initOptions: o.initOptions ?? {},
    limits,
    env: o.env ?? {},
    cwd: o.cwd,
    readyTimeoutMs: o.readyTimeoutMs ?? SUPERVISOR_DEFAULTS.readyTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs ?? limits.requestTimeoutMs,
    restart,
    healthIntervalMs: o.healthIntervalMs ?? SUPERVISOR_DEFAULTS.healthIntervalMs,
    healthTimeoutMs: o.healthTimeoutMs ?? SUPERVISOR_DEFAULTS.healthTimeoutMs,
    retryOnceAfterRestart: o.retryOnceAfterRestart ?? SUPERVISOR_DEFAULTS.retryOnceAfterRestart,
    shutdownGraceMs: o.shutdownGraceMs ?? SUPERVISOR_DEFAULTS.shutdownGraceMs,
    maxPending: o.maxPending ?? SUPERVISOR_DEFAULTS.maxPending,
    random: input.random ?? Math.random,
    standby: o.standby ?? SUPERVISOR_DEFAULTS.standby,
  };
}

function stripUndefined<T extends object>(obj: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as never;
}
