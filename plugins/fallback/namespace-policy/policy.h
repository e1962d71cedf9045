/* namespace-policy: the release, and every resource that names its own
 * namespace, may only go to namespaces matching the config's `allowed`
 * patterns and none of its `forbidden` ones. */
#ifndef NAMESPACE_POLICY_H
#define NAMESPACE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "fallback.h"
#include "json.h"

typedef struct {
    char **allowed;
    size_t allowed_count;
    char **forbidden;
    size_t forbidden_count;
} ns_config;

/* Reads `spec.config`. Returns NULL, or why it is invalid (malloc'd). */
char *ns_config_parse(const json_value *config, ns_config *out);
void ns_config_free(ns_config *c);

/* NULL if `pattern` (n bytes) can match namespace names, else why not. */
const char *ns_pattern_problem(const char *pattern, size_t n);

/* Whether `name` matches `pattern`: `*` is any run of characters (none
 * included), `?` exactly one, anything else itself. */
bool ns_pattern_matches(const char *pattern, const char *name);

/* The hook, as the fallback ABI runs it. */
char *ns_policy_run(const wl_context *ctx, wl_findings *findings, bool *allowed);

#endif
