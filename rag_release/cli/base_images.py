"""`rag-release base-images`: make every image of the offline catalog available locally, so a
host with no registry can build and run the stack."""

import logging
import sys

from rag_release import settings
from rag_release.resources.base_images import BaseImageProvider
from rag_release.resources.docker_engine import DockerEngine


def register(sub) -> None:
    parser = sub.add_parser("base-images", help="make the offline catalog's images locally")
    parser.set_defaults(run=run)


def run(args) -> int:
    logging.basicConfig(level=logging.INFO, format="rag-release base-images: %(message)s")
    log = logging.getLogger("rag_release.base_images")
    docker = DockerEngine()
    docker.ensure_available()
    provider = BaseImageProvider(catalog=str(settings.offline_catalog()),
                                 work_dir=str(settings.home() / "tmp"))
    for ref in provider.recipes():
        image = provider.ensure(ref, docker, log, str(settings.offline_catalog()))
        print(f"{ref:32} {image.image_id[:19]}  {image.provided_by}", file=sys.stdout)
    return 0
