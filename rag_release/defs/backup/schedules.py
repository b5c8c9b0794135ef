"""When an environment is backed up, from its env file: `BACKUP_TIME` (HH:MM, default 02:00),
`BACKUP_TIMEZONE` (an IANA name, default UTC), `BACKUP_START_DATE` (the first day with a
partition) and `BACKUP_SCHEDULE` (on or off; on by default for prod only). A partition is the
day that ends at the backup time, so the schedule fires once the day it backs up is over."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

import dagster as dg

from rag_release.errors import ConfigError
from rag_release.model.environment import Environment

TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DEFAULT_START_DATE = "2025-01-01"


@dataclass(frozen=True)
class BackupTiming:
    hour: int
    minute: int
    timezone: str
    start_date: str
    running: bool

    def partitions(self) -> dg.DailyPartitionsDefinition:
        return dg.DailyPartitionsDefinition(start_date=self.start_date, timezone=self.timezone,
                                            hour_offset=self.hour, minute_offset=self.minute)


def backup_timing(env: Environment) -> BackupTiming:
    """Read and check the backup settings; a wrong one is named with its file and line."""
    time = env.values.get("BACKUP_TIME", "02:00")
    match = TIME.match(time)
    if not match:
        raise ConfigError(env.where("BACKUP_TIME"), None,
                          f"BACKUP_TIME is '{time}'; expected HH:MM on a 24-hour clock, as 02:00")

    timezone = env.values.get("BACKUP_TIMEZONE", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(env.where("BACKUP_TIMEZONE"), None,
                          f"BACKUP_TIMEZONE is '{timezone}'; expected an IANA time zone name, "
                          "as Europe/Rome or UTC") from None

    start = env.values.get("BACKUP_START_DATE", DEFAULT_START_DATE)
    try:
        dt.date.fromisoformat(start)
    except ValueError:
        raise ConfigError(env.where("BACKUP_START_DATE"), None,
                          f"BACKUP_START_DATE is '{start}'; expected a date as 2025-01-31") \
            from None

    default = "on" if env.name == "prod" else "off"
    switch = env.values.get("BACKUP_SCHEDULE", default)
    if switch not in ("on", "off"):
        raise ConfigError(env.where("BACKUP_SCHEDULE"), None,
                          f"BACKUP_SCHEDULE is '{switch}'; expected on or off")
    return BackupTiming(int(match.group(1)), int(match.group(2)), timezone, start,
                        switch == "on")


def backup_schedule(env: str, job: dg.UnresolvedAssetJobDefinition,
                    timing: BackupTiming) -> dg.ScheduleDefinition:
    status = dg.DefaultScheduleStatus.RUNNING if timing.running else \
        dg.DefaultScheduleStatus.STOPPED
    return dg.build_schedule_from_partitioned_job(
        job,
        name=f"{env}_backup_schedule",
        default_status=status,
        description=f"Back up {env} every day at {timing.hour:02d}:{timing.minute:02d} "
                    f"{timing.timezone}, as the partition of the day that just ended.",
    )
