import type { GauntletConfig } from './types.ts';

/** Identity function: gives a gauntlet.config.ts its types. */
export function defineConfig(config: GauntletConfig): GauntletConfig {
  return config;
}
