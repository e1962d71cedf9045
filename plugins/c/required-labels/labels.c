/* The required-labels check, declared in labels.h. */
#include "labels.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"

/* --- config ------------------------------------------------------------- */

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

/* A DNS-1123 subdomain: dot-separated parts of [a-z0-9-], each starting and
 * ending with a letter or digit. */
static bool is_dns_subdomain(const char *s, size_t n) {
    size_t part = 0; /* start of the current part */
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (i == part || !is_lower_alnum(s[part]) || !is_lower_alnum(s[i - 1])) return false;
            part = i + 1;
        } else if (!is_lower_alnum(s[i]) && s[i] != '-') {
            return false;
        }
    }
    return true;
}

const char *labels_key_problem(const char *key, size_t n) {
    if (n == 0) return "it is empty";
    const char *slash = memchr(key, '/', n);
    const char *name = key;
    size_t name_len = n;
    if (slash) {
        size_t prefix_len = (size_t)(slash - key);
        name = slash + 1;
        name_len = n - prefix_len - 1;
        if (memchr(name, '/', name_len)) return "it has more than one '/'";
        if (prefix_len == 0) return "the prefix before '/' is empty";
        if (prefix_len > 253) return "the prefix is longer than 253 characters";
        if (!is_dns_subdomain(key, prefix_len))
            return "the prefix must be a DNS subdomain (lowercase letters, digits, '-' and '.')";
        if (name_len == 0) return "the name after '/' is empty";
    }
    if (name_len > 63) return "the name is longer than 63 characters";
    for (size_t i = 0; i < name_len; i++) {
        char c = name[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return "the name may hold only letters, digits, '-', '_' and '.'";
    }
    if (!is_alnum(name[0]) || !is_alnum(name[name_len - 1]))
        return "the name must start and end with a letter or digit";
    return NULL;
}

char *labels_config_parse(const json_value *config, labels_config *out) {
    static const char *const fields[] = {"labels", "kinds", "podTemplates", NULL};
    memset(out, 0, sizeof *out);
    buf b = {0};
    if (!config || config->type == JSON_NULL) {
        buf_puts(&b, "config is required: set `labels` to the label keys every resource must carry");
        return wl_message(&b);
    }
    if (config->type != JSON_OBJECT) {
        buf_printf(&b, "config must be a map with `labels`, not %s", wl_a_type(config->type));
        return wl_message(&b);
    }
    char *error = wl_config_known_fields(config, fields);
    if (error) return error;
    const json_value *labels = json_get(config, "labels");
    const json_value *kinds = json_get(config, "kinds");
    const json_value *pod_templates = json_get(config, "podTemplates");
    if (!labels || labels->type == JSON_NULL) {
        buf_puts(&b, "config: `labels` is required: the label keys every resource must carry");
        return wl_message(&b);
    }
    error = wl_config_string_list(labels, "labels", &out->labels, &out->label_count,
                                  labels_key_problem, false);
    /* `kinds: []` would check nothing, which is never what was meant. */
    if (!error && kinds && kinds->type != JSON_NULL)
        error = wl_config_string_list(kinds, "kinds", &out->kinds, &out->kind_count, NULL, false);
    if (!error && pod_templates && pod_templates->type != JSON_NULL) {
        if (pod_templates->type == JSON_BOOL) {
            out->pod_templates = pod_templates->boolean;
        } else {
            buf_printf(&b, "config: `podTemplates` must be true or false, not %s",
                       wl_a_type(pod_templates->type));
            error = wl_message(&b);
        }
    }
    if (error) labels_config_free(out);
    return error;
}

void labels_config_free(labels_config *c) {
    wl_strings_free(&c->labels, &c->label_count);
    wl_strings_free(&c->kinds, &c->kind_count);
    c->pod_templates = false;
}

/* --- the check ---------------------------------------------------------- */

/* Where a workload keeps its pod template. Matched on API group and kind, so a
 * custom resource that happens to be called `Deployment` is not mistaken for one. */
static const struct {
    const char *group;
    const char *kind;
    const char *path;
} workloads[] = {
    {"apps", "Deployment", "spec.template"},
    {"apps", "StatefulSet", "spec.template"},
    {"apps", "DaemonSet", "spec.template"},
    {"apps", "ReplicaSet", "spec.template"},
    {"extensions", "Deployment", "spec.template"},
    {"extensions", "DaemonSet", "spec.template"},
    {"extensions", "ReplicaSet", "spec.template"},
    {"batch", "Job", "spec.template"},
    {"batch", "CronJob", "spec.jobTemplate.spec.template"},
    {"", "ReplicationController", "spec.template"},
    {"", "PodTemplate", "template"},
};

/* The pod template path of `r`, or NULL if it is not a workload. */
static const char *pod_template_path(const wl_resource *r) {
    const char *slash = strchr(r->api_version, '/');
    size_t group_len = slash ? (size_t)(slash - r->api_version) : 0; /* `v1` is the core group */
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++) {
        if (strlen(workloads[i].group) == group_len &&
            memcmp(workloads[i].group, r->api_version, group_len) == 0 &&
            strcmp(workloads[i].kind, r->kind) == 0)
            return workloads[i].path;
    }
    return NULL;
}

/* Follows a dotted path of plain keys (`spec.template`); NULL where it ends. */
static const json_value *at_path(const json_value *v, const char *path) {
    char key[32];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_get(v, key);
        path += n + (path[n] == '.');
    }
    return v;
}

/* Whether `key` can follow a `.` in a field path; other keys are written `["key"]`. */
static bool is_plain_key(const char *key) {
    for (const char *c = key; *c; c++)
        if (!is_alnum(*c) && *c != '-' && *c != '_') return false;
    return *key != '\0';
}

/* One finding per configured label missing from `labels` (at `path` in `r`). */
static void require_labels(const labels_config *c, const wl_resource *r, long index,
                           const json_value *labels, const char *path, wl_findings *out) {
    for (size_t i = 0; i < c->label_count; i++) {
        const char *key = c->labels[i];
        if (json_get(labels, key)) continue;
        buf msg = {0}, field = {0};
        wl_resource_describe(&msg, r);
        buf_printf(&msg, ": %s lacks ", path);
        buf_json_string(&msg, key, strlen(key));
        buf_puts(&field, path);
        if (is_plain_key(key)) {
            buf_printf(&field, ".%s", key);
        } else {
            buf_puts(&field, "[");
            buf_json_string(&field, key, strlen(key));
            buf_puts(&field, "]");
        }
        wl_findings_add(out, WL_SEVERITY_ERROR, buf_take(&msg, NULL), buf_take(&field, NULL),
                        index);
    }
}

void labels_check(const labels_config *c, const wl_resource *r, long index, wl_findings *out) {
    if (c->kind_count && !wl_strings_contain(c->kinds, c->kind_count, r->kind, strlen(r->kind))) return;
    require_labels(c, r, index, at_path(r->object, "metadata.labels"), "metadata.labels", out);
    const char *template_path = c->pod_templates ? pod_template_path(r) : NULL;
    if (!template_path) return;
    buf path = {0};
    buf_printf(&path, "%s.metadata.labels", template_path);
    char *labels_path = buf_take(&path, NULL);
    if (!labels_path) {
        out->failed = true;
        return;
    }
    require_labels(c, r, index, at_path(r->object, labels_path), labels_path, out);
    free(labels_path);
}

char *labels_run(const json_value *config, const wl_resource *resources, size_t count,
                 wl_findings *findings, bool *allowed) {
    labels_config c;
    char *error = labels_config_parse(config, &c);
    if (error) return error;
    for (size_t i = 0; i < count; i++) labels_check(&c, &resources[i], (long)i, findings);
    labels_config_free(&c);
    *allowed = findings->len == 0 && !findings->failed;
    return NULL;
}
