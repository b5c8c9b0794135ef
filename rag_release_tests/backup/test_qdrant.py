"""The Qdrant snapshot client against a fake Qdrant at the HTTP boundary: Qdrant has no image
or binary on the machines these tests run on, so no real Qdrant is ever contacted."""

import socket

import pytest

from rag_release.errors import BackupError, BackupIntegrityError, DatastoreUnavailableError
from rag_release.resources.qdrant import QdrantClient
from rag_release_tests.backup.fake_qdrant import FakeQdrant


@pytest.fixture()
def fake():
    with FakeQdrant(api_key="k-123") as server:
        yield server


def test_snapshot_downloads_checks_and_deletes_on_the_server(fake, tmp_path):
    client = QdrantClient(fake.url, "k-123")
    assert client.collections() == ["documents", "faq"]

    out = tmp_path / "documents.snapshot"
    made = client.snapshot("documents", out)

    assert out.read_bytes() == fake.snapshot_bytes("documents")
    assert made == {"snapshot": "documents-1.snapshot", "points_min": 3, "points_max": 3}
    assert fake.snapshots == {}
    assert ("DELETE", "/collections/documents/snapshots/documents-1.snapshot", "k-123") in \
        fake.requests
    assert {key for _, _, key in fake.requests} == {"k-123"}


def test_a_checksum_that_differs_from_qdrants_fails_the_snapshot(fake, tmp_path):
    fake.corrupt_checksum = True
    client = QdrantClient(fake.url, "k-123")
    with pytest.raises(BackupIntegrityError, match="differs from Qdrant's"):
        client.snapshot("faq", tmp_path / "faq.snapshot")
    assert fake.snapshots == {}


def test_restore_uploads_the_snapshot(fake, tmp_path):
    snapshot = tmp_path / "faq.snapshot"
    fake.collections["faq"] = 5
    snapshot.write_bytes(fake.snapshot_bytes("faq"))
    fake.collections["faq"] = 0

    assert QdrantClient(fake.url, "k-123").restore("faq", snapshot) == 5
    assert ("POST", "/collections/faq/snapshots/upload", "k-123") in fake.requests


def test_a_wrong_api_key_is_refused_with_the_status(fake):
    with pytest.raises(BackupError, match="HTTP 401"):
        QdrantClient(fake.url, "wrong").collections()


def test_an_unreachable_qdrant_names_the_setting_to_fix():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = QdrantClient(f"http://127.0.0.1:{port}", where="envs/prod.env:40")
    with pytest.raises(DatastoreUnavailableError, match="does not answer .* envs/prod.env:40"):
        client.collections()

