#!/usr/bin/env bash
# The Kubernetes deployment (deploy/kubernetes/), checked offline: every overlay rendered and each
# object validated against the vendored Kubernetes 1.31 and KEDA 2.20 schemas, then the KEDA/HPA
# arithmetic simulated on a backlog curve. No cluster is involved. The Rust side of the checks
# (names, ports, metrics, drain against the worker's code) is crates/studio-system-tests/tests/deploy.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECK_JSONSCHEMA_VERSION=0.39.0
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/check-jsonschema --version 2>/dev/null | grep -q "$CHECK_JSONSCHEMA_VERSION" ||
  ! .venv/bin/python -c "import yaml" 2>/dev/null; then
  # PyYAML may be there already (moto's dependency): any 6.x renders these files alike.
  echo "test-deploy: installing check-jsonschema $CHECK_JSONSCHEMA_VERSION and PyYAML into .venv"
  .venv/bin/pip install -q --disable-pip-version-check \
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" "pyyaml>=6,<7"
fi
.venv/bin/python deploy/kubernetes/tools/validate.py
.venv/bin/python deploy/kubernetes/tools/simulate.py
