"""The edge proxy of an environment: an nginx container whose site config is rendered here and
switched by a reload, which lets in-flight requests finish on the old workers."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import dagster as dg
from cryptography import x509

from rag_release.commands import compose as compose_cmd
from rag_release.commands import tls
from rag_release.commands.nginx import EdgeRoutes, render_site
from rag_release.errors import DeployError
from rag_release.model.environment import Environment
from rag_release.resources.docker_engine import ComposeRunner, DockerEngine

SITE = "site.conf"
RENEW_DAYS = 30


class EdgeProxy(dg.ConfigurableResource):
    state_dir: str

    def conf_dir(self, env: Environment) -> Path:
        return Path(self.state_dir) / env.name / "edge"

    def tls_dir(self, env: Environment) -> Path:
        return Path(self.state_dir) / env.name / "tls"

    def ca_dir(self) -> Path:
        return Path(self.state_dir) / "ca"

    def project(self, env: Environment) -> str:
        return f"{env.project}-edge"

    def variables(self, env: Environment) -> dict[str, str]:
        return {"EDGE_CONF_DIR": str(self.conf_dir(env)), "EDGE_TLS_DIR": str(self.tls_dir(env))}

    def routes(self, env: Environment) -> EdgeRoutes | None:
        """The routes currently rendered, read back from the config's first line."""
        path = self.conf_dir(env) / SITE
        if not path.is_file():
            return None
        head = path.read_text().split("\n", 1)[0]
        found = dict(p.split("=", 1) for p in head.split() if "=" in p)
        color = lambda v: None if v in (None, "-") else v  # noqa: E731
        return EdgeRoutes(env.name, color(found.get("live")), color(found.get("preview")),
                          env.int("EDGE_HTTPS_PORT"), env.int("RATE_LIMIT", 100))

    def ensure_tls(self, env: Environment) -> dict:
        """Install the edge certificate: the files the environment names, else a self-signed
        one where allowed, else one signed by the local certificate authority."""
        out = self.tls_dir(env)
        out.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = out / "cert.pem", out / "key.pem"
        given_cert, given_key = env.values.get("TLS_CERT_FILE"), env.values.get("TLS_KEY_FILE")
        if given_cert and given_key:
            for source, target in ((given_cert, cert_path), (given_key, key_path)):
                if not Path(source).is_file():
                    raise DeployError(f"{env.where('TLS_CERT_FILE')}: {source} not found")
                shutil.copyfile(source, target)
            os.chmod(key_path, 0o640)
            return self._describe(cert_path, "provided")

        self_signed = env.values.get("TLS_SELF_SIGNED", "false").lower() == "true"
        if cert_path.is_file() and key_path.is_file():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            is_self = cert.issuer == cert.subject
            fresh = cert.not_valid_after_utc - dt.datetime.now(dt.timezone.utc) > dt.timedelta(
                days=RENEW_DAYS)
            if fresh and (is_self == self_signed):
                return self._describe(cert_path, "kept")

        key = tls.new_key()
        if self_signed:
            cert = tls.certificate("localhost", key, days=90)
        else:
            ca_cert, ca_key = self._authority()
            cert = tls.certificate("localhost", key, days=90, issuer=ca_cert, issuer_key=ca_key)
        _write(key_path, tls.key_pem(key), 0o640)
        _write(cert_path, tls.cert_pem(cert), 0o644)
        return self._describe(cert_path, "self-signed" if self_signed else "local CA")

    def _authority(self):
        from cryptography.hazmat.primitives import serialization

        folder = self.ca_dir()
        folder.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = folder / "ca.pem", folder / "ca-key.pem"
        if cert_path.is_file() and key_path.is_file():
            return (x509.load_pem_x509_certificate(cert_path.read_bytes()),
                    serialization.load_pem_private_key(key_path.read_bytes(), None))
        key = tls.new_key()
        cert = tls.certificate("rag_release local CA", key, days=3650, ca=True)
        _write(key_path, tls.key_pem(key), 0o600)
        _write(cert_path, tls.cert_pem(cert), 0o644)
        return cert, key

    def _describe(self, cert_path: Path, how: str) -> dict:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return {"tls": how, "tls_expires": cert.not_valid_after_utc.isoformat()}

    def apply(self, docker: DockerEngine, compose: ComposeRunner, env: Environment,
              variables: dict[str, str], routes: EdgeRoutes, log) -> None:
        """Render the routes and make the edge serve them: start the edge if it is not running,
        otherwise test the new config and reload. A config nginx rejects is rolled back."""
        folder = self.conf_dir(env)
        folder.mkdir(parents=True, exist_ok=True)
        site, backup = folder / SITE, folder / f".{SITE}.previous"
        had_site = site.is_file()
        if had_site:
            shutil.copyfile(site, backup)
        tmp = folder / f".{SITE}.new"
        tmp.write_text(render_site(routes))
        os.replace(tmp, site)

        files = compose.files("edge.yml")
        container = self.container(docker, compose, env, variables)
        if container is None:
            log.info("Starting the edge of %s (live=%s, preview=%s)", env.name, routes.live,
                     routes.preview)
            compose.run(docker, compose_cmd.up(self.project(env), files, wait=True, timeout=60),
                        variables, f"starting the edge of {env.name}")
            return

        checked = docker.run(["docker", "exec", container, "nginx", "-t", "-q"],
                             what="nginx -t", check=False)
        if not checked.ok:
            if had_site:
                os.replace(backup, site)
            raise DeployError(f"the edge of {env.name} rejected the new routes "
                              f"({checked.tail(3)}); the previous routes stay in force")
        docker.run(["docker", "exec", container, "nginx", "-s", "reload"],
                   what=f"reloading the edge of {env.name}")
        log.info("Reloaded the edge of %s: live=%s, preview=%s", env.name, routes.live,
                 routes.preview)
        time.sleep(0.3)

    def container(self, docker: DockerEngine, compose: ComposeRunner, env: Environment,
                  variables: dict[str, str]) -> str | None:
        for c in compose.containers(docker, self.project(env), compose.files("edge.yml"),
                                    variables):
            if c.get("State") == "running":
                return c["Name"]
        return None


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
