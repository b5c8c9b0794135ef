"""The Docker engine: builds, tags, pushes, saves and inspects images; runs compose."""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

import dagster as dg
from pydantic import PrivateAttr

from rag_release.commands import compose as compose_cmd
from rag_release.commands import docker as cmd
from rag_release.errors import DockerCommandError, DockerUnavailableError
from rag_release.resources.process import Completed, run, run_to_file


class DockerEngine(dg.ConfigurableResource):
    """A Docker engine reached by the docker CLI. `host` is a DOCKER_HOST value: empty for the
    local socket, `ssh://user@host`, or `tcp://host:2376` with `tls_cert_path` for TLS."""

    host: str = ""
    tls_cert_path: str = ""
    timeout_seconds: int = 1800

    _checked: bool = PrivateAttr(default=False)

    def env(self) -> dict[str, str]:
        env = {"DOCKER_BUILDKIT": "0", "DOCKER_CLI_HINTS": "false"}
        if self.host:
            env["DOCKER_HOST"] = self.host
        if self.tls_cert_path:
            env.update({"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": self.tls_cert_path})
        return env

    def where(self) -> str:
        return self.host or "the local socket"

    def ensure_available(self) -> str:
        if self._checked:
            return ""
        try:
            done = run(cmd.server_version(), env=self.env(), timeout=30)
        except FileNotFoundError:
            raise DockerUnavailableError(
                "the docker CLI is not installed; run the setup command from the README")
        except Exception as e:
            raise DockerUnavailableError(f"the Docker engine at {self.where()} timed out ({e})")
        if not done.ok or not done.stdout.strip():
            raise DockerUnavailableError(
                f"no Docker engine answers at {self.where()} ({done.tail(1)}); start dockerd "
                "or fix the engine address in the environment file")
        self._checked = True
        return done.stdout.strip()

    def run(self, argv: list[str], *, what: str, env: dict[str, str] | None = None,
            check: bool = True, **kwargs) -> Completed:
        self.ensure_available()
        merged = self.env() | (env or {})
        done = run(argv, env=merged, timeout=kwargs.pop("timeout", self.timeout_seconds),
                   **kwargs)
        if check and not done.ok:
            raise DockerCommandError(f"{what} failed (exit {done.returncode}): {done.tail(8)}")
        return done

    def image_info(self, ref: str) -> dict | None:
        done = self.run(cmd.image_inspect(ref), what=f"inspecting {ref}", check=False)
        if not done.ok:
            return None
        return json.loads(done.stdout)

    def image_id(self, ref: str) -> str | None:
        info = self.image_info(ref)
        return info["Id"] if info else None

    def build_image(self, tag: str, dockerfile: Path, context: Path, build_args: dict[str, str],
                    labels: dict[str, str], log_file: Path) -> Completed:
        """Build and return the outcome; the image ID is in `.stdout` when it succeeded."""
        with TemporaryDirectory() as tmp:
            iidfile = Path(tmp) / "iid"
            argv = cmd.build(tag, dockerfile, context, build_args, labels, iidfile)
            done = self.run(argv, what=f"docker build of {tag}", check=False, log_file=log_file)
            if done.ok:
                return Completed(done.argv, 0, iidfile.read_text().strip(), "")
            return done

    def tag(self, source: str, target: str) -> None:
        self.run(cmd.tag(source, target), what=f"tagging {source} as {target}")

    def push(self, ref: str) -> str:
        """Push and return the repository digest (`name@sha256:...`) the registry assigned."""
        self.run(cmd.push(ref), what=f"pushing {ref}")
        repo = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
        info = self.image_info(ref) or {}
        for digest in info.get("RepoDigests", []):
            if digest.startswith(repo + "@"):
                return digest
        raise DockerCommandError(f"pushed {ref} but the engine reports no digest for {repo}")

    def pull(self, ref: str) -> bool:
        return self.run(cmd.pull(ref), what=f"pulling {ref}", check=False, timeout=120).ok

    def save(self, ref: str, out: Path) -> str:
        """Write the image archive of `ref` to `out`; returns its sha256."""
        self.ensure_available()
        done, sha = run_to_file(cmd.save_to_stdout(ref), out, env=self.env(),
                                timeout=self.timeout_seconds)
        if not done.ok:
            raise DockerCommandError(f"saving {ref} to {out} failed: {done.tail(5)}")
        return sha

    def load(self, archive: Path) -> None:
        self.run(cmd.load(archive), what=f"loading {archive}")

    def import_rootfs(self, rootfs_tar: Path, tag: str) -> str:
        with open(rootfs_tar, "rb") as f:
            done = self.run(cmd.import_rootfs(tag), what=f"importing {tag}", stdin_file=f)
        return done.stdout.strip()


class ComposeRunner(dg.ConfigurableResource):
    """Runs docker compose projects on an engine. Variables, secrets among them, are passed in
    the child's environment; compose interpolates them into the files it reads."""

    compose_dir: str
    timeout_seconds: int = 600

    def files(self, *names: str) -> list[Path]:
        return [Path(self.compose_dir) / name for name in names]

    def run(self, docker: DockerEngine, argv: list[str], variables: dict[str, str],
            what: str, check: bool = True) -> Completed:
        return docker.run(argv, what=what, env=variables, check=check,
                          timeout=self.timeout_seconds)

    def containers(self, docker: DockerEngine, project: str, files: list[Path],
                   variables: dict[str, str]) -> list[dict]:
        done = self.run(docker, compose_cmd.ps(project, files), variables,
                        f"listing containers of {project}")
        return compose_cmd.parse_json_lines(done.stdout)
