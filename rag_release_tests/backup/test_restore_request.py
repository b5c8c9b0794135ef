"""restore_job refuses before it touches anything: no confirmation, a backup that is not good,
or files that differ from the manifest. No container is needed to refuse."""

import datetime as dt

from rag_release_tests.backup.conftest import ENV
from rag_release_tests.backup.test_store import fake_backup


def refusal(result) -> str:
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "check_restore_request"
    return failure.step_failure_data.error.message


def test_a_tampered_backup_is_not_restored(site, instance):
    store = site.store()
    backup_id = fake_backup(store, dt.date(2026, 11, 20), env=ENV)

    result = site.restore(instance, backup_id, confirm=ENV)

    assert not result.success
    message = refusal(result)
    assert f"backup {backup_id} of {ENV} does not match its manifest" in message
    assert "postgres.dump has sha256" in message and "(altered)" in message
    assert [r.kind for r in store.records(ENV)] == ["daily"]


def test_a_failed_backup_is_not_restored(site, instance):
    backup_id = fake_backup(site.store(), dt.date(2026, 11, 21), status="failed", env=ENV)

    result = site.restore(instance, backup_id, confirm=ENV)

    assert f"backup {backup_id} of {ENV} has status failed" in refusal(result)
