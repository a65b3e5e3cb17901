"""The agent's state files: instance records and the spawn journal."""

from __future__ import annotations

import os

import pytest

from nova_docker import exception
from nova_docker.compute import journal


def test_records_and_journal(tmp_path):
    store = journal.StateStore(str(tmp_path / "s"))
    store.save_instance("u1", {"instance": {"uuid": "u1"}})
    store.begin_spawn("u2", {"instance": {"uuid": "u2"}})
    assert store.load_instance("u1") == {"instance": {"uuid": "u1"}}
    assert store.load_instance("u2") is None
    assert list(store.pending_spawns()) == ["u2"]
    store.end_spawn("u2")
    store.end_spawn("u2")  # idempotent
    store.delete_instance("u1")
    assert store.instances() == {} and store.pending_spawns() == {}
    # Nothing but the two directories remains: no temporary files.
    assert sorted(os.listdir(tmp_path / "s")) == ["instances", "journal"]
    assert oct(os.stat(tmp_path / "s").st_mode & 0o777) == "0o700"


def test_unsafe_uuid_refused(tmp_path):
    store = journal.StateStore(str(tmp_path))
    for bad in ("../x", "", "a/b", None, ".hidden"):
        with pytest.raises(exception.Invalid):
            store.save_instance(bad, {})
    with pytest.raises(exception.Invalid):
        store.load_instance("../../etc/passwd")


def test_damaged_record_is_skipped(tmp_path):
    store = journal.StateStore(str(tmp_path))
    store.save_instance("good", {"a": 1})
    (tmp_path / "instances" / "bad.json").write_text("{not json")
    assert store.instances() == {"good": {"a": 1}}


def test_half_written_temporary_files_are_removed(tmp_path):
    store = journal.StateStore(str(tmp_path))
    store.begin_spawn("u1", {"a": 1})
    (tmp_path / "journal" / ".tmp-abc").write_text('{"half')
    assert list(store.pending_spawns()) == ["u1"]
    store.remove_temporary()
    assert sorted(os.listdir(tmp_path / "journal")) == ["u1.json"]
