/* What a C hook works on and reports, independent of the ABI it is run
 * through: the rendered resources it is given and the findings it returns.
 * The component glue and the fallback ABI each convert to and from these. */
#ifndef WINDLASS_FINDING_H
#define WINDLASS_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "json.h"

/* One rendered resource of the release (the WIT `resource` record). */
typedef struct {
    const char *api_version;
    const char *kind;
    const char *name;
    const char *namespace_; /* NULL when the resource sets none */
    const json_value *object;
} wl_resource;

typedef enum {
    WL_SEVERITY_INFO,
    WL_SEVERITY_WARNING,
    WL_SEVERITY_ERROR,
} wl_severity;

typedef struct {
    wl_severity severity;
    char *message;    /* owned */
    char *field_path; /* owned; NULL when there is none */
    long resource;    /* index into the hook's resources; -1 when about none */
} wl_finding;

typedef struct {
    wl_finding *items;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: some finding was lost */
} wl_findings;

/* Appends a finding, taking ownership of `message` and `field_path` (either
 * may be NULL, as when building them ran out of memory: a NULL message marks
 * the list `failed` instead). */
void wl_findings_add(wl_findings *f, wl_severity severity, char *message, char *field_path,
                     long resource);
void wl_findings_free(wl_findings *f);

/* "info", "warning" or "error", as the WIT enum and the fallback ABI spell them. */
const char *wl_severity_name(wl_severity severity);

/* Appends how messages name `r`: `Kind/name`, or `Kind namespace/name` when it
 * sets a namespace (the form the Rust hooks use too). */
void wl_resource_describe(buf *b, const wl_resource *r);

#endif
