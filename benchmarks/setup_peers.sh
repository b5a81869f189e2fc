#!/usr/bin/env bash
# Create the peer libraries' virtual environments for benchmarks/mi.py.
#
# Each peer gets its own environment because their pins clash with ours:
# benchmark-mi (bmi) imports with jax 0.4.30, and torch-mist requires
# numpy < 2 (it also needs pandas without declaring it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"

"$python" -m venv "$here/.venvs/bmi"
"$here/.venvs/bmi/bin/pip" install --quiet benchmark-mi "jax==0.4.30" "jaxlib==0.4.30"

"$python" -m venv "$here/.venvs/mist"
"$here/.venvs/mist/bin/pip" install --quiet "torch==2.13.0" torch-mist pandas

echo "peer environments ready in $here/.venvs"
