import { Pool } from "pg";
import { createClient } from "redis";
import type { Config } from "./config";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queries (
  id BIGSERIAL PRIMARY KEY,
  text TEXT NOT NULL,
  embedding DOUBLE PRECISION[] NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

const QUERY_COUNTER_KEY = "rag:queries:total";

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class QueryStore {
  private readonly pool: Pool;
  private schema: Promise<void> | undefined;

  constructor(config: Config["pg"]) {
    this.pool = new Pool({
      ...config,
      max: 10,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
    });
    this.pool.on("error", () => undefined);
  }

  ensureSchema(): Promise<void> {
    if (!this.schema) {
      this.schema = this.pool.query(SCHEMA).then(
        () => undefined,
        (err: unknown) => {
          this.schema = undefined;
          throw err;
        },
      );
    }
    return this.schema;
  }

  async insert(text: string, embedding: number[]): Promise<number> {
    await this.ensureSchema();
    const result = await this.pool.query<{ id: string }>(
      "INSERT INTO queries (text, embedding) VALUES ($1, $2) RETURNING id",
      [text, embedding],
    );
    return Number(result.rows[0].id);
  }

  async count(): Promise<number> {
    await this.ensureSchema();
    const result = await this.pool.query<{ count: string }>(
      "SELECT count(*) AS count FROM queries",
    );
    return Number(result.rows[0].count);
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export class Counter {
  private readonly client: ReturnType<typeof createClient>;

  constructor(url: string, password: string | undefined, onError: (err: Error) => void) {
    this.client = createClient({
      url,
      password,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 3000,
        reconnectStrategy: (retries: number) => Math.min(200 * 2 ** retries, 5000),
      },
    });
    this.client.on("error", onError);
  }

  connect(): Promise<unknown> {
    return this.client.connect();
  }

  increment(): Promise<number> {
    return this.client.incr(QUERY_COUNTER_KEY);
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.client.isReady) {
      await this.client.quit();
    } else if (this.client.isOpen) {
      await this.client.disconnect();
    }
  }
}

export class NlpClient {
  constructor(private readonly baseUrl: string) {}

  async embed(text: string): Promise<number[]> {
    const response = await fetch(`${this.baseUrl}/embed`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ texts: [text] }),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) {
      throw new Error(`nlp /embed answered ${response.status}`);
    }
    const body = (await response.json()) as { vectors?: unknown };
    const vector = Array.isArray(body.vectors) ? body.vectors[0] : undefined;
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === "number")) {
      throw new Error("nlp /embed returned no vector");
    }
    return vector as number[];
  }

  async ping(): Promise<void> {
    const response = await fetch(`${this.baseUrl}/health`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) {
      throw new Error(`nlp /health answered ${response.status}`);
    }
  }
}
