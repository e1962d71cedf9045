/* required-labels behind the fallback ABI, built natively by ../test: the
 * tests/ cases (YAML) are run through it without a Wasm host. The component
 * (component.c) calls the same labels_run. */
#include "fallback.h"
#include "labels.h"

static char *run(const wl_context *ctx, wl_findings *findings, bool *allowed) {
    return labels_run(ctx->config, ctx->resources, ctx->resource_count, findings, allowed);
}

int main(void) { return wl_fallback_main(run); }
