#!/usr/bin/env bash
# Debian packages that pip needs to build the venv (libvirt-python compiles against libvirt-dev).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_debs libvirt-dev pkg-config gcc python3-dev
