/* The findings list declared in finding.h. */
#include "finding.h"

#include <stdint.h>
#include <stdlib.h>

void wl_findings_add(wl_findings *f, wl_severity severity, char *message, char *field_path,
                     long resource) {
    if (!message || f->failed) goto lost;
    if (f->len == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        if (cap > SIZE_MAX / sizeof *f->items) goto lost;
        wl_finding *items = realloc(f->items, cap * sizeof *items);
        if (!items) goto lost;
        f->items = items;
        f->cap = cap;
    }
    f->items[f->len++] = (wl_finding){severity, message, field_path, resource};
    return;
lost:
    f->failed = true;
    free(message);
    free(field_path);
}

void wl_findings_free(wl_findings *f) {
    for (size_t i = 0; i < f->len; i++) {
        free(f->items[i].message);
        free(f->items[i].field_path);
    }
    free(f->items);
    *f = (wl_findings){0};
}

const char *wl_severity_name(wl_severity severity) {
    switch (severity) {
    case WL_SEVERITY_INFO: return "info";
    case WL_SEVERITY_WARNING: return "warning";
    case WL_SEVERITY_ERROR: return "error";
    }
    return "error";
}

void wl_resource_describe(buf *b, const wl_resource *r) {
    if (r->namespace_)
        buf_printf(b, "%s %s/%s", r->kind, r->namespace_, r->name);
    else
        buf_printf(b, "%s/%s", r->kind, r->name);
}
