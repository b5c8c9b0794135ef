from pathlib import Path

from rag_release.commands import compose, docker
from rag_release.commands.nginx import EdgeRoutes, render_site


def test_dockerfile_bases_skip_own_stages_and_substitute_args():
    text = """
ARG NODE=18
FROM node:${NODE}-bookworm-slim AS build
RUN npm ci
FROM --platform=linux/amd64 nginx:1.22-bookworm
COPY --from=build /app/dist /usr/share/nginx/html
FROM build AS again
FROM scratch
"""
    assert docker.dockerfile_bases(text) == ["node:18-bookworm-slim", "nginx:1.22-bookworm"]
    assert docker.dockerfile_bases(text, {"NODE": "20"})[0] == "node:20-bookworm-slim"


def test_build_argv_pins_tag_file_and_labels():
    argv = docker.build("r/x:1", Path("/a/Dockerfile"), Path("/a"), {"B": "1"},
                        {"org.opencontainers.image.version": "1"}, Path("/tmp/iid"))
    assert argv[:2] == ["docker", "build"]
    assert argv[argv.index("-t") + 1] == "r/x:1"
    assert argv[argv.index("--iidfile") + 1] == "/tmp/iid"
    assert "B=1" in argv and "org.opencontainers.image.version=1" in argv
    assert argv[-1] == "/a"


def test_compose_argv_never_carries_variables():
    argv = compose.up("rag-prod-blue", [Path("compose/app.yml")], profiles=["qdrant"],
                      wait=True, timeout=30)
    assert argv[-8:] == ["up", "-d", "--remove-orphans", "--no-build", "--pull", "never",
                         "--wait", "--wait-timeout", "30"][-8:]
    assert "-p" in argv and "rag-prod-blue" in argv and "--profile" in argv
    assert not any("=" in a for a in argv)


def test_edge_site_routes_live_and_preview():
    site = render_site(EdgeRoutes("prod", "green", "blue", 38443, 50))

    assert "server green-backend:3000" in site and "server green-frontend:8080" in site
    assert "upstream preview_backend {\n    server blue-backend:3000" in site
    assert "return 308 https://$host:38443$request_uri" in site
    assert "listen 8443 ssl" in site and "rate=50r/s" in site
    assert site.splitlines()[0] == "# rag_release edge of prod: live=green preview=blue"


def test_edge_site_without_a_color_answers_503():
    site = render_site(EdgeRoutes("dev", None, None, 18443))
    assert "upstream" not in site
    assert site.count("return 503") == 2
