"""Fernet encryption of stored private keys."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from cryptography.fernet import Fernet

from magnum_lite.common import crypto, exception


def test_round_trip_with_configured_key(conf):
    conf.config(group="x509", encryption_key=Fernet.generate_key().decode())
    token = crypto.encrypt("-----BEGIN PRIVATE KEY-----\nsecret\n")
    assert "secret" not in token and "BEGIN" not in token
    assert crypto.decrypt(token) == "-----BEGIN PRIVATE KEY-----\nsecret\n"


def test_key_file_generated_0600_and_reused(conf, tmp_path):
    path = tmp_path / "state" / "fernet.key"
    conf.config(group="x509", encryption_key=None, key_file=str(path))
    token = crypto.encrypt("hello")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    first = path.read_bytes()
    crypto._cache.clear()  # a new process reads the same file
    assert crypto.decrypt(token) == "hello"
    assert path.read_bytes() == first


def test_concurrent_first_use_agrees_on_one_key(conf, tmp_path):
    path = str(tmp_path / "race.key")
    keys: list[bytes] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        barrier.wait()
        keys.append(crypto._read_or_create_key_file(path))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_wrong_key_is_a_clear_error(conf):
    conf.config(group="x509", encryption_key=Fernet.generate_key().decode())
    token = crypto.encrypt("x")
    conf.config(group="x509", encryption_key=Fernet.generate_key().decode())
    with pytest.raises(exception.Invalid, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_malformed_configured_key(conf):
    conf.config(group="x509", encryption_key="not-a-key")
    with pytest.raises(exception.Invalid, match="encryption_key is not a Fernet key"):
        crypto.encrypt("x")
