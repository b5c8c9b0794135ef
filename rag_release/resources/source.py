"""Facts about a source tree: its git revision and whether it has uncommitted changes."""

from __future__ import annotations

from pathlib import Path

from rag_release.resources.process import run


def git_revision(path: Path) -> tuple[str, bool]:
    """(revision, dirty) of the repository holding `path`; ("unversioned", True) outside git."""
    head = run(["git", "rev-parse", "HEAD"], cwd=path)
    if not head.ok:
        return "unversioned", True
    status = run(["git", "status", "--porcelain", "--", "."], cwd=path)
    return head.stdout.strip(), bool(status.stdout.strip())
