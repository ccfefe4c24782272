#!/usr/bin/env bash
# Installs moto's S3-compatible server (PyPI `moto[server]`) into target/moto-venv, for the
# object-storage tests (tests/it/s3.rs). Idempotent: a second call with the pinned version
# already installed returns at once. Prints the path of `moto_server`.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION=5.2.5
VENV=target/moto-venv
stamp="$VENV/.moto-$MOTO_VERSION"
if [ ! -f "$stamp" ] || [ ! -x "$VENV/bin/moto_server" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
    touch "$stamp"
fi
echo "$PWD/$VENV/bin/moto_server"
