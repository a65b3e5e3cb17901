"""The conductor service: RPC server, worker pool, periodic tasks and start-up resume.

Used by ``magnum-lite-conductor`` and by ``stackdock-aio``. Nothing here forks: the RPC
server starts in this process, after every collaborator is ready, so no cast is consumed
by a process that then goes away.
"""

from __future__ import annotations

from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging

from magnum_lite import conf as ml_conf
from magnum_lite.conductor import certificates as certs_mod
from magnum_lite.conductor import locks as locks_mod
from magnum_lite.conductor import manager as manager_mod
from magnum_lite.conductor import periodic as periodic_mod
from magnum_lite.conductor import resume, scheduler
from magnum_lite.conductor.handlers import common
from magnum_lite.conductor.runner import Runner
from magnum_lite.db import api as db_api
from nova_docker.common import context as context_module
from nova_docker.common import rpc

LOG = logging.getLogger(__name__)


class ConductorService:
    def __init__(
        self,
        conf: cfg.ConfigOpts = ml_conf.CONF,
        transport: messaging.Transport | None = None,
        db: Any = None,
        reports: Any = None,
        compute: Any = None,
        driver_loader: Any = None,
    ) -> None:
        self.conf = conf
        self.host = conf.conductor.host
        self.transport = transport
        self.db = db
        self.reports = reports
        self.compute = compute
        self.driver_loader = driver_loader
        self.server: messaging.MessageHandlingServer | None = None
        self.runner: Runner | None = None
        self.periodic: periodic_mod.PeriodicTasks | None = None
        self.locks: locks_mod.ClusterLocks | None = None
        self._own_reports = False

    def check_schema(self) -> None:
        """Fail early, and clearly, on a database that magnum-lite-db-manage never upgraded."""
        import sqlalchemy as sa

        try:
            with self.db.db.reader() as session:
                session.execute(sa.select(locks_mod.locks_table.c.cluster_uuid).limit(1))
        except sa.exc.SQLAlchemyError as exc:
            raise RuntimeError(
                f"the database at [database] connection is not at the latest schema ({exc}); "
                "run: magnum-lite-db-manage --config-file <stackdock.conf> upgrade"
            ) from exc

    def start(self) -> None:
        from nova_docker.compute import reports as reports_mod
        from nova_docker.compute import rpcapi as compute_rpcapi

        conf = self.conf
        self.transport = self.transport or rpc.get_transport(conf)
        self.db = self.db or db_api.get_instance(conf)
        self.check_schema()
        if self.reports is None:
            self.reports = reports_mod.ReportListener(self.transport, conf)
            self._own_reports = True
        if self._own_reports:
            self.reports.start()
        self.compute = self.compute or compute_rpcapi.ComputeAPI(self.transport, conf)
        self.hctx = common.HandlerContext(
            db=self.db,
            compute=self.compute,
            scheduler=scheduler.Scheduler(self.reports, conf),
            certificates=certs_mod.Certificates(self.db),
            reports=self.reports,
            conf=conf,
            driver_loader=self.driver_loader,
        )
        self.locks = locks_mod.ClusterLocks(self.db, self.host, conf)
        admin = context_module.get_admin_context()
        self.runner = Runner(
            conf.conductor.workers,
            self.locks,
            follow_up=lambda uuid: resume.task_for(self.hctx, admin, uuid, resume.ORPHAN_REASON),
            lock_wait=60.0 * max(conf.conductor.update_timeout, conf.conductor.delete_timeout),
        )
        self.periodic = periodic_mod.PeriodicTasks(self.hctx, self.runner, self.locks, self.host)
        # Heartbeat first: peers must see this conductor alive before it takes clusters.
        self.periodic.heartbeat()
        self.resume_all()
        manager = manager_mod.ConductorManager(self.hctx, self.runner, self.host)
        self.server = rpc.get_server(self.transport, conf.conductor.topic, self.host, [manager])
        self.server.start()
        self.periodic.start()
        LOG.info("magnum-lite-conductor %s listening on topic %s", self.host, conf.conductor.topic)

    def resume_all(self) -> int:
        """Queue every *_IN_PROGRESS cluster no live peer works; returns how many."""
        from magnum_lite.conductor import states

        admin = context_module.get_admin_context()
        count = 0
        for cluster in self.db.list_clusters(filters={"status": list(states.IN_PROGRESS)}):
            holder = self.locks.holder(cluster.uuid)
            if holder is not None and holder[1] and holder[0] != self.host:
                LOG.info("Cluster %s is worked by live conductor %s", cluster.uuid, holder[0])
                continue
            task = resume.task_for(self.hctx, admin, cluster.uuid, resume.RESTART_REASON)
            if task is not None:
                LOG.info("Cluster %s was left %s; resuming", cluster.uuid, cluster.status)
                self.runner.submit(cluster.uuid, task)
                count += 1
        return count

    def stop(self, timeout: float | None = None) -> None:
        timeout = self.conf.conductor.graceful_shutdown_timeout if timeout is None else timeout
        if self.server is not None:
            self.server.stop()
            self.server.wait()
            self.server = None
        if self.periodic is not None:
            self.periodic.stop()
        idle = True
        if self.runner is not None:
            idle = self.runner.stop(timeout)
            if not idle:
                LOG.warning("Stopping with operations still running; they resume at next start")
        if idle and self.locks is not None:
            try:
                self.locks.release_all()
            except Exception:
                LOG.exception("Could not release cluster locks")
        if self._own_reports and self.reports is not None:
            self.reports.stop()
        LOG.info("magnum-lite-conductor %s stopped", self.host)
