"""Files written into a container before it starts (Nova's injected_files, SSH keys)."""

from __future__ import annotations

import io
import posixpath
import tarfile
import time
from collections.abc import Iterable
from typing import Any

from nova_docker import exception

AUTHORIZED_KEYS = "/root/.ssh/authorized_keys"


class _File:
    def __init__(self, path: str, data: bytes, mode: int) -> None:
        self.path = path
        self.data = data
        self.mode = mode


def _normalise(path: Any) -> str:
    if isinstance(path, bytes):
        path = path.decode("utf-8")
    if not isinstance(path, str) or not path.strip():
        raise exception.Invalid(reason=f"injected file path {path!r} is empty")
    clean = posixpath.normpath("/" + path.lstrip("/"))
    if ".." in path.split("/") or clean == "/":
        raise exception.Invalid(reason=f"injected file path {path!r} is not a plain file path")
    return clean


def collect(injected_files: Iterable[Any] | None, key_data: str | None = None) -> list[_File]:
    """Validate (path, contents[, mode]) items; contents may be str or bytes.

    Nova passes pairs (files become 0644); a third item, an octal mode such as 0o600, is a
    stackdock extension for secrets such as TLS keys.
    """
    files = []
    for item in injected_files or []:
        if not isinstance(item, list | tuple) or len(item) not in (2, 3):
            raise exception.Invalid(
                reason="injected_files must be a list of (path, contents) pairs"
            )
        path, contents = item[0], item[1]
        mode = item[2] if len(item) == 3 else 0o644
        if isinstance(contents, str):
            contents = contents.encode("utf-8")
        if not isinstance(contents, bytes | bytearray):
            raise exception.Invalid(reason=f"contents of injected file {path!r} are not text")
        if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o7777:
            raise exception.Invalid(reason=f"mode of injected file {path!r} is not 0-0o7777")
        files.append(_File(_normalise(path), bytes(contents), mode))
    if key_data:
        data = key_data.rstrip("\n").encode("utf-8") + b"\n"
        files.append(_File(AUTHORIZED_KEYS, data, 0o600))
    return files


def tarball(files: list[_File]) -> bytes:
    """A tar archive for put_archive at '/', with every parent directory made explicitly."""
    buf = io.BytesIO()
    now = int(time.time())
    dirs: dict[str, int] = {}
    for f in files:
        parent = posixpath.dirname(f.path)
        while parent not in ("/", ""):
            # ~/.ssh must not be readable by others or sshd ignores the key.
            mode = 0o700 if parent.endswith("/.ssh") else 0o755
            dirs.setdefault(parent, mode)
            parent = posixpath.dirname(parent)
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(dirs):
            info = tarfile.TarInfo(path.lstrip("/"))
            info.type = tarfile.DIRTYPE
            info.mode = dirs[path]
            info.mtime = now
            tar.addfile(info)
        for f in files:
            info = tarfile.TarInfo(f.path.lstrip("/"))
            info.size = len(f.data)
            info.mode = f.mode
            info.mtime = now
            tar.addfile(info, io.BytesIO(f.data))
    return buf.getvalue()
