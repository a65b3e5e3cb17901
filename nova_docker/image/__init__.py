"""The image service seen by the drivers (a local catalog by default)."""

from nova_docker.image.api import LocalImageService

__all__ = ["LocalImageService"]
