# Sourced by setup-toolchain and the plugins' build scripts: which componentize-py
# the Python hooks are built with, and where it is installed (outside the clone).
COMPONENTIZE_PY_VERSION=0.25.1
COMPONENTIZE_PY_HOME=${WINDLASS_CACHE_DIR:-$HOME/.cache/windlass}/toolchains/componentize-py-$COMPONENTIZE_PY_VERSION
COMPONENTIZE_PY=$COMPONENTIZE_PY_HOME/bin/componentize-py
