"""Encryption of secrets at rest (private keys in the database) with Fernet.

The key is ``[x509] encryption_key`` when set. Otherwise it is read from ``[x509] key_file``,
which is generated (mode 0600, created atomically so two processes starting together agree)
on first use. Every API and conductor sharing a database must use the same key.
"""

from __future__ import annotations

import os
import threading

from cryptography.fernet import Fernet, InvalidToken
from oslo_config import cfg

import magnum_lite.conf  # noqa: F401  (registers [x509])
from magnum_lite.common import exception

CONF = cfg.CONF

_lock = threading.Lock()
_cache: dict[tuple[str | None, str], Fernet] = {}


def _read_or_create_key_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read().strip()
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    key = Fernet.generate_key()
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if another process won the race; then its key is the key.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    with open(path, "rb") as handle:
        return handle.read().strip()


def get_fernet(conf: cfg.ConfigOpts = CONF) -> Fernet:
    configured = conf.x509.encryption_key
    cache_key = (configured, conf.x509.key_file)
    with _lock:
        fernet = _cache.get(cache_key)
        if fernet is None:
            raw = configured.encode() if configured else _read_or_create_key_file(cache_key[1])
            try:
                fernet = Fernet(raw)
            except ValueError as exc:
                source = "[x509] encryption_key" if configured else cache_key[1]
                raise exception.Invalid(
                    reason=f"{source} is not a Fernet key (32 url-safe base64 bytes): {exc}"
                ) from exc
            _cache[cache_key] = fernet
        return fernet


def encrypt(plaintext: str, conf: cfg.ConfigOpts = CONF) -> str:
    return get_fernet(conf).encrypt(plaintext.encode()).decode()


def decrypt(token: str, conf: cfg.ConfigOpts = CONF) -> str:
    try:
        return get_fernet(conf).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise exception.Invalid(
            reason="a stored secret cannot be decrypted: the encryption key differs from the "
            "one that wrote it"
        ) from exc
