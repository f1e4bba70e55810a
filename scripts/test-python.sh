#!/usr/bin/env bash
# Runs the Python tests (models/) with Debian's interpreter, which holds python3-torch and
# python3-onnx; a pyenv or venv python3 on PATH usually lacks them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-/usr/bin/python3}"
exec "$PYTHON" -m pytest -q models/tests "$@"
