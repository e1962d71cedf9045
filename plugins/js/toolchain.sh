# Sourced by setup-toolchain and the plugins' build scripts: which componentize-js
# the JavaScript hooks are built with (toolchain/package.json and its lock pin it
# and everything under it), and where it is installed (outside the clone).
COMPONENTIZE_JS_VERSION=0.23.0
COMPONENTIZE_JS_HOME=${WINDLASS_CACHE_DIR:-$HOME/.cache/windlass}/toolchains/componentize-js-$COMPONENTIZE_JS_VERSION
