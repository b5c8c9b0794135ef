import { existsSync } from "node:fs";
import { IncomingMessage, ServerResponse, createServer, Server } from "node:http";
import type { Config } from "./config";
import { Logger, errorMessage } from "./log";
import { httpDuration, httpRequests, ragQueries, registry } from "./metrics";
import { Counter, NlpClient, QueryStore, withTimeout } from "./store";

export const FORCE_UNHEALTHY_FILE = "/tmp/force-unhealthy";
const MAX_BODY_BYTES = 64 * 1024;
const MAX_TEXT_LENGTH = 10000;
const CHECK_TIMEOUT_MS = 2000;

export interface Deps {
  config: Config;
  log: Logger;
  store: QueryStore;
  counter: Counter;
  nlp: NlpClient;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (req: IncomingMessage, deps: Deps) => Promise<Reply>;

interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
}

function json(status: number, body: unknown): Reply {
  return { status, body };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "request body must be JSON");
  }
}

async function check(probe: () => Promise<void>, what: string): Promise<string> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, what);
    return "ok";
  } catch {
    return "fail";
  }
}

const health: Handler = async (_req, { config, store, counter, nlp }) => {
  const [postgres, redis, nlpStatus] = await Promise.all([
    check(() => store.ping(), "postgres"),
    check(() => counter.ping(), "redis"),
    check(() => nlp.ping(), "nlp"),
  ]);
  const checks = { postgres, redis, nlp: nlpStatus };
  const forced = existsSync(FORCE_UNHEALTHY_FILE);
  const healthy = !forced && Object.values(checks).every((s) => s === "ok");
  const body: Record<string, unknown> = {
    status: healthy ? "ok" : "fail",
    version: config.version,
    color: config.color,
    checks,
  };
  if (forced) body.forced = true;
  return json(healthy ? 200 : 503, body);
};

const version: Handler = async (_req, { config }) =>
  json(200, { version: config.version, color: config.color });

const metrics: Handler = async () => ({
  status: 200,
  body: await registry.metrics(),
  contentType: registry.contentType,
});

const query: Handler = async (req, { store, counter, nlp, log }) => {
  const payload = await readJson(req);
  const text = (payload as { text?: unknown } | null)?.text;
  if (typeof text !== "string" || text.trim() === "") {
    throw new HttpError(400, 'body must be {"text": "<non-empty string>"}');
  }
  if (text.length > MAX_TEXT_LENGTH) {
    throw new HttpError(400, `text longer than ${MAX_TEXT_LENGTH} characters`);
  }
  let vector: number[];
  try {
    vector = await nlp.embed(text);
  } catch (err) {
    log.warn("embedding failed", { error: errorMessage(err) });
    throw new HttpError(502, "embedding service unavailable");
  }
  let id: number;
  let total: number;
  try {
    id = await store.insert(text, vector);
    total = await counter.increment();
  } catch (err) {
    log.warn("storing query failed", { error: errorMessage(err) });
    throw new HttpError(503, "storage unavailable");
  }
  ragQueries.inc();
  return json(200, { id, dims: vector.length, total_queries: total });
};

const queryCount: Handler = async (_req, { store, log }) => {
  try {
    return json(200, { count: await store.count() });
  } catch (err) {
    log.warn("counting queries failed", { error: errorMessage(err) });
    throw new HttpError(503, "storage unavailable");
  }
};

const ROUTES = new Map<string, Handler>([
  ["GET /health", health],
  ["GET /api/health", health],
  ["GET /api/version", version],
  ["GET /metrics", metrics],
  ["GET /api/metrics", metrics],
  ["POST /api/query", query],
  ["GET /api/queries/count", queryCount],
]);

const KNOWN_PATHS = new Set([...ROUTES.keys()].map((key) => key.split(" ")[1]));

function send(res: ServerResponse, reply: Reply, config: Config): void {
  const isText = typeof reply.body === "string";
  const payload = isText ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": reply.contentType ?? "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    "x-release-version": config.version,
    "x-release-color": config.color,
  });
  res.end(payload);
}

export function createApp(deps: Deps): Server {
  const { config, log } = deps;
  return createServer(async (req, res) => {
    const started = process.hrtime.bigint();
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0];
    const handler = ROUTES.get(`${method} ${path}`);
    const route = handler ? path : KNOWN_PATHS.has(path) ? path : "unmatched";
    let reply: Reply;
    try {
      if (handler) {
        reply = await handler(req, deps);
      } else if (KNOWN_PATHS.has(path)) {
        reply = json(405, { error: "method not allowed" });
      } else {
        reply = json(404, { error: "not found" });
      }
    } catch (err) {
      if (err instanceof HttpError) {
        reply = json(err.status, { error: err.message });
      } else {
        log.error("unhandled error", { route, error: errorMessage(err) });
        reply = json(500, { error: "internal error" });
      }
    }
    send(res, reply, config);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const labels = { method, route, status: String(reply.status) };
    httpRequests.inc(labels);
    httpDuration.observe(labels, seconds);
    log.info("request", {
      method,
      path: route === "unmatched" ? "unmatched" : path,
      status: reply.status,
      duration_ms: Math.round(seconds * 1000 * 10) / 10,
    });
  });
}
