/* param_yaml.c -- one scenario's values written back as YAML (the
 * effective scenario, effective.yaml): every parameter in registry order,
 * named objects as maps, strings quoted only where YAML would read them
 * otherwise, reals in their shortest exact form, so that loading the file
 * gives the same values. */
#include "param_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

/* A string YAML reads back as itself when written plain: a safe first
 * character, no spaces or indicators, no ':' at the end (it would open a
 * mapping). The loader treats plain null words as "no value", so those are
 * quoted too. */
static bool plain_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || s[n - 1] == ':' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0) return false;
    bool lead = isalnum((unsigned char) s[0]) || s[0] == '_' || s[0] == '.' || s[0] == '/' ||
                ((s[0] == '-' || s[0] == '+') && (isdigit((unsigned char) s[1]) || s[1] == '.'));
    if (!lead) return false;
    for (const char *c = s; *c; c++)
        if (!isalnum((unsigned char) *c) && !strchr("_./+-:,", *c)) return false;
    return true;
}

static void write_string(FILE *out, const char *s)
{
    if (plain_ok(s)) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char) *c;
        if (u == '"' || u == '\\')
            fprintf(out, "\\%c", u);
        else if (u == '\n')
            fputs("\\n", out);
        else if (u == '\t')
            fputs("\\t", out);
        else if (u < 0x20 || u == 0x7f)
            fprintf(out, "\\x%02x", u);
        else
            fputc(u, out);
    }
    fputc('"', out);
}

/* The shortest text that reads back to the same double: whole numbers in
 * full (10, not 1e+01), others with the fewest "%.*g" digits. */
static void write_real(FILE *out, double r)
{
    char buf[40];
    if (r == floor(r) && fabs(r) < 1e15) {
        fprintf(out, "%.0f", r);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, r);
        if (strtod(buf, NULL) == r) break;
    }
    fputs(buf, out);
}

static void write_value(FILE *out, const pval *v)
{
    switch (v->def->type) {
    case PT_INT:
        if ((v->def->flags & PF_UNLIMITED) && v->v.i == -1)
            fputs("unlimited", out);
        else
            fprintf(out, "%lld", (long long) v->v.i);
        break;
    case PT_REAL:
        write_real(out, v->v.r);
        break;
    case PT_BOOL:
        fputs(v->v.b ? "true" : "false", out);
        break;
    case PT_STR:
    case PT_ENUM:
    case PT_REF:
        write_string(out, v->v.s);
        break;
    }
}

/* Writes values whose paths share their first `skip` characters as a nested
 * mapping; a group's first appearance places all of its members. */
static void write_tree(FILE *out, const pval **v, size_t n, size_t skip, int depth)
{
    bool *done = xcalloc(n, sizeof *done);
    const pval **sub = xcalloc(n, sizeof *sub);
    for (size_t i = 0; i < n; i++) {
        if (done[i]) continue;
        const char *rel = v[i]->path + skip;
        size_t l = strcspn(rel, ".");
        fprintf(out, "%*s%.*s:", 2 * depth, "", (int) l, rel);
        if (!rel[l]) {
            fputc(' ', out);
            write_value(out, v[i]);
            fputc('\n', out);
            done[i] = true;
            continue;
        }
        fputc('\n', out);
        size_t ns = 0;
        for (size_t j = i; j < n; j++) {
            const char *r = v[j]->path + skip;
            if (!done[j] && strncmp(r, rel, l) == 0 && r[l] == '.') {
                sub[ns++] = v[j];
                done[j] = true;
            }
        }
        write_tree(out, sub, ns, skip + l + 1, depth + 1);
    }
    free(sub);
    free(done);
}

static int by_order(const void *a, const void *b)
{
    const pval *x = *(const pval *const *) a, *y = *(const pval *const *) b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* Writes the values under `prefix` ("run." or "services.web."), if any,
 * under the heading `key` at `depth`. */
static void write_section(const params *p, FILE *out, const char *prefix, const char *key,
                          int depth)
{
    size_t pl = strlen(prefix), n = 0;
    const pval **v = xcalloc(p->nvals, sizeof *v);
    for (size_t i = 0; i < p->nvals; i++)
        if (strncmp(p->vals[i].path, prefix, pl) == 0) v[n++] = &p->vals[i];
    if (n) {
        qsort(v, n, sizeof *v, by_order);
        fprintf(out, "%*s%s:\n", 2 * depth, "", key);
        write_tree(out, v, n, pl, depth + 1);
    }
    free(v);
}

void params_write_yaml(const params *p, FILE *out, const char *header)
{
    for (const char *s = header; s && *s;) {
        size_t l = strcspn(s, "\n");
        if (l)
            fprintf(out, "# %.*s\n", (int) l, s);
        else
            fputs("#\n", out);
        s += l;
        if (*s) s++;
    }
    param_strv seen = {NULL, 0, 0};
    param_reg_it it = {0, 0};
    for (const param_def *d = param_reg_next(p->reg, &it); d; d = param_reg_next(p->reg, &it)) {
        char section[PARAM_PATH_MAX], prefix[2 * PARAM_PATH_MAX + 2];
        snprintf(section, sizeof section, "%.*s", (int) strcspn(d->path, "."), d->path);
        bool dup = false;
        for (size_t i = 0; i < seen.n && !dup; i++) dup = strcmp(seen.v[i], section) == 0;
        if (dup) continue;
        param_strv_push(&seen, xstrdup(section));
        if (!param_registry_is_collection(p->reg, section)) {
            snprintf(prefix, sizeof prefix, "%s.", section);
            write_section(p, out, prefix, section, 0);
            continue;
        }
        size_t nobj = params_count(p, section);
        if (nobj) fprintf(out, "%s:\n", section);
        for (size_t i = 0; i < nobj; i++) {
            const char *name = params_object(p, section, i);
            snprintf(prefix, sizeof prefix, "%s.%s.", section, name);
            size_t before = 0;
            for (size_t k = 0; k < p->nvals; k++)
                before += strncmp(p->vals[k].path, prefix, strlen(prefix)) == 0;
            if (before)
                write_section(p, out, prefix, name, 1);
            else
                fprintf(out, "  %s: {}\n", name);
        }
    }
    param_strv_free(&seen);
}
