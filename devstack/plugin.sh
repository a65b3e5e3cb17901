#!/bin/bash
# devstack plugin for stackdock: magnum_lite API + conductor, the nova-docker compute agent,
# the Heat OS::Docker::* plugins and, optionally, DockerDriver inside real nova-compute.

XTRACE=$(set +o | grep xtrace)
set -o xtrace

source $STACKDOCK_DIR/devstack/lib/stackdock

if is_service_enabled magnum-lite-api magnum-lite-cond nova-docker-compute; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing stackdock"
        install_stackdock
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring stackdock"
        configure_stackdock
        if is_service_enabled key; then
            create_stackdock_accounts
        fi
        if is_service_enabled h-eng; then
            configure_stackdock_heat
        fi
        if [[ "$STACKDOCK_NOVA_DRIVER" == "True" ]] && is_service_enabled n-cpu; then
            configure_stackdock_nova
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting stackdock"
        init_stackdock
        start_stackdock
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_stackdock
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_stackdock
    fi
fi

$XTRACE
