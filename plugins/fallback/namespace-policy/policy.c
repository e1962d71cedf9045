/* The namespace-policy check, declared in policy.h. */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"

const char *ns_pattern_problem(const char *pattern, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = pattern[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*' || c == '?'))
            return "a pattern may hold only lowercase letters, digits and '-' (as namespace names "
                   "do), '*' and '?'";
    }
    return NULL;
}

/* Greedy matching with one backtrack point: on a mismatch after a `*`, the
 * `*` takes one more character. Linear in practice, never recursive. */
bool ns_pattern_matches(const char *pattern, const char *name) {
    const char *p = pattern, *n = name;
    const char *star = NULL, *resume = NULL;
    while (*n) {
        if (*p == '*') {
            star = p++;
            resume = n;
        } else if (*p && (*p == '?' || *p == *n)) {
            p++;
            n++;
        } else if (star) {
            p = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*') p++;
    return *p == '\0';
}

char *ns_config_parse(const json_value *config, ns_config *out) {
    static const char *const fields[] = {"allowed", "forbidden", NULL};
    memset(out, 0, sizeof *out);
    buf b = {0};
    if (!config || config->type == JSON_NULL) {
        buf_puts(&b, "config is required: set `allowed` to the namespace patterns the release "
                     "may go to (such as \"team-*\")");
        return wl_message(&b);
    }
    if (config->type != JSON_OBJECT) {
        buf_printf(&b, "config must be a map with `allowed`, not %s", wl_a_type(config->type));
        return wl_message(&b);
    }
    char *error = wl_config_known_fields(config, fields);
    if (error) return error;
    const json_value *allowed = json_get(config, "allowed");
    const json_value *forbidden = json_get(config, "forbidden");
    if (!allowed || allowed->type == JSON_NULL) {
        buf_puts(&b, "config: `allowed` is required: the namespace patterns the release may go to");
        return wl_message(&b);
    }
    /* An empty `allowed` would deny every namespace; an empty `forbidden`
     * forbids nothing, which a template that fills it conditionally may need. */
    error = wl_config_string_list(allowed, "allowed", &out->allowed, &out->allowed_count,
                                  ns_pattern_problem, false);
    if (!error && forbidden && forbidden->type != JSON_NULL)
        error = wl_config_string_list(forbidden, "forbidden", &out->forbidden,
                                      &out->forbidden_count, ns_pattern_problem, true);
    if (error) ns_config_free(out);
    return error;
}

void ns_config_free(ns_config *c) {
    wl_strings_free(&c->allowed, &c->allowed_count);
    wl_strings_free(&c->forbidden, &c->forbidden_count);
}

static const char *first_match(char *const *patterns, size_t count, const char *name) {
    for (size_t i = 0; i < count; i++)
        if (ns_pattern_matches(patterns[i], name)) return patterns[i];
    return NULL;
}

static void quote(buf *b, const char *s) { buf_json_string(b, s, strlen(s)); }

/* Whether namespace `ns` is allowed. If not, appends why to `why`; if so,
 * returns the allowed pattern it matched in `*matched`. Forbidden wins. */
static bool judge(const ns_config *c, const char *ns, buf *why, const char **matched) {
    const char *forbidden = first_match(c->forbidden, c->forbidden_count, ns);
    if (forbidden) {
        buf_puts(why, "it matches the forbidden pattern ");
        quote(why, forbidden);
        return false;
    }
    *matched = first_match(c->allowed, c->allowed_count, ns);
    if (*matched) return true;
    buf_puts(why, c->allowed_count == 1 ? "it does not match the allowed pattern "
                                        : "it matches none of the allowed patterns ");
    for (size_t i = 0; i < c->allowed_count; i++) {
        if (i) buf_puts(why, ", ");
        quote(why, c->allowed[i]);
    }
    return false;
}

char *ns_policy_run(const wl_context *ctx, wl_findings *findings, bool *allowed) {
    ns_config c;
    char *error = ns_config_parse(ctx->config, &c);
    if (error) return error;

    const char *release_ns = ctx->release_namespace;
    const char *matched = NULL;
    buf msg = {0};
    buf_puts(&msg, "namespace ");
    quote(&msg, release_ns);
    buf_puts(&msg, " is not allowed for release ");
    quote(&msg, ctx->release_name);
    buf_puts(&msg, ": ");
    if (judge(&c, release_ns, &msg, &matched)) {
        buf_free(&msg);
        wl_log("info", "release \"%s\" may go to namespace \"%s\" (allowed by \"%s\")",
               ctx->release_name, release_ns, matched);
    } else {
        wl_findings_add(findings, WL_SEVERITY_ERROR, buf_take(&msg, NULL), NULL, -1);
    }

    /* Resources that name the release's own namespace (or an empty one, which
     * means the same) were judged with the release. */
    for (size_t i = 0; i < ctx->resource_count; i++) {
        const wl_resource *r = &ctx->resources[i];
        if (!r->namespace_ || !*r->namespace_ || strcmp(r->namespace_, release_ns) == 0) continue;
        buf_free(&msg);
        wl_resource_describe(&msg, r);
        buf_puts(&msg, ": namespace ");
        quote(&msg, r->namespace_);
        buf_puts(&msg, " is not allowed: ");
        if (judge(&c, r->namespace_, &msg, &matched)) continue;
        buf field = {0};
        buf_puts(&field, "metadata.namespace");
        wl_findings_add(findings, WL_SEVERITY_ERROR, buf_take(&msg, NULL),
                        buf_take(&field, NULL), (long)i);
    }
    buf_free(&msg);
    ns_config_free(&c);
    *allowed = findings->len == 0 && !findings->failed;
    return NULL;
}
