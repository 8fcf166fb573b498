/* demand.c -- reading distributions and file paths out of the registry. */
#include "demand.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void demand_resolve_path(const params *p, char *out, size_t len, const char *path_param)
{
    const char *value = params_str(p, "%s", path_param);
    param_loc at = params_where(p, "%s", path_param);
    const char *slash = at.file && at.line > 0 ? strrchr(at.file, '/') : NULL;
    if (value[0] == '/' || !slash)
        snprintf(out, len, "%s", value);
    else
        snprintf(out, len, "%.*s/%s", (int) (slash - at.file), at.file, value);
}

int demand_read(dist *d, const params *p, ecs_err *e, const char *prefix_fmt, ...)
{
    char prefix[256], key[320], file[4096];
    va_list ap;
    va_start(ap, prefix_fmt);
    vsnprintf(prefix, sizeof prefix, prefix_fmt, ap);
    va_end(ap);

    dist_spec spec;
    memset(&spec, 0, sizeof spec);
    if (dist_family_parse(params_str(p, "%s.distribution", prefix), &spec.family) != 0)
        return err_set(e, ECS_EINTERNAL, "%s.distribution: unknown family", prefix);
    spec.mean = params_real(p, "%s.mean_s", prefix);
    spec.cv = params_real(p, "%s.cv", prefix);
    spec.alpha = params_real(p, "%s.alpha", prefix);
    spec.min = params_real(p, "%s.min_s", prefix);
    spec.max = params_real(p, "%s.max_s", prefix);
    snprintf(key, sizeof key, "%s.file", prefix);
    demand_resolve_path(p, file, sizeof file, key);
    spec.file = file;
    if (spec.family == DIST_EMPIRICAL && !file[0]) {
        param_loc at = params_where(p, "%s.distribution", prefix);
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "%s.file: an empirical distribution needs a file", prefix);
    }
    int rc = dist_make(d, &spec, e);
    if (rc != ECS_OK && e->msg[0] && strncmp(e->msg, file, strlen(file)) != 0) {
        /* name the parameter a bad combination came from (file errors name the file) */
        param_loc at = params_where(p, "%s.distribution", prefix);
        char inner[sizeof e->msg];
        snprintf(inner, sizeof inner, "%s", e->msg);
        err_clear(e);
        err_at(e, rc, at.file ? at.file : "scenario", at.line, at.column, "%s: %s", prefix, inner);
    }
    return rc;
}
