"""A release moves unchanged from dev to staging to prod; the gates refuse what staging did
not prove."""

import json

import httpx

from rag_release_tests.conftest import failure_text
from rag_release_tests.deploy.conftest import (deploy, ensure_live, get, live_version, state)


def test_full_promotion_runs_the_same_digests_everywhere(stack):
    manifest = json.loads((stack.home / "artifacts/releases/1.0.0/manifest.json").read_text())
    for env in ("dev", "staging", "prod"):
        result = deploy(stack, env, "1.0.0" if env == "dev" else "")
        assert result.success, failure_text(result)
        assert live_version(env)["version"] == "1.0.0"

    pinned = {c: v["image"]["ref"] for c, v in manifest["components"].items()}
    for env in ("dev", "staging", "prod"):
        live = state(stack, env)["live"]
        assert {c: live["images"][c] for c in pinned} == pinned
    assert state(stack, "prod")["live"]["images"] == state(stack, "staging")["live"]["images"]

    record = state(stack, "prod")["history"][-1]
    assert record["result"] == "success" and record["launched_by"] == "tests"
    assert set(record["durations"]) >= {"prepare", "start", "health", "smoke", "switch",
                                        "verify"}
    redirect = httpx.get("http://127.0.0.1:53080/api/version", timeout=5)
    assert redirect.status_code == 308
    assert redirect.headers["location"] == "https://127.0.0.1:53443/api/version"
    assert get("http://127.0.0.1:53081/api/version").status_code == 503

    event = stack.instance.get_latest_materialization_event(
        __import__("dagster").AssetKey("prod_deployment"))
    metadata = event.asset_materialization.metadata
    assert metadata["version"].value == "1.0.0" and metadata["launched_by"].value == "tests"


def test_prod_refuses_a_release_staging_did_not_run(stack):
    ensure_live(stack, [("dev", "1.0.0"), ("staging", "1.0.0"), ("prod", "1.0.0"),
                        ("dev", "1.0.1")])

    result = deploy(stack, "prod", "1.0.1")

    assert not result.success
    text = failure_text(result)
    assert "staging runs release 1.0.0, not 1.0.1" in text
    assert live_version("prod")["version"] == "1.0.0"


def test_prod_refuses_digests_that_differ_from_staging(stack):
    ensure_live(stack, [("dev", "1.0.0"), ("staging", "1.0.0")])
    path = stack.home / "deploy/staging/state.json"
    original = path.read_text()
    tampered = json.loads(original)
    tampered["live"]["images"]["backend"] = tampered["live"]["images"]["backend"].split("@")[0] \
        + "@sha256:" + "0" * 64
    path.write_text(json.dumps(tampered))
    try:
        result = deploy(stack, "prod", "1.0.0")
    finally:
        path.write_text(original)

    assert not result.success
    text = failure_text(result)
    assert "does not match what staging runs by digest" in text
    assert "backend: release pins" in text


def test_staging_refuses_what_dev_does_not_run(stack):
    ensure_live(stack, [("dev", "1.0.0")])

    result = deploy(stack, "staging", "1.0.1")

    assert not result.success
    assert "dev runs release 1.0.0, not 1.0.1" in failure_text(result)
