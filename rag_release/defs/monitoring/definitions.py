"""The monitoring domain: alerts on failed runs and on rollbacks. The Prometheus exporter is a
process of its own, `python -m rag_release.metrics`."""

from __future__ import annotations

import dagster as dg

from rag_release.defs.monitoring.sensors import rollback_alert_sensor, run_failure_alert_sensor
from rag_release.resources.alerts import alert_sink


def monitoring_definitions() -> dg.Definitions:
    return dg.Definitions(sensors=[run_failure_alert_sensor, rollback_alert_sensor],
                          resources={"alerts": alert_sink()})
