"""The Prometheus exporter of rag_release, a process of its own: `python -m rag_release.metrics`
serves http://127.0.0.1:9464/metrics (RAG_RELEASE_METRICS_PORT to move it) with deploys,
rollbacks and heals per environment, deploy phase durations, the release live in each
environment, the health of each service, the health sensors' consecutive failures, the age of
the last good backup, and a few of the backend's own numbers."""

from rag_release.metrics.server import build_registry, serve

__all__ = ["build_registry", "serve"]
