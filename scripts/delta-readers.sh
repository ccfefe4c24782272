#!/usr/bin/env bash
# Installs the Delta readers other people use (PyPI `deltalake` and `polars`) into
# target/delta-venv, for the test that reads rareflow's Delta tables with them
# (crates/warehouse/src/delta/tests.rs). Idempotent. Prints the venv's python.
set -euo pipefail
cd "$(dirname "$0")/.."
DELTALAKE_VERSION=1.6.6
POLARS_VERSION=2.1.0
VENV=target/delta-venv
stamp="$VENV/.readers-$DELTALAKE_VERSION-$POLARS_VERSION"
if [ ! -f "$stamp" ] || [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "deltalake==$DELTALAKE_VERSION" "polars==$POLARS_VERSION"
    touch "$stamp"
fi
echo "$PWD/$VENV/bin/python"
