"""Every stackdock option, with its help text, is in the committed sample configs.

`make genconfig` regenerates etc/stackdock/*.sample; this test fails when an option was
added or renamed without regenerating, so the samples never drift from the code.
"""

from __future__ import annotations

import pathlib
import re

import pytest

from heat_plugins import conf as heat_conf
from magnum_lite.conf import opts as magnum_opts
from nova_docker.conf import opts as nova_opts

ETC = pathlib.Path(__file__).resolve().parents[3] / "etc" / "stackdock"

SECTION = re.compile(r"^\[([^\]]+)\]$")
OPTION = re.compile(r"^#([A-Za-z0-9_]+) =")

SAMPLES = {
    "stackdock.conf.sample": [nova_opts.list_opts, magnum_opts.list_opts],
    "heat-docker-plugins.conf.sample": [heat_conf.list_opts],
}


def _declared(sample: str) -> set[tuple[str, str]]:
    """(section, option) pairs of a generated sample, where options are commented out."""
    found = set()
    section = "DEFAULT"
    for line in (ETC / sample).read_text().splitlines():
        if header := SECTION.match(line):
            section = header.group(1)
        elif option := OPTION.match(line):
            found.add((section, option.group(1).lower()))
    return found


def _ours(listers) -> list[tuple[str, object]]:
    result = []
    for lister in listers:
        for group, opts in lister():
            name = group if isinstance(group, str) else group.name
            result.extend((name or "DEFAULT", opt) for opt in opts)
    return result


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_option_is_in_the_sample(sample):
    declared = _declared(sample)
    missing = [
        f"[{group}] {opt.dest}"
        for group, opt in _ours(SAMPLES[sample])
        if (group, opt.dest.lower()) not in declared
    ]
    assert not missing, f"run `make genconfig`; missing from {sample}: {missing}"


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_option_has_help(sample):
    helpless = [f"[{g}] {o.dest}" for g, o in _ours(SAMPLES[sample]) if not (o.help or "").strip()]
    assert not helpless
