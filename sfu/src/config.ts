/** Environment → typed Config, validated once at start-up. Every setting has an embedded default. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where Janus's generated config and log go. */
  DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  /** The built PWA to serve. */
  WEB_DIR: z.string().default(path.join(repoRoot, 'web', 'dist')),
  NO_ANSWER_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** 0 picks a free port at start-up. */
  JANUS_WS_PORT: port.default(0),
  JANUS_ADMIN_PORT: port.default(0),
  JANUS_RTP_PORTS: z
    .string()
    .regex(/^\d+-\d+$/, 'expected FROM-TO')
    .default('40000-40999'),
  /** Interface Janus's ICE is restricted to; empty picks the one holding the default route. */
  JANUS_ICE_INTERFACE: z.string().default(''),
});

export type Config = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
