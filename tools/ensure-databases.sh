#!/usr/bin/env bash
# Make sure MariaDB (127.0.0.1:3306, root without password) and PostgreSQL (127.0.0.1:5432,
# trust) answer, and that both have the database stackdock_test. Starts them if they are
# installed but stopped (as root, installs them if missing). Idempotent, concurrent-safe.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DB=stackdock_test
WAIT=${STACKDOCK_DB_WAIT:-60}

mysql_ok() { mysql -h 127.0.0.1 -u root -N -e 'SELECT 1' >/dev/null 2>&1; }
pg_ok() { psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; }

if ! is_root; then
    mysql_ok || die "MariaDB does not answer on 127.0.0.1:3306 as root without password. As root run: tools/ensure-databases.sh"
    pg_ok || die "PostgreSQL does not answer on 127.0.0.1:5432 (user postgres, trust). As root run: tools/ensure-databases.sh"
else
    ensure_lock
    if ! mysql_ok; then
        need_debs mariadb-server mariadb-client
        if [ -z "$(live_pids mariadbd)" ]; then
            log "starting MariaDB"
            install -d -o mysql -g mysql /run/mysqld
            # No inherited stdout/stderr: ensure-services.sh captures ours and would wait forever.
            start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd \
                </dev/null >>/var/log/stackdock-db-start.log 2>&1 9>&-
        fi
        wait_for "MariaDB" "$WAIT" mysql_ok || die "MariaDB did not answer within ${WAIT}s (see /var/log/stackdock-db-start.log, /var/log/mysql/)"
    fi
    if ! pg_ok; then
        need_debs postgresql postgresql-client
        log "starting PostgreSQL"
        for v in $(ls /etc/postgresql); do
            pg_ctlcluster --skip-systemctl-redirect "$v" main start \
                </dev/null >>/var/log/stackdock-db-start.log 2>&1 9>&- || true
        done
        wait_for "PostgreSQL" "$WAIT" pg_ok || die "PostgreSQL did not answer within ${WAIT}s (see /var/log/stackdock-db-start.log, /var/log/postgresql/)"
    fi
fi

mysql -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS $DB" \
    || die "cannot create MariaDB database $DB"
if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'")" != 1 ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $DB" >/dev/null \
        || die "cannot create PostgreSQL database $DB"
    log "created PostgreSQL database $DB"
fi
log "MariaDB and PostgreSQL answer; database $DB exists in both"
