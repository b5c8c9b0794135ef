import { ConfigError, loadConfig, type Config } from "./config";
import { Logger, errorMessage } from "./log";
import { createApp } from "./server";
import { Counter, NlpClient, QueryStore } from "./store";

const SHUTDOWN_TIMEOUT_MS = 10000;

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.password) return raw;
    url.password = "redacted";
    return url.toString();
  } catch {
    return "invalid";
  }
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`rag-backend: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function prepareSchema(store: QueryStore, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.ensureSchema();
      log.info("database schema ready");
      return;
    } catch (err) {
      const delay = Math.min(500 * attempt, 5000);
      log.warn("database not ready", { attempt, retry_ms: delay, error: errorMessage(err) });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function main(): void {
  const config = readConfig();
  const log = new Logger(config.logLevel);
  const store = new QueryStore(config.pg);
  let lastRedisError = "";
  const counter = new Counter(config.redisUrl, config.redisPassword, (err) => {
    if (err.message !== lastRedisError) {
      lastRedisError = err.message;
      log.warn("redis error", { error: err.message });
    }
  });
  const nlp = new NlpClient(config.nlpUrl);
  const server = createApp({ config, log, store, counter, nlp });

  counter.connect().then(
    () => {
      lastRedisError = "";
      log.info("redis connected");
    },
    (err) => log.error("redis connect failed", { error: errorMessage(err) }),
  );
  void prepareSchema(store, log);

  server.listen(config.port, () => {
    log.info("listening", {
      port: config.port,
      version: config.version,
      color: config.color,
      pg_host: config.pg.host,
      pg_database: config.pg.database,
      redis_url: redactUrl(config.redisUrl),
      nlp_url: redactUrl(config.nlpUrl),
    });
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    setTimeout(() => {
      log.error("shutdown timed out, exiting");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    server.close(async () => {
      await Promise.allSettled([store.close(), counter.close()]);
      log.info("stopped");
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main();
