/* required-labels: every rendered resource (optionally only some kinds) must
 * carry the configured labels under metadata.labels, and workloads also in
 * their pod template when `podTemplates` is set. The logic, apart from any ABI:
 * component.c adapts it to the windlass:hook world, cases_main.c to the
 * fallback ABI for native testing. */
#ifndef REQUIRED_LABELS_H
#define REQUIRED_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "json.h"

typedef struct {
    char **labels; /* label keys, duplicates removed */
    size_t label_count;
    char **kinds; /* the kinds checked; none means every kind */
    size_t kind_count;
    bool pod_templates;
} labels_config;

/* Reads `spec.config`. Returns NULL, or why it is invalid (malloc'd). */
char *labels_config_parse(const json_value *config, labels_config *out);
void labels_config_free(labels_config *c);

/* NULL if `key` (n bytes) is a valid Kubernetes label key, else why not. */
const char *labels_key_problem(const char *key, size_t n);

/* Adds one error finding per required label `r` lacks (it is `resources[index]`). */
void labels_check(const labels_config *c, const wl_resource *r, long index, wl_findings *out);

/* The whole hook: NULL with `findings` and `*allowed` filled (denied exactly
 * when a label is missing), or why the config is invalid (malloc'd). */
char *labels_run(const json_value *config, const wl_resource *resources, size_t count,
                 wl_findings *findings, bool *allowed);

#endif
