"""The edge's nginx site config, rendered from which color is live and which is previewed."""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = (("backend", 3000), ("frontend", 8080))


@dataclass(frozen=True)
class EdgeRoutes:
    env: str
    live: str | None
    preview: str | None
    https_port: int
    rate_limit_per_second: int = 100


def render_site(routes: EdgeRoutes) -> str:
    """Four servers: HTTPS on 8443 to the live color, HTTP on 8080 redirecting to it, a preview
    on 8081 (published on loopback only) to the color being tested, and 8082 for the edge's own
    health. A side with no color answers 503."""
    parts = [f"# rag_release edge of {routes.env}: live={routes.live or '-'} "
             f"preview={routes.preview or '-'}\n",
             f"limit_req_zone $binary_remote_addr zone=rag_api:10m "
             f"rate={routes.rate_limit_per_second}r/s;\n"]
    for side, color in (("live", routes.live), ("preview", routes.preview)):
        if color:
            for service, port in SERVICES:
                parts.append(
                    f"upstream {side}_{service} {{\n"
                    f"    server {color}-{service}:{port} max_fails=0;\n"
                    f"    keepalive 32;\n}}\n")

    parts.append(
        "server {\n    listen 8080;\n"
        "    location / {\n"
        f"        return 308 https://$host:{routes.https_port}$request_uri;\n    }}\n}}\n")
    parts.append(_server("listen 8443 ssl;\n"
                         "    ssl_certificate /etc/nginx/tls/cert.pem;\n"
                         "    ssl_certificate_key /etc/nginx/tls/key.pem;\n"
                         "    ssl_protocols TLSv1.2 TLSv1.3;\n"
                         "    add_header Strict-Transport-Security \"max-age=31536000\" always;",
                         "live", routes.live, True))
    parts.append(_server("listen 8081;", "preview", routes.preview, False))
    parts.append("server {\n    listen 8082;\n    location = /edge-health {\n"
                 "        access_log off;\n        return 200 \"ok\\n\";\n    }\n}\n")
    return "".join(parts)


def _server(listen: str, side: str, color: str | None, limited: bool) -> str:
    header = f"server {{\n    {listen}\n    add_header X-Release-Color {color or 'none'} always;\n"
    if not color:
        return header + ("    location / {\n        default_type text/plain;\n"
                         "        return 503 \"no release is live here\\n\";\n    }\n}\n")
    limit = ("        limit_req zone=rag_api burst=200 nodelay;\n"
             "        limit_req_status 429;\n") if limited else ""
    return header + (
        "    location /api/ {\n"
        f"{limit}"
        f"        proxy_pass http://{side}_backend;\n"
        f"{_PROXY}"
        "    }\n"
        "    location / {\n"
        f"        proxy_pass http://{side}_frontend;\n"
        f"{_PROXY}"
        "    }\n}\n")


_PROXY = (
    "        proxy_http_version 1.1;\n"
    "        proxy_set_header Connection \"\";\n"
    "        proxy_set_header Host $host;\n"
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "        proxy_set_header X-Forwarded-Proto $scheme;\n"
    "        proxy_next_upstream error timeout http_502 http_503;\n"
    "        proxy_connect_timeout 2s;\n"
    "        proxy_read_timeout 30s;\n"
)
