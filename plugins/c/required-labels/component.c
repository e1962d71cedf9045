/* required-labels as a windlass:hook component: converts the WIT context to
 * the check's input, runs labels_run, and converts the findings back.
 *
 * Ownership follows the canonical ABI as wit-bindgen's C bindings lay it out:
 * the context passed to exports_hook_run belongs to us (freed here), and the
 * outcome or error we return is freed by the generated post-return function,
 * which calls free() on every non-empty string and list, so everything in it is
 * malloc'd and empty ones hold no allocation. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "finding.h"
#include "hook.h"
#include "json.h"
#include "labels.h"

/* A malloc'd, NUL-terminated copy of a WIT string (NULL when out of memory). */
static char *c_string(const hook_string_t *s) {
    char *d = malloc(s->len + 1);
    if (d) {
        if (s->len) memcpy(d, s->ptr, s->len);
        d[s->len] = '\0';
    }
    return d;
}

/* A WIT string owning a copy of `s` (none allocated when it is empty). */
static bool wit_string(hook_string_t *out, const char *s) {
    size_t n = s ? strlen(s) : 0;
    out->ptr = NULL;
    out->len = 0;
    if (n == 0) return true;
    if (!(out->ptr = malloc(n))) return false;
    memcpy(out->ptr, s, n);
    out->len = n;
    return true;
}

static bool wit_option_string(hook_option_string_t *out, const char *s) {
    out->is_some = s != NULL;
    if (!s) {
        out->val.ptr = NULL;
        out->val.len = 0;
        return true;
    }
    return wit_string(&out->val, s);
}

/* Sets `*err` to `text`; false, for `return fail(...)`. An allocation failure
 * here aborts (a trap): an error must not turn into an empty success. */
static bool fail(hook_string_t *err, const char *text) {
    if (!wit_string(err, text) || err->len == 0) abort();
    return false;
}

static void log_line(windlass_hook_log_level_t level, const char *text) {
    hook_string_t message = {(uint8_t *)text, strlen(text)};
    hook_list_tuple2_string_string_t fields = {NULL, 0};
    windlass_hook_log_log(level, &message, &fields);
}

/* `s`, or a trap if building it ran out of memory: an error message must
 * never be lost, since NULL means success to the callers. */
static char *must(char *s) {
    if (!s) abort();
    return s;
}

/* The check's view of the resources: C strings and parsed objects. */
typedef struct {
    wl_resource *resources;
    json_value *objects;
    size_t count;
} resources;

static void resources_free(resources *rs) {
    for (size_t i = 0; i < rs->count; i++) {
        free((char *)rs->resources[i].api_version);
        free((char *)rs->resources[i].kind);
        free((char *)rs->resources[i].name);
        free((char *)rs->resources[i].namespace_);
        json_free(&rs->objects[i]);
    }
    free(rs->resources);
    free(rs->objects);
    memset(rs, 0, sizeof *rs);
}

/* Converts the context's resources; NULL, or why not (malloc'd). */
static char *resources_from(const windlass_hook_types_list_resource_t *list, resources *rs) {
    memset(rs, 0, sizeof *rs);
    if (list->len == 0) return NULL;
    rs->resources = calloc(list->len, sizeof *rs->resources);
    rs->objects = calloc(list->len, sizeof *rs->objects);
    if (!rs->resources || !rs->objects) return must(strdup("out of memory"));
    for (size_t i = 0; i < list->len; i++) {
        const windlass_hook_types_resource_t *in = &list->ptr[i];
        wl_resource *r = &rs->resources[i];
        rs->count = i + 1;
        r->api_version = c_string(&in->api_version);
        r->kind = c_string(&in->kind);
        r->name = c_string(&in->name);
        r->namespace_ = in->namespace_.is_some ? c_string(&in->namespace_.val) : NULL;
        if (!r->api_version || !r->kind || !r->name || (in->namespace_.is_some && !r->namespace_))
            return must(strdup("out of memory"));
        json_error jerr;
        if (!json_parse((const char *)in->object.ptr, in->object.len, &rs->objects[i], &jerr)) {
            buf b = {0};
            wl_resource_describe(&b, r);
            buf_printf(&b, ": cannot read the object's JSON at byte %zu: %s", jerr.offset,
                       jerr.message);
            return must(buf_take(&b, NULL));
        }
        r->object = &rs->objects[i];
    }
    return NULL;
}

static bool finding_to_wit(const wl_finding *f, const resources *rs,
                           windlass_hook_types_finding_t *out) {
    memset(out, 0, sizeof *out);
    out->severity = f->severity == WL_SEVERITY_INFO      ? WINDLASS_HOOK_TYPES_SEVERITY_INFO
                    : f->severity == WL_SEVERITY_WARNING ? WINDLASS_HOOK_TYPES_SEVERITY_WARNING
                                                         : WINDLASS_HOOK_TYPES_SEVERITY_ERROR;
    bool ok = wit_string(&out->message, f->message) &&
              wit_option_string(&out->field_path, f->field_path);
    if (ok && f->resource >= 0 && (size_t)f->resource < rs->count) {
        const wl_resource *r = &rs->resources[f->resource];
        windlass_hook_types_resource_ref_t *ref = &out->resource.val;
        out->resource.is_some = true;
        ok = wit_string(&ref->api_version, r->api_version) && wit_string(&ref->kind, r->kind) &&
             wit_string(&ref->name, r->name) && wit_option_string(&ref->namespace_, r->namespace_);
    }
    return ok;
}

bool exports_hook_run(hook_context_t *context, hook_outcome_t *ret, hook_string_t *err) {
    memset(ret, 0, sizeof *ret);
    memset(err, 0, sizeof *err);
    json_value config;
    json_error jerr;
    if (!json_parse((const char *)context->config.ptr, context->config.len, &config, &jerr)) {
        buf b = {0};
        buf_printf(&b, "cannot read the config's JSON at byte %zu: %s", jerr.offset, jerr.message);
        char *text = must(buf_take(&b, NULL));
        hook_context_free(context);
        fail(err, text);
        free(text);
        return false;
    }
    resources rs;
    char *error = resources_from(&context->resources, &rs);
    wl_findings findings = {0};
    bool allowed = false;
    if (!error) error = labels_run(&config, rs.resources, rs.count, &findings, &allowed);
    if (!error && findings.failed) error = must(strdup("out of memory building findings"));
    bool ok = !error;
    if (ok && findings.len) {
        ret->findings.ptr = calloc(findings.len, sizeof *ret->findings.ptr);
        ok = ret->findings.ptr != NULL;
        for (size_t i = 0; ok && i < findings.len; i++) {
            ret->findings.len = i + 1;
            ok = finding_to_wit(&findings.items[i], &rs, &ret->findings.ptr[i]);
        }
        if (!ok) {
            windlass_hook_types_list_finding_free(&ret->findings);
            memset(&ret->findings, 0, sizeof ret->findings);
            error = must(strdup("out of memory building the outcome"));
        }
    }
    if (ok) {
        ret->allowed = allowed;
        buf summary = {0};
        buf_printf(&summary, "checked %zu resources: %zu missing labels", rs.count,
                   findings.len);
        if (!summary.failed) log_line(WINDLASS_HOOK_LOG_LEVEL_INFO, summary.data);
        buf_free(&summary);
    }
    wl_findings_free(&findings);
    resources_free(&rs);
    json_free(&config);
    hook_context_free(context);
    if (!ok) {
        fail(err, error);
        free(error);
    }
    return ok;
}
