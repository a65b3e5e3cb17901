"""The real `openstack coe` CLI (--os-auth-type none) against magnum-lite-api."""

from __future__ import annotations

import json


def test_cli_template_and_cluster(api, uniq):
    tpl = f"clitpl-{uniq}"
    out = api.cli(
        "cluster",
        "template",
        "create",
        tpl,
        "--coe",
        "swarm-mode",
        "--image",
        "stackdock/swarm-node:latest",
        "--external-network",
        "public",
        "--labels",
        "x=1",
        "-f",
        "json",
    )
    created = json.loads(out.stdout[out.stdout.index("{") :])  # after "Request ... accepted"
    assert created["name"] == tpl and created["coe"] == "swarm-mode"
    assert created["labels"] == {"x": "1"}
    listed = json.loads(api.cli("cluster", "template", "list", "-f", "json").stdout)
    assert tpl in [t["name"] for t in listed]
    name = f"clic-{uniq}"
    out = api.cli("cluster", "create", name, "--cluster-template", tpl, "--node-count", "2")
    assert "accepted" in out.stdout + out.stderr
    shown = json.loads(api.cli("cluster", "show", name, "-f", "json").stdout)
    assert shown["status"] == "CREATE_IN_PROGRESS" and shown["node_count"] == 2
    listed = json.loads(api.cli("cluster", "list", "-f", "json").stdout)
    assert name in [c["name"] for c in listed]
    bad = api.cli("cluster", "template", "delete", tpl, check=False)
    assert "referenced by one or multiple clusters" in bad.stdout + bad.stderr
    assert json.loads(api.cli("cluster", "template", "show", tpl, "-f", "json").stdout)
    api.cli("cluster", "delete", name)
    shown = json.loads(api.cli("cluster", "show", name, "-f", "json").stdout)
    assert shown["status"] == "DELETE_IN_PROGRESS"


def test_cli_errors(api, uniq):
    proc = api.cli(
        "cluster", "create", f"c-{uniq}", "--cluster-template", f"nope-{uniq}", check=False
    )
    assert proc.returncode != 0 and f"nope-{uniq}" in proc.stderr
    proc = api.cli("cluster", "show", f"missing-{uniq}", check=False)
    assert proc.returncode != 0 and "could not be found" in proc.stderr
