"""Policy rules of magnum_lite (oslo.policy), in Magnum's names.

Admins (role ``admin``) may do everything and see every project; members act on their own
project's resources. ``list_rules()`` is the ``oslo.policy.policies`` entry point, so
oslopolicy-sample-generator documents the defaults.
"""

from __future__ import annotations

import threading
from typing import Any

from oslo_config import cfg
from oslo_policy import policy

from magnum_lite.common import exception

ADMIN = "role:admin"
ADMIN_OR_OWNER = "is_admin:True or project_id:%(project_id)s"

_base = [
    policy.RuleDefault("context_is_admin", ADMIN, description="Who is an administrator."),
    policy.RuleDefault(
        "admin_or_owner", ADMIN_OR_OWNER, description="An admin or the resource's project."
    ),
    policy.RuleDefault("admin_api", "rule:context_is_admin", description="Admins only."),
]


def _rule(name: str, check: str, description: str) -> policy.RuleDefault:
    return policy.RuleDefault(name, check, description=description)


_resources = [
    _rule("cluster:create", "rule:admin_or_owner", "Create a cluster."),
    _rule("cluster:delete", "rule:admin_or_owner", "Delete a cluster."),
    _rule("cluster:get", "rule:admin_or_owner", "Show a cluster."),
    _rule("cluster:get_all", "rule:admin_or_owner", "List the project's clusters."),
    _rule("cluster:get_all_all_projects", "rule:admin_api", "List every project's clusters."),
    _rule("cluster:update", "rule:admin_or_owner", "Update, resize or upgrade a cluster."),
    _rule("clustertemplate:create", "rule:admin_or_owner", "Create a cluster template."),
    _rule("clustertemplate:delete", "rule:admin_or_owner", "Delete a cluster template."),
    _rule("clustertemplate:get", "rule:admin_or_owner", "Show a cluster template."),
    _rule("clustertemplate:get_all", "rule:admin_or_owner", "List cluster templates."),
    _rule(
        "clustertemplate:get_all_all_projects", "rule:admin_api", "List every project's templates."
    ),
    _rule("clustertemplate:update", "rule:admin_or_owner", "Update a cluster template."),
    _rule("clustertemplate:publish", "rule:admin_api", "Make a template public or hidden."),
    _rule("nodegroup:create", "rule:admin_or_owner", "Create a nodegroup."),
    _rule("nodegroup:delete", "rule:admin_or_owner", "Delete a nodegroup."),
    _rule("nodegroup:get", "rule:admin_or_owner", "Show a nodegroup."),
    _rule("nodegroup:get_all", "rule:admin_or_owner", "List nodegroups."),
    _rule("nodegroup:update", "rule:admin_or_owner", "Update a nodegroup."),
    _rule("certificate:create", "rule:admin_or_owner", "Sign a CSR with the cluster's CA."),
    _rule("certificate:get", "rule:admin_or_owner", "Show the cluster's CA certificate."),
    _rule("certificate:rotate_ca", "rule:admin_or_owner", "Rotate the cluster's CA."),
    _rule("magnum-service:get_all", "rule:admin_api", "List conductor services."),
    _rule("quota:create", "rule:admin_api", "Create a quota."),
    _rule("quota:delete", "rule:admin_api", "Delete a quota."),
    _rule("quota:get", "rule:admin_or_owner", "Show a quota."),
    _rule("quota:get_all", "rule:admin_api", "List quotas."),
    _rule("quota:update", "rule:admin_api", "Update a quota."),
    _rule("stats:get_all", "rule:admin_or_owner", "Show cluster statistics."),
    _rule("federation:create", "rule:admin_or_owner", "Create a federation."),
    _rule("federation:get_all", "rule:admin_or_owner", "List federations."),
    _rule("credential:rotate", "rule:admin_or_owner", "Rotate cluster credentials."),
]


def list_rules() -> list[policy.RuleDefault]:
    return _base + _resources


_lock = threading.Lock()
_enforcers: dict[int, policy.Enforcer] = {}


def get_enforcer(conf: cfg.ConfigOpts = cfg.CONF) -> policy.Enforcer:
    with _lock:
        enforcer = _enforcers.get(id(conf))
        if enforcer is None:
            enforcer = policy.Enforcer(conf)
            enforcer.register_defaults(list_rules())
            try:
                enforcer.load_rules()
            except cfg.NotInitializedError:
                # Configuration not parsed (in-process tests): the defaults alone apply.
                enforcer = policy.Enforcer(conf, use_conf=False)
                enforcer.register_defaults(list_rules())
                rules = {rule.name: rule.check_str for rule in list_rules()}
                enforcer.set_rules(policy.Rules.from_dict(rules), use_conf=False)
            _enforcers[id(conf)] = enforcer
        return enforcer


def authorize(
    context: Any, action: str, target: dict[str, Any] | None = None, conf: cfg.ConfigOpts = cfg.CONF
) -> None:
    """Raises PolicyNotAuthorized (403) unless ``context`` may do ``action`` on ``target``."""
    target = target if target is not None else {"project_id": context.project_id}
    target.setdefault("project_id", context.project_id)
    creds = context.to_policy_values()
    creds["is_admin"] = bool(getattr(context, "is_admin", False))
    try:
        get_enforcer(conf).authorize(
            action, target, creds, do_raise=True, exc=exception.PolicyNotAuthorized, action=action
        )
    except policy.PolicyNotRegistered as exc:  # a programming error: fail closed
        raise exception.PolicyNotAuthorized(action=action) from exc


def check_is_admin(context: Any, conf: cfg.ConfigOpts = cfg.CONF) -> bool:
    creds = context.to_policy_values()
    return bool(get_enforcer(conf).authorize("context_is_admin", {}, creds, do_raise=False))
