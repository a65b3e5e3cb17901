"""Report ageing of the ReportListener (pure logic, with a fake clock)."""

from __future__ import annotations

from nova_docker.compute import reports


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _listener(conf, **options):
    conf.config(group="compute", **options)
    clock = Clock()
    return reports.ReportListener(transport=object(), conf=conf.conf, clock=clock), clock


def test_latest_report_per_host_and_ageing(conf):
    listener, clock = _listener(conf, report_interval=1.0)
    listener.record({"host": "a", "instances": 1})
    listener.record({"host": "b", "instances": 0})
    clock.now += 2.0
    listener.record({"host": "a", "instances": 2})
    hosts = listener.hosts()
    assert [(h["host"], h["instances"]) for h in hosts] == [("a", 2), ("b", 0)]
    assert hosts[1]["age"] == 2.0
    clock.now += 1.5  # b is 3.5 s old: past 3 x report_interval
    assert [h["host"] for h in listener.hosts()] == ["a"]
    assert listener.is_alive("a") and not listener.is_alive("b")
    assert [h["host"] for h in listener.hosts(max_age=10)] == ["a", "b"]
    assert listener.get("b")["age"] == 3.5
    assert listener.get("zzz") is None and not listener.is_alive("zzz")


def test_service_down_time_option_wins(conf):
    listener, clock = _listener(conf, report_interval=10.0, service_down_time=5.0)
    listener.record({"host": "a"})
    clock.now += 6
    assert listener.hosts() == []


def test_malformed_reports_are_ignored(conf):
    listener, _ = _listener(conf)
    listener.record({"instances": 3})
    listener.record("nonsense")
    assert listener.hosts() == []
