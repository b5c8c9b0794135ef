"""Alerts for a person: failed runs, rollbacks, failed backups, an environment failing with no
automatic way out. Each is logged, and POSTed as JSON to a webhook when one is configured."""

from __future__ import annotations

import functools
import logging
import os

import dagster as dg
import httpx

from rag_release.resources.deploy_state import now_iso

WEBHOOK_VARIABLE = "RAG_RELEASE_ALERT_WEBHOOK"


class AlertSink(dg.ConfigurableResource):
    """`webhook_url`: where alerts are POSTed; empty only logs them. A webhook URL often holds a
    token, so it comes in through `EnvVar("RAG_RELEASE_ALERT_WEBHOOK")` and is never logged.

    The body is `{"source", "kind", "env", "run_id", "message", "details", "at", "text"}`;
    `text` repeats the essentials in one line, which chat webhooks (Slack, Mattermost) show."""

    webhook_url: str = ""
    timeout_seconds: float = 5.0
    source: str = "rag_release"

    def send(self, kind: str, env: str, message: str, run_id: str = "",
             details: dict | None = None, log=None) -> bool:
        """Log the alert and post it; True when the webhook accepted it. Never raises: a
        webhook that is down must not stop a sensor or a run."""
        logger = log or logging.getLogger("rag_release.alerts")
        logger.warning("Alert %s for %s: %s", kind, env or "all environments", message)
        if not self.webhook_url:
            return False

        payload = {"source": self.source, "kind": kind, "env": env, "run_id": run_id,
                   "message": message, "details": details or {}, "at": now_iso(),
                   "text": f"[{self.source}] {env or 'all'} {kind}: {message}"}
        try:
            response = httpx.post(self.webhook_url, json=payload, timeout=self.timeout_seconds)
        except httpx.HTTPError as e:
            logger.warning("The %s alert of %s did not reach the webhook (%s); it is only in "
                           "this log", kind, env, type(e).__name__)
            return False
        if not response.is_success:
            logger.warning("The webhook refused the %s alert of %s with HTTP %d; it is only in "
                           "this log", kind, env, response.status_code)
            return False
        return True


@functools.cache
def alert_sink() -> AlertSink:
    """The sink of this installation: the webhook named by RAG_RELEASE_ALERT_WEBHOOK, if set.
    One object per process, so the domains that include it merge without a conflict."""
    if os.environ.get(WEBHOOK_VARIABLE):
        return AlertSink(webhook_url=dg.EnvVar(WEBHOOK_VARIABLE))
    return AlertSink()
