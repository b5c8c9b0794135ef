import hashlib
import io
import os
import tarfile

from rag_release.commands.hashing import Ignore, tree_hash
from rag_release.commands.tarball import write_reproducible_tarball


def make_tree(root, mtime):
    (root / "dist" / "sub").mkdir(parents=True)
    (root / "dist" / "main.js").write_text("console.log(1)\n")
    (root / "dist" / "sub" / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "dist" / "sub" / "run.sh", 0o755)
    (root / "dist" / "__pycache__").mkdir()
    (root / "dist" / "__pycache__" / "x.pyc").write_bytes(os.urandom(8))
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime))


def tarball(root):
    out = io.BytesIO()
    write_reproducible_tarball(root, ["dist"], "app-1.0.0", out, Ignore(["__pycache__"]))
    return out.getvalue()


def test_same_files_give_same_bytes_whatever_their_times(tmp_path):
    make_tree(tmp_path / "a", 1_000_000)
    make_tree(tmp_path / "b", 2_000_000)

    first, second = tarball(tmp_path / "a"), tarball(tmp_path / "b")

    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert sorted(members) == ["app-1.0.0/dist/main.js", "app-1.0.0/dist/sub/run.sh"]
    assert members["app-1.0.0/dist/sub/run.sh"].mode == 0o755
    assert {m.mtime for m in members.values()} == {0}
    assert {(m.uid, m.uname) for m in members.values()} == {(0, "")}


def test_content_change_changes_bytes_and_tree_hash(tmp_path):
    make_tree(tmp_path / "a", 1_000_000)
    before_tar, before_hash = tarball(tmp_path / "a"), tree_hash(tmp_path / "a")[0]
    (tmp_path / "a" / "dist" / "main.js").write_text("console.log(2)\n")

    assert tarball(tmp_path / "a") != before_tar
    assert tree_hash(tmp_path / "a")[0] != before_hash


def test_ignore_follows_dockerignore_rules():
    ignore = Ignore(["node_modules", "*.log", "dist/*", "!dist/keep.js", "# comment"])

    assert ignore.excluded("node_modules/x/index.js")
    assert ignore.excluded("src/node_modules/y.js")
    assert ignore.excluded("debug.log")
    assert ignore.excluded("dist/other.js")
    assert not ignore.excluded("dist/keep.js")
    assert not ignore.excluded("src/main.ts")
