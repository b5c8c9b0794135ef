"""Errors raised by rag_release.

Every message says what happened, what was expected and what to do. Config errors start with
the file and key at fault.

    RagReleaseError
    ├── ConfigError                  a release config, envs/ file or catalog is wrong
    │   └── AuditInputError          a compose or env file given to the audit is unreadable
    ├── BuildFailedError             an install or build command exited non-zero
    ├── DockerUnavailableError       no Docker engine answers
    ├── DockerCommandError           a docker command failed
    ├── BaseImageError               a FROM image can be neither found, pulled nor made
    ├── RegistryError                the image registry refused or lacks an image
    ├── ReleaseImmutableError        a released version would change content
    ├── SecretError                  a referenced secret cannot be resolved
    ├── DeployError                  a deploy could not complete; the live color still serves
    │   └── HealthGateError          the idle color did not become healthy in time
    ├── PromotionBlockedError        a promotion gate refused the release
    ├── LockError                    another deploy holds the environment lock
    ├── BackupError                  a backup or restore failed; nothing was marked good
    │   ├── DatastoreUnavailableError    a store to back up or restore is down or unreachable
    │   ├── BackupStoreFullError         the backup store has no room for the backup
    │   ├── BackupIntegrityError         backup files differ from their manifest
    │   ├── BackupLockedError            another backup or restore of the environment runs
    │   └── RestoreRefusedError          a restore request is unconfirmed or names no good backup
    ├── HealError                    replacing unhealthy containers of the live color failed
    └── MetricsExporterError         the metrics exporter cannot serve
"""


class RagReleaseError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(RagReleaseError):
    """A configuration file is missing, malformed or names something that does not exist."""

    def __init__(self, source: str, key: str | None, message: str):
        self.source = source
        self.key = key
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {message}")


class BuildFailedError(RagReleaseError):
    """An install or build command of a component exited non-zero."""


class DockerUnavailableError(RagReleaseError):
    """No Docker engine answers at the configured address."""


class DockerCommandError(RagReleaseError):
    """A docker or docker compose command exited non-zero."""


class BaseImageError(RagReleaseError):
    """A Dockerfile's FROM image is not local, cannot be pulled and has no offline recipe."""


class RegistryError(RagReleaseError):
    """The registry refused a push or does not hold an image the release pins."""


class ReleaseImmutableError(RagReleaseError):
    """A released version already exists with different content."""


class SecretError(RagReleaseError):
    """A secret referenced by an environment cannot be resolved by the secrets provider."""


class DeployError(RagReleaseError):
    """A deploy could not complete; the color that was live keeps serving."""


class HealthGateError(DeployError):
    """The idle color did not become healthy before the deadline."""


class PromotionBlockedError(RagReleaseError):
    """A promotion gate refused to let the release into the environment."""


class LockError(RagReleaseError):
    """Another deploy holds the environment's lock."""


class BackupError(RagReleaseError):
    """A backup, restore or drill failed; the backup involved is not marked good."""


class AuditInputError(ConfigError):
    """A compose file or env file handed to the audit cannot be read or parsed."""


class DatastoreUnavailableError(BackupError):
    """A database, cache, vector store or volume to back up or restore is down or unreachable."""


class BackupStoreFullError(BackupError):
    """The backup store has no room left for the backup being written."""


class BackupIntegrityError(BackupError):
    """Files of a backup are missing, truncated or altered: they differ from the manifest."""


class BackupLockedError(BackupError):
    """Another backup or restore of the same environment holds the environment's backup lock."""


class RestoreRefusedError(BackupError):
    """A restore was not confirmed, or names a backup that does not exist or is not good."""


class HealError(RagReleaseError):
    """Replacing the unhealthy containers of the live color failed; the others keep serving."""


class MetricsExporterError(RagReleaseError):
    """The metrics exporter cannot listen where it was asked to."""
