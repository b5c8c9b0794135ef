import os
import time
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field

from app.embedding import DIMS, embed

FORCE_UNHEALTHY_FILE = Path("/tmp/force-unhealthy")
VERSION = os.environ.get("RELEASE_VERSION", "dev")
COLOR = os.environ.get("RELEASE_COLOR", "none")
MAX_TEXTS = 64
MAX_TEXT_LENGTH = 10000

REQUESTS = Counter(
    "nlp_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
LATENCY = Histogram(
    "nlp_http_request_duration_seconds", "HTTP request duration", ["method", "route"]
)
EMBEDDED_TEXTS = Counter("nlp_embedded_texts_total", "Texts embedded")

app = FastAPI(title="rag-nlp", version=VERSION, docs_url=None, redoc_url=None)


class EmbedRequest(BaseModel):
    texts: list[Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]] = Field(
        min_length=1, max_length=MAX_TEXTS
    )


class EmbedResponse(BaseModel):
    vectors: list[list[float]]
    dims: int


@app.middleware("http")
async def observe(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    REQUESTS.labels(request.method, path, str(response.status_code)).inc()
    LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
    return response


@app.get("/health")
def health() -> JSONResponse:
    if FORCE_UNHEALTHY_FILE.exists():
        body = {"status": "fail", "version": VERSION, "color": COLOR, "forced": True}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "version": VERSION, "color": COLOR})


@app.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.post("/embed", response_model=EmbedResponse)
def embed_texts(request: EmbedRequest) -> EmbedResponse:
    EMBEDDED_TEXTS.inc(len(request.texts))
    return EmbedResponse(vectors=[embed(text) for text in request.texts], dims=DIMS)
