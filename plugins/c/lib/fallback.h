/* The guest side of windlass's fallback ABI (plugins/fallback/README.md): the
 * context is one JSON document on stdin, the outcome one JSON document on
 * stdout, the exit code the verdict, stderr lines the log.
 *
 * A fallback hook in C is `int main(void) { return wl_fallback_main(run); }`.
 * The same code runs natively, which is how the C hooks' test cases are
 * checked without a Wasm host. */
#ifndef WINDLASS_FALLBACK_H
#define WINDLASS_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "finding.h"
#include "json.h"

/* Exit codes: the verdict, or that the hook could not do its job. */
#define WL_EXIT_ALLOWED 0
#define WL_EXIT_DENIED 1
#define WL_EXIT_ERROR 2

/* The parts of the context the C hooks use. Every pointer points into
 * `document`, except `resources`, which is owned. */
typedef struct {
    json_value document;
    const char *event;
    const char *release_name;
    const char *release_namespace;
    wl_resource *resources;
    size_t resource_count;
    const json_value *config; /* a JSON null when the WasmHook has none */
} wl_context;

/* Parses a context document. On failure returns false with a message in
 * `*error` (malloc'd) and leaves nothing to free. Keys it does not know are
 * ignored, as the ABI asks of hooks. */
bool wl_context_parse(const char *text, size_t len, wl_context *ctx, char **error);
void wl_context_free(wl_context *ctx);

/* Appends the outcome document for `findings` (their resource indices refer
 * to `resources`). */
void wl_outcome_write(buf *out, bool allowed, const wl_findings *findings,
                      const wl_resource *resources, size_t resource_count);
/* Appends the error document `{"error": message}`. */
void wl_error_write(buf *out, const char *message);

/* A hook: fills `findings` and `*allowed` and returns NULL, or returns why it
 * could not do its job (malloc'd; the caller frees it). */
typedef char *(*wl_hook_fn)(const wl_context *ctx, wl_findings *findings, bool *allowed);

/* Reads the context from `in`, runs `hook`, writes the outcome (or error)
 * document to `out`, and returns the exit code. */
int wl_fallback_run(wl_hook_fn hook, FILE *in, FILE *out);
/* wl_fallback_run on stdin and stdout: the body of a fallback hook's main. */
int wl_fallback_main(wl_hook_fn hook);

/* Writes one log line to stderr as `LEVEL: message` (the ABI's log form);
 * `level` is "trace", "debug", "info", "warn" or "error". */
void wl_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
