export interface Config {
  port: number;
  pg: {
    host: string;
    port: number;
    user: string;
    database: string;
    password?: string;
  };
  redisUrl: string;
  redisPassword?: string;
  nlpUrl: string;
  jwtSecret: string;
  logLevel: string;
  version: string;
  color: string;
}

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new ConfigError(`${name} must be a port number, got "${raw}"`);
  }
  return value;
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const jwtSecret = optional(env.JWT_SECRET);
  if (!jwtSecret) {
    throw new ConfigError("JWT_SECRET is required but not set");
  }
  return {
    port: intFrom(env, "PORT", 3000),
    pg: {
      host: env.PGHOST || "localhost",
      port: intFrom(env, "PGPORT", 5432),
      user: env.PGUSER || "postgres",
      database: env.PGDATABASE || env.PGUSER || "postgres",
      password: optional(env.PGPASSWORD),
    },
    redisUrl: env.REDIS_URL || "redis://localhost:6379",
    redisPassword: optional(env.REDIS_PASSWORD),
    nlpUrl: (env.NLP_URL || "http://localhost:8000").replace(/\/+$/, ""),
    jwtSecret,
    logLevel: env.LOG_LEVEL || "info",
    version: env.RELEASE_VERSION || "dev",
    color: env.RELEASE_COLOR || "none",
  };
}
