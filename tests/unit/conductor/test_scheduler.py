"""Placement choices of the conductor's scheduler on plain report dicts."""

from __future__ import annotations

import pytest

from magnum_lite.conductor import scheduler as sched


class Reports:
    def __init__(self, reports):
        self.reports = reports
        self.max_age = None

    def hosts(self, max_age=None):
        self.max_age = max_age
        return [dict(r) for r in self.reports]


def report(host, types=("docker",), vcpus=4, vcpus_used=0, mem=4096, mem_used=0, age=1.0):
    return {
        "host": host,
        "hypervisor_types": list(types),
        "vcpus": vcpus,
        "vcpus_used": vcpus_used,
        "memory_mb": mem,
        "memory_mb_used": mem_used,
        "local_gb": 100,
        "local_gb_used": 10,
        "instances": 0,
        "timestamp": 0,
        "age": age,
    }


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make(reports, conf=None):
    return sched.Scheduler(Reports(reports), clock=Clock())


def test_spreads_across_hosts(conf):
    s = make([report("a"), report("b"), report("c")])
    hosts = s.select_hosts(3, vcpus=1, memory_mb=256)
    assert sorted(hosts) == ["a", "b", "c"]


def test_prefers_most_free_memory(conf):
    s = make([report("a", mem_used=3000), report("b", mem_used=100)])
    assert s.select_host(vcpus=1, memory_mb=256) == "b"


def test_existing_nodes_push_new_ones_away(conf):
    s = make([report("a"), report("b", mem_used=1000)])
    assert s.select_hosts(1, existing=["a"]) == ["b"]


def test_hypervisor_type_filter(conf):
    s = make([report("kvm", types=["qemu"]), report("dock", types=["docker", "qemu"])])
    assert s.select_hosts(2) == ["dock", "dock"]
    with pytest.raises(sched.NoValidHost, match="lack 'docker'"):
        make([report("kvm", types=["qemu"])]).select_host()


def test_allocation_ratio_and_usage(conf):
    conf.config(group="conductor", ram_allocation_ratio=1.0, cpu_allocation_ratio=1.0)
    s = make([report("a", vcpus=2, mem=1024, mem_used=600)])
    with pytest.raises(sched.NoValidHost, match="424 MiB free memory < 512"):
        s.select_host(vcpus=1, memory_mb=512)
    conf.config(group="conductor", ram_allocation_ratio=2.0)
    assert s.select_host(vcpus=1, memory_mb=512) == "a"


def test_claims_count_until_next_report(conf):
    conf.config(group="conductor", ram_allocation_ratio=1.0)
    s = make([report("a", mem=1024)])
    assert s.select_hosts(2, memory_mb=512) == ["a", "a"]
    with pytest.raises(sched.NoValidHost, match="0 MiB free"):
        s.select_host(memory_mb=512)
    # A report taken after the claims includes them in memory_mb_used: claims drop out.
    s._clock.now += 30
    s.reports.reports = [report("a", mem=1024, mem_used=0, age=0.5)]
    assert s.select_host(memory_mb=512) == "a"


def test_release_frees_a_claim(conf):
    conf.config(group="conductor", ram_allocation_ratio=1.0)
    s = make([report("a", mem=512)])
    assert s.select_host(memory_mb=512) == "a"
    s.release("a", 1, 512)
    assert s.select_host(memory_mb=512) == "a"


def test_no_reports_is_a_clear_error(conf):
    with pytest.raises(sched.NoValidHost, match="no compute agent has reported") as info:
        make([]).select_host()
    assert "nova-docker-compute" in str(info.value)


def test_report_age_limit_from_config(conf):
    conf.config(group="conductor", compute_report_max_age=7)
    s = make([report("a")])
    s.select_host()
    assert s.reports.max_age == 7


def test_zero_and_negative_counts(conf):
    s = make([report("a")])
    assert s.select_hosts(0) == []
    with pytest.raises(Exception, match="cannot place"):
        s.select_hosts(-1)
