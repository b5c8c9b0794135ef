"""The exporter process: collectors on a registry of their own, served over HTTP on loopback."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, start_http_server

from rag_release import settings
from rag_release.defs.health.probes import Container, containers_argv, parse_containers
from rag_release.errors import MetricsExporterError
from rag_release.metrics.collectors import LiveCollector, RecordCollector
from rag_release.metrics.live import EdgeClient, LiveProbes
from rag_release.resources.docker_engine import DockerEngine

log = logging.getLogger("rag_release.metrics")
DEFAULT_PORT = 9464


def build_registry(home: Path, envs_dir: Path, probes: LiveProbes | None = None,
                   now=time.time) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RecordCollector(home, envs_dir, now))
    if probes is not None:
        registry.register(LiveCollector(probes, now))
    return registry


def serve(registry: CollectorRegistry, host: str, port: int):
    """Start serving in a background thread; returns the HTTP server to shut down."""
    try:
        server, _ = start_http_server(port, addr=host, registry=registry)
    except OSError as e:
        raise MetricsExporterError(
            f"cannot listen on {host}:{port} ({e.strerror or e}); another exporter may already "
            "serve there: stop it, or set RAG_RELEASE_METRICS_PORT to a free port") from e
    return server


def engine_containers(docker: DockerEngine) -> list[Container]:
    done = docker.run(containers_argv(), what="listing the containers of the engine", timeout=20)
    return parse_containers(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag_release.metrics",
                                     description="Serve rag_release metrics for Prometheus.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default=os.environ.get("RAG_RELEASE_METRICS_PORT",
                                                         str(DEFAULT_PORT)))
    parser.add_argument("--probe-interval", default=os.environ.get(
        "RAG_RELEASE_METRICS_PROBE_SECONDS", "15"), help="seconds between probes of the edges")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not str(args.port).isdigit() or not str(args.probe_interval).isdigit():
        log.error("rag_release.metrics: the port (RAG_RELEASE_METRICS_PORT) and the probe "
                  "interval (RAG_RELEASE_METRICS_PROBE_SECONDS) must be whole numbers, got '%s' "
                  "and '%s'", args.port, args.probe_interval)
        return 2

    home, envs_dir = settings.home(), settings.envs_dir()
    docker = DockerEngine()
    probes = LiveProbes(home, envs_dir, lambda: engine_containers(docker), EdgeClient(),
                        interval_seconds=int(args.probe_interval))
    try:
        server = serve(build_registry(home, envs_dir, probes), args.host, int(args.port))
    except MetricsExporterError as e:
        log.error("rag_release.metrics: %s", e)
        return 1
    probes.start()
    log.info("Serving the metrics of %s on http://%s:%s/metrics", home, args.host, args.port)

    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    stopping.wait()
    probes.stop()
    server.shutdown()
    log.info("Stopped serving metrics")
    return 0
