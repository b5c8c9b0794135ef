"""`rag-release backup` and `rag-release restore`: what they print without launching a run."""

import datetime as dt
import json

from rag_release.cli import main
from rag_release.resources.backup_store import BackupStore
from rag_release_tests.backup.test_store import fake_backup


def test_list_prints_the_backups_of_an_environment_as_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAG_RELEASE_HOME", str(tmp_path))
    store = BackupStore(root=str(tmp_path / "backups"))
    good = fake_backup(store, dt.date(2026, 11, 28))
    failed = fake_backup(store, dt.date(2026, 11, 29), status="failed")

    for verb in ("backup", "restore"):
        assert main([verb, "prod", "--list"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(b["id"], b["status"]) for b in listed] == [(good, "good"), (failed, "failed")]
        assert listed[0]["files"] == {"postgres.dump": "0" * 64}
        assert listed[0]["path"] == str(tmp_path / "backups" / "prod" / good)

