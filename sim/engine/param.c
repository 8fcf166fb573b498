/* param.c -- the parameter registry's patterns and one scenario's values.
 * Owns the value store (concrete path -> typed value, where it was set, and
 * its def), the declared objects of each collection, and private copies of
 * the file names that locations point to. Every lookup happens at setup, a
 * few thousand at most, so values sit in an array sorted by path (binary
 * search) and the registry is scanned linearly; nothing here is on a hot
 * path. Its messages and `ecsim params` are written here, the YAML dump of
 * the values in param_yaml.c; the shared records are in param_int.h. */
#include "param_int.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strdist.h"
#include "xmalloc.h"

/* ---- walking the registry and matching patterns ---- */

void param_registry_each(const param_registry *r, void (*fn)(const param_def *d, void *ctx),
                         void *ctx)
{
    param_reg_it it = {0, 0};
    for (const param_def *d = param_reg_next(r, &it); d; d = param_reg_next(r, &it)) fn(d, ctx);
}

enum { MATCH_NONE, MATCH_FULL, MATCH_GROUP };

/* An object name: letters, digits, '_' and '-', not starting with '-' (it
 * becomes a path component and a CSV column prefix). */
static bool name_ok(const char *name, size_t len)
{
    if (!len || (!isalnum((unsigned char) name[0]) && name[0] != '_')) return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char) name[i]) && name[i] != '_' && name[i] != '-') return false;
    return true;
}

/* Matches a concrete path against a pattern component by component; "*"
 * matches any component that could be an object's name. MATCH_GROUP: the
 * path is a proper prefix. */
static int match(const char *pat, const char *path)
{
    for (;;) {
        size_t pl = strcspn(pat, "."), ql = strcspn(path, ".");
        bool star = pl == 1 && pat[0] == '*';
        if (star ? !name_ok(path, ql) : (pl != ql || memcmp(pat, path, pl) != 0)) return MATCH_NONE;
        pat += pl;
        path += ql;
        if (!*path) return *pat ? MATCH_GROUP : MATCH_FULL;
        if (!*pat) return MATCH_NONE;
        pat++;
        path++;
    }
}

static const param_def *find_def(const param_registry *r, const char *path, size_t *order)
{
    param_reg_it it = {0, 0};
    size_t i = 0;
    for (const param_def *d = param_reg_next(r, &it); d; d = param_reg_next(r, &it), i++) {
        if (match(d->path, path) == MATCH_FULL) {
            if (order) *order = i;
            return d;
        }
    }
    return NULL;
}

const param_def *param_registry_find(const param_registry *r, const char *path)
{
    return find_def(r, path, NULL);
}

/* The first def under a group, for the "is a group" message. */
static const param_def *find_group(const param_registry *r, const char *path)
{
    param_reg_it it = {0, 0};
    for (const param_def *d = param_reg_next(r, &it); d; d = param_reg_next(r, &it))
        if (match(d->path, path) == MATCH_GROUP) return d;
    return NULL;
}

bool param_registry_is_group(const param_registry *r, const char *path)
{
    return find_group(r, path) != NULL;
}

/* The collection a pattern belongs to: its first component when the second
 * is "*". Returns the component's length, 0 if none. */
static size_t pattern_collection(const char *pat)
{
    size_t l = strcspn(pat, ".");
    if (pat[l] == '.' && pat[l + 1] == '*' && (pat[l + 2] == '.' || !pat[l + 2])) return l;
    return 0;
}

bool param_registry_is_collection(const param_registry *r, const char *name)
{
    size_t nl = strlen(name);
    param_reg_it it = {0, 0};
    for (const param_def *d = param_reg_next(r, &it); d; d = param_reg_next(r, &it)) {
        size_t l = pattern_collection(d->path);
        if (l && l == nl && memcmp(d->path, name, l) == 0) return true;
    }
    return false;
}

/* True when the pattern has a "*" other than a collection's name; such
 * paths cannot be enumerated, so they get no defaults. */
static bool pattern_inner_star(const char *pat)
{
    const char *s = pattern_collection(pat) ? pat + strcspn(pat, ".") + 2 : pat;
    for (; *s; s++)
        if (*s == '*') return true;
    return false;
}

static size_t count_components(const char *s)
{
    size_t n = 1;
    for (; *s; s++) n += *s == '.';
    return n;
}

/* ---- did you mean ---- */

/* Every prefix of every def, with each "*" replaced by the path's component
 * at that place ("services.web.desired_count" for "services.web.x"), but
 * never the path itself (it is unknown because its name is malformed). */
static void candidates(const param_registry *r, const char *path, param_strv *out)
{
    const char *pc[32];
    size_t pl[32], np = 0;
    for (const char *s = path; np < 32;) {
        pc[np] = s;
        pl[np] = strcspn(s, ".");
        s += pl[np++];
        if (!*s++) break;
    }
    param_reg_it it = {0, 0};
    for (const param_def *d = param_reg_next(r, &it); d; d = param_reg_next(r, &it)) {
        char buf[PARAM_PATH_MAX];
        size_t len = 0, i = 0;
        for (const char *s = d->path; *s; i++) {
            size_t l = strcspn(s, ".");
            const char *c = s;
            if (l == 1 && *s == '*') {
                if (i >= np) break;
                c = pc[i];
                l = pl[i];
            }
            if (len + l + 2 > sizeof buf) break;
            if (len) buf[len++] = '.';
            memcpy(buf + len, c, l);
            len += l;
            buf[len] = '\0';
            if (strcmp(buf, path) != 0) param_strv_push(out, xstrdup(buf));
            s += strcspn(s, ".");
            if (*s) s++;
        }
    }
}

/* The closest known path or group to `path`, or NULL; siblings (same parent,
 * same depth) are tried first, by their last component. */
static char *suggest(const param_registry *r, const char *path)
{
    param_strv c = {NULL, 0, 0};
    candidates(r, path, &c);
    const char *dot = strrchr(path, '.');
    size_t parent = dot ? (size_t) (dot - path) : 0;
    const char *last = dot ? dot + 1 : path;
    size_t depth = count_components(path);
    const char **sib = xcalloc(c.n, sizeof *sib);
    size_t *sib_of = xcalloc(c.n, sizeof *sib_of);
    size_t ns = 0;
    for (size_t i = 0; i < c.n; i++) {
        const char *s = c.v[i];
        if (count_components(s) != depth || strncmp(s, path, parent) != 0) continue;
        if (parent && s[parent] != '.') continue;
        sib_of[ns] = i;
        sib[ns++] = parent ? s + parent + 1 : s;
    }
    const char *best = strdist_closest(last, sib, ns);
    char *out = NULL;
    for (size_t j = 0; best && j < ns; j++)
        if (sib[j] == best) out = xstrdup(c.v[sib_of[j]]);
    if (!out) {
        best = strdist_closest(path, (const char *const *) c.v, c.n);
        if (best) out = xstrdup(best);
    }
    free(sib);
    free(sib_of);
    param_strv_free(&c);
    return out;
}

/* ---- messages ---- */

/* Records an input error at `at` ("file:line:col: ", "--set: ", or
 * "defaults: " for a value that came from the registry). */
static int __attribute__((format(printf, 3, 4)))
err_loc(ecs_err *e, param_loc at, const char *fmt, ...)
{
    char msg[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_at(e, ECS_EINPUT, at.file ? at.file : "defaults", at.line, at.column, "%s", msg);
}

static void loc_text(param_loc at, char *buf, size_t len)
{
    if (!at.file)
        snprintf(buf, len, "the defaults");
    else if (at.line > 0)
        snprintf(buf, len, "%s:%d:%d", at.file, at.line, at.column);
    else
        snprintf(buf, len, "%s", at.file);
}

/* A YAML key or a --set path can hold anything; one with spaces, control
 * or non-ASCII bytes names no parameter and is quoted in messages, so that
 * each message stays one readable line. */
static bool path_printable(const char *s)
{
    for (; *s; s++)
        if (!isgraph((unsigned char) *s)) return false;
    return true;
}

int param_registry_unknown(const param_registry *r, const char *path, param_loc at, ecs_err *e)
{
    if (!path_printable(path)) {
        char quoted[PARAM_QUOTE_MAX + 16];
        param_quote(path, quoted, sizeof quoted);
        return err_loc(e, at, "%s: unknown parameter", quoted);
    }
    char *best = suggest(r, path);
    int rc = best ? err_loc(e, at, "%s: unknown parameter; did you mean %s?", path, best)
                  : err_loc(e, at, "%s: unknown parameter", path);
    free(best);
    return rc;
}

void param_quote(const char *text, char *buf, size_t len)
{
    size_t n = 0;
    assert(len >= 8);
    buf[n++] = '"';
    for (const char *s = text; *s; s++) {
        unsigned char c = (unsigned char) *s;
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else if (c == '\t')
            snprintf(esc, sizeof esc, "\\t");
        else if (c < 0x20 || c == 0x7f)
            snprintf(esc, sizeof esc, "\\x%02x", c);
        else
            snprintf(esc, sizeof esc, "%c", c);
        size_t el = strlen(esc);
        if (n + el + 5 > len || s - text >= PARAM_QUOTE_MAX) {
            memcpy(buf + n, "...", 3);
            n += 3;
            break;
        }
        memcpy(buf + n, esc, el);
        n += el;
    }
    buf[n++] = '"';
    buf[n] = '\0';
}

static bool has_range(const param_def *d)
{
    return (d->type == PT_INT || d->type == PT_REAL) && !(d->min == 0 && d->max == 0) &&
           !(isinf(d->min) && isinf(d->max));
}

/* "%.15g" shows integral bounds in full up to 1e15 and short decimals as
 * written (0.001, not 1e-03). */
static void range_text(const param_def *d, bool in_word, char *buf, size_t len)
{
    bool excl = d->flags & PF_MIN_EXCL;
    if (!has_range(d))
        buf[0] = '\0';
    else if (isinf(d->max))
        snprintf(buf, len, "%s %.15g", excl ? ">" : ">=", d->min);
    else if (isinf(d->min))
        snprintf(buf, len, "<= %.15g", d->max);
    else
        snprintf(buf, len, "%s%c%.15g, %.15g]", in_word ? "in " : "", excl ? '(' : '[', d->min,
                 d->max);
}

static void choices_text(const char *choices, char *buf, size_t len)
{
    size_t n = 0;
    for (const char *s = choices; *s && n + 3 < len; s++) {
        if (*s == '|') {
            buf[n++] = ',';
            buf[n++] = ' ';
        } else {
            buf[n++] = *s;
        }
    }
    buf[n] = '\0';
}

void param_describe(const param_def *d, char *buf, size_t len)
{
    char range[128], list[512];
    range_text(d, true, range, sizeof range);
    switch (d->type) {
    case PT_INT:
    case PT_REAL:
        snprintf(buf, len, "%s%s%s%s", d->type == PT_INT ? "an integer" : "a number",
                 range[0] ? " " : "", range, (d->flags & PF_UNLIMITED) ? " or unlimited" : "");
        break;
    case PT_BOOL:
        snprintf(buf, len, "true or false");
        break;
    case PT_STR:
        snprintf(buf, len, "a string");
        break;
    case PT_ENUM:
        choices_text(d->choices ? d->choices : "", list, sizeof list);
        snprintf(buf, len, "one of %s", list);
        break;
    case PT_REF:
        snprintf(buf, len, "the name of one of the %s", d->choices ? d->choices : "?");
        break;
    }
}

/* ---- parsing text into values ---- */

static bool parse_int(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    if (!isdigit((unsigned char) *s)) return false;
    uint64_t limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX, acc = 0;
    for (const char *c = s; *c; c++) {
        if (*c == '_' && c > s && isdigit((unsigned char) c[-1]) && isdigit((unsigned char) c[1]))
            continue;
        if (!isdigit((unsigned char) *c)) return false;
        unsigned dig = (unsigned) (*c - '0');
        if (acc > (limit - dig) / 10) return false;
        acc = acc * 10 + dig;
    }
    *out = neg ? (acc == limit ? INT64_MIN : -(int64_t) acc) : (int64_t) acc;
    return true;
}

/* Decimal and exponent notation only (strtod would also take hex, "inf" and
 * "nan"); '_' may separate digits as in integers. */
static bool parse_real(const char *s, double *out)
{
    char buf[128];
    size_t n = 0;
    for (const char *c = s; *c; c++) {
        if (*c == '_' && c > s && isdigit((unsigned char) c[-1]) && isdigit((unsigned char) c[1]))
            continue;
        if (!isdigit((unsigned char) *c) && !strchr(".eE+-", *c)) return false;
        if (n + 1 >= sizeof buf) return false;
        buf[n++] = *c;
    }
    buf[n] = '\0';
    if (!n) return false;
    char *end;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v)) return false;
    *out = v;
    return true;
}

static bool in_range(const param_def *d, double v)
{
    if (!has_range(d)) return true;
    if ((d->flags & PF_MIN_EXCL) ? !(v > d->min) : !(v >= d->min)) return false;
    return v <= d->max;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *out = strcasecmp(s, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

/* Checks an enum value; on a miss, names the closest choice in `near`. */
static bool enum_ok(const char *choices, const char *s, char *near, size_t nearlen)
{
    char *list = xstrdup(choices);
    const char *words[64];
    size_t n = 0;
    bool ok = false;
    for (char *w = list; n < 64;) {
        words[n++] = w;
        char *bar = strchr(w, '|');
        if (!bar) break;
        *bar = '\0';
        w = bar + 1;
    }
    for (size_t i = 0; i < n; i++) ok |= strcmp(words[i], s) == 0;
    const char *best = ok ? NULL : strdist_closest(s, words, n);
    snprintf(near, nearlen, "%s", best ? best : "");
    free(list);
    return ok;
}

/* Parses `text` as def d wants it. On failure writes the message tail
 * (what was expected and what came) into `why` and returns -1. */
static int parse_value(const param_def *d, const char *text, pvalue *v, char *why, size_t whylen)
{
    char want[512], got[PARAM_QUOTE_MAX + 16], near[128] = "";
    want[0] = '\0';
    switch (d->type) {
    case PT_INT:
        if ((d->flags & PF_UNLIMITED) && strcmp(text, "unlimited") == 0) {
            v->i = -1;
            return 0;
        }
        if (parse_int(text, &v->i) && in_range(d, (double) v->i)) return 0;
        break;
    case PT_REAL:
        if (parse_real(text, &v->r) && in_range(d, v->r)) return 0;
        break;
    case PT_BOOL:
        if (parse_bool(text, &v->b)) return 0;
        break;
    case PT_ENUM:
        if (enum_ok(d->choices ? d->choices : "", text, near, sizeof near)) {
            v->s = xstrdup(text);
            return 0;
        }
        break;
    case PT_STR:
        if (!d->check || d->check(text, want, sizeof want) == 0) {
            v->s = xstrdup(text);
            return 0;
        }
        break;
    case PT_REF:
        v->s = xstrdup(text);
        return 0;
    }
    if (!want[0]) param_describe(d, want, sizeof want);
    param_quote(text, got, sizeof got);
    if (near[0])
        snprintf(why, whylen, "expected %s, got %s; did you mean %s?", want, got, near);
    else
        snprintf(why, whylen, "expected %s, got %s", want, got);
    return -1;
}

static bool is_text_type(param_type t)
{
    return t == PT_STR || t == PT_ENUM || t == PT_REF;
}

/* ---- the value store ---- */

params *params_new(const param_registry *r)
{
    params *p = xcalloc(1, sizeof *p);
    p->reg = r;
    return p;
}

void params_free(params *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nvals; i++) {
        if (is_text_type(p->vals[i].def->type)) free(p->vals[i].v.s);
        free(p->vals[i].path);
    }
    for (size_t i = 0; i < p->nobjs; i++) {
        free(p->objs[i].collection);
        free(p->objs[i].name);
    }
    for (size_t i = 0; i < p->nfiles; i++) free(p->files[i]);
    free(p->vals);
    free(p->objs);
    free(p->files);
    free(p);
}

const param_registry *params_registry(const params *p)
{
    return p->reg;
}

/* Keeps one copy of each file name, so a location stays valid as long as
 * the params do, whatever the caller does with its string. */
static const char *intern(params *p, const char *file)
{
    if (!file) return NULL;
    for (size_t i = 0; i < p->nfiles; i++)
        if (strcmp(p->files[i], file) == 0) return p->files[i];
    p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof *p->files);
    return p->files[p->nfiles++] = xstrdup(file);
}

/* Binary search: the index of `path`, or where it would be inserted. */
static size_t val_index(const params *p, const char *path, bool *found)
{
    size_t lo = 0, hi = p->nvals;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->vals[mid].path, path);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static pval *val_find(const params *p, const char *path)
{
    bool found;
    size_t i = val_index(p, path, &found);
    return found ? &p->vals[i] : NULL;
}

/* Stores a parsed value, replacing any earlier one; takes ownership of v. */
static void val_put(params *p, const char *path, const param_def *d, size_t order, param_loc at,
                    pvalue v)
{
    bool found;
    size_t i = val_index(p, path, &found);
    if (found) {
        if (is_text_type(d->type)) free(p->vals[i].v.s);
    } else {
        if (p->nvals == p->capvals) {
            p->capvals = p->capvals ? 2 * p->capvals : 64;
            p->vals = xrealloc(p->vals, p->capvals * sizeof *p->vals);
        }
        memmove(&p->vals[i + 1], &p->vals[i], (p->nvals - i) * sizeof *p->vals);
        p->nvals++;
        p->vals[i].path = xstrdup(path);
        p->vals[i].seq = p->nseq++;
    }
    p->vals[i].def = d;
    p->vals[i].order = order;
    p->vals[i].at = at;
    p->vals[i].v = v;
}

static const pobj *obj_find(const params *p, const char *collection, size_t clen, const char *name,
                            size_t nlen)
{
    for (size_t i = 0; i < p->nobjs; i++) {
        const pobj *o = &p->objs[i];
        if (strlen(o->collection) == clen && memcmp(o->collection, collection, clen) == 0 &&
            strlen(o->name) == nlen && memcmp(o->name, name, nlen) == 0)
            return o;
    }
    return NULL;
}

/* "have: a, b" or "none are declared", for messages about a collection. */
static void have_text(const params *p, const char *collection, size_t clen, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->nobjs && n + 1 < len; i++) {
        const pobj *o = &p->objs[i];
        if (strlen(o->collection) != clen || memcmp(o->collection, collection, clen) != 0) continue;
        int w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "have: ", o->name);
        if (w < 0 || (size_t) w >= len - n) break;
        n += (size_t) w;
    }
    if (!buf[0]) snprintf(buf, len, "none are declared");
}

int params_add_object(params *p, const char *collection, const char *name, param_loc at, ecs_err *e)
{
    assert(!p->finished);
    at.file = intern(p, at.file);
    if (!param_registry_is_collection(p->reg, collection)) {
        if (param_registry_is_group(p->reg, collection) || param_registry_find(p->reg, collection))
            return err_loc(e, at, "%s: not a collection of named objects", collection);
        return param_registry_unknown(p->reg, collection, at, e);
    }
    char quoted[PARAM_QUOTE_MAX + 16];
    param_quote(name, quoted, sizeof quoted);
    if (!name_ok(name, strlen(name)) || strlen(collection) + strlen(name) + 2 > PARAM_PATH_MAX / 2)
        return err_loc(e, at,
                       "%s: bad name %s; a name uses letters, digits, '_' and '-' and starts "
                       "with a letter, digit or '_'",
                       collection, quoted);
    const pobj *old = obj_find(p, collection, strlen(collection), name, strlen(name));
    if (old) {
        char first[512];
        loc_text(old->at, first, sizeof first);
        return err_loc(e, at, "%s.%s: declared twice (first at %s)", collection, name, first);
    }
    if (p->nobjs == p->capobjs) {
        p->capobjs = p->capobjs ? 2 * p->capobjs : 16;
        p->objs = xrealloc(p->objs, p->capobjs * sizeof *p->objs);
    }
    p->objs[p->nobjs++] = (pobj){xstrdup(collection), xstrdup(name), at};
    return ECS_OK;
}

static bool same_file(param_loc a, param_loc b)
{
    return a.file && b.file && a.line > 0 && b.line > 0 && strcmp(a.file, b.file) == 0;
}

int params_set_text(params *p, const char *path, const char *text, param_loc at, ecs_err *e)
{
    assert(!p->finished);
    at.file = intern(p, at.file);
    if (!path_printable(path)) return param_registry_unknown(p->reg, path, at, e);
    size_t order = 0;
    const param_def *d = strlen(path) < PARAM_PATH_MAX ? find_def(p->reg, path, &order) : NULL;
    if (!d) {
        const param_def *g = find_group(p->reg, path);
        if (g)
            return err_loc(e, at, "%s: a group of parameters (such as %s), not a value", path,
                           g->path);
        return param_registry_unknown(p->reg, path, at, e);
    }
    size_t clen = pattern_collection(d->path);
    if (clen) {
        const char *name = path + clen + 1;
        size_t nlen = strcspn(name, ".");
        if (!obj_find(p, path, clen, name, nlen)) {
            char have[512];
            have_text(p, path, clen, have, sizeof have);
            return err_loc(e, at, "%s: no %.*s named \"%.*s\"; %s", path, (int) clen, path,
                           (int) nlen, name, have);
        }
    }
    const pval *old = val_find(p, path);
    if (old && same_file(old->at, at)) {
        char first[512];
        loc_text(old->at, first, sizeof first);
        return err_loc(e, at, "%s: set twice (first at %s)", path, first);
    }
    pvalue v;
    char why[768];
    if (parse_value(d, text, &v, why, sizeof why)) return err_loc(e, at, "%s: %s", path, why);
    val_put(p, path, d, order, at, v);
    return ECS_OK;
}

/* ---- finishing: defaults, required values, references ---- */

/* Where to blame a missing value when nothing was set: the object's
 * declaration, else the first scenario file. */
static param_loc blame(const params *p, const pobj *o)
{
    if (o) return o->at;
    for (size_t i = 0; i < p->nfiles; i++)
        if (strcmp(p->files[i], "--set") != 0) return (param_loc){p->files[i], 0, 0};
    return (param_loc){"scenario", 0, 0};
}

static int check_ref(const params *p, const pval *v, const pobj *o, ecs_err *e)
{
    const char *coll = v->def->choices ? v->def->choices : "";
    if (obj_find(p, coll, strlen(coll), v->v.s, strlen(v->v.s))) return ECS_OK;
    char have[512], quoted[PARAM_QUOTE_MAX + 16];
    have_text(p, coll, strlen(coll), have, sizeof have);
    param_quote(v->v.s, quoted, sizeof quoted);
    return err_loc(e, v->at.file ? v->at : blame(p, o), "%s: no %s named %s; %s", v->path, coll,
                   quoted, have);
}

/* Gives one concrete path its default unless it is set; checks a ref. */
static int fill(params *p, const param_def *d, size_t order, const char *path, const pobj *o,
                ecs_err *e)
{
    const pval *v = val_find(p, path);
    if (!v) {
        if ((d->flags & PF_REQUIRED) || !d->def)
            return err_loc(e, blame(p, o), "%s: required but not set", path);
        pvalue pv;
        char why[768];
        if (parse_value(d, d->def, &pv, why, sizeof why))
            return err_set(e, ECS_EINTERNAL, "registry: %s: bad default: %s", d->path, why);
        val_put(p, path, d, order, (param_loc){NULL, 0, 0}, pv);
        v = val_find(p, path);
    }
    return d->type == PT_REF ? check_ref(p, v, o, e) : ECS_OK;
}

/* ---- objects inside objects ---- */

/* A pattern with a "*" past its collection's name ("services.*.autoscaling.
 * policies.*.target_value") describes objects that are never declared: such
 * an inner object exists when some value is set under it. params_finish
 * records each one (as a pobj whose collection is the concrete group,
 * "services.web.autoscaling.policies"), in the order its first value was
 * set, before it fills the defaults of its other fields. */

/* The length of the first n components of s, or 0 when s has fewer. */
static size_t comp_prefix(const char *s, size_t n)
{
    size_t len = 0;
    for (size_t k = 0; k < n; k++) {
        if (k) {
            if (s[len] != '.') return 0;
            len++;
        }
        size_t l = strcspn(s + len, ".");
        if (!l) return 0;
        len += l;
    }
    return len;
}

static int by_seq(const void *a, const void *b)
{
    const pval *x = *(const pval *const *) a, *y = *(const pval *const *) b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void derive_inner(params *p)
{
    const pval **v = xcalloc(p->nvals ? p->nvals : 1, sizeof *v);
    for (size_t i = 0; i < p->nvals; i++) v[i] = &p->vals[i];
    qsort(v, p->nvals, sizeof *v, by_seq);
    for (size_t i = 0; i < p->nvals; i++) {
        const char *path = v[i]->path;
        param_reg_it it = {0, 0};
        for (const param_def *d = param_reg_next(p->reg, &it); d; d = param_reg_next(p->reg, &it)) {
            if (!pattern_inner_star(d->path)) continue;
            size_t ncomp = count_components(d->path);
            for (size_t j = pattern_collection(d->path) ? 2 : 0; j + 1 < ncomp; j++) {
                size_t pl = comp_prefix(d->path, j + 1), ql = comp_prefix(path, j + 1);
                if (!pl || !ql || pl >= PARAM_PATH_MAX || ql >= PARAM_PATH_MAX) break;
                char pat[PARAM_PATH_MAX], pre[PARAM_PATH_MAX];
                memcpy(pat, d->path, pl);
                pat[pl] = '\0';
                memcpy(pre, path, ql);
                pre[ql] = '\0';
                if (match(pat, pre) != MATCH_FULL) break;
                if (!(pl >= 1 && pat[pl - 1] == '*' && (pl == 1 || pat[pl - 2] == '.'))) continue;
                size_t gl = comp_prefix(path, j);
                const char *name = path + gl + 1;
                size_t nl = ql - gl - 1;
                if (obj_find(p, path, gl, name, nl)) continue;
                if (p->nobjs == p->capobjs) {
                    p->capobjs = p->capobjs ? 2 * p->capobjs : 16;
                    p->objs = xrealloc(p->objs, p->capobjs * sizeof *p->objs);
                }
                char *group = xmalloc(gl + 1), *nm = xmalloc(nl + 1);
                memcpy(group, path, gl);
                group[gl] = '\0';
                memcpy(nm, name, nl);
                nm[nl] = '\0';
                p->objs[p->nobjs++] = (pobj){group, nm, v[i]->at};
            }
        }
    }
    free(v);
}

/* Fills an inner-star def for every inner object its pattern names. */
static int fill_inner(params *p, const param_def *d, size_t order, ecs_err *e)
{
    size_t ncomp = count_components(d->path), last = 0;
    for (size_t j = 0; j < ncomp; j++) {
        size_t a = j ? comp_prefix(d->path, j) + 1 : 0;
        if (d->path[a] == '*' && (d->path[a + 1] == '.' || !d->path[a + 1])) last = j;
    }
    size_t pl = comp_prefix(d->path, last + 1);
    char pat[PARAM_PATH_MAX];
    if (pl >= sizeof pat) return ECS_OK;
    memcpy(pat, d->path, pl);
    pat[pl] = '\0';
    for (size_t i = 0; i < p->nobjs; i++) {
        const pobj *o = &p->objs[i];
        if (!strchr(o->collection, '.')) continue; /* a declared object */
        char full[PARAM_PATH_MAX], path[2 * PARAM_PATH_MAX];
        int n = snprintf(full, sizeof full, "%s.%s", o->collection, o->name);
        if (n < 0 || (size_t) n >= sizeof full || match(pat, full) != MATCH_FULL) continue;
        snprintf(path, sizeof path, "%s%s", full, d->path + pl);
        if (strlen(path) >= PARAM_PATH_MAX) continue;
        int rc = fill(p, d, order, path, o, e);
        if (rc != ECS_OK) return rc;
    }
    return ECS_OK;
}

size_t params_inner_count(const params *p, const char *group)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nobjs; i++) n += strcmp(p->objs[i].collection, group) == 0;
    return n;
}

const char *params_inner_name(const params *p, const char *group, size_t i)
{
    for (size_t k = 0; k < p->nobjs; k++)
        if (strcmp(p->objs[k].collection, group) == 0 && i-- == 0) return p->objs[k].name;
    fprintf(stderr, "ecsim: internal error: params_inner_name(%s) index out of range\n", group);
    abort();
}

bool params_is_set(const params *p, const char *fmt, ...)
{
    char path[PARAM_PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof path) return false;
    const pval *v = val_find(p, path);
    return v && v->at.file;
}

int params_finish(params *p, ecs_err *e)
{
    assert(!p->finished);
    p->finished = true;
    param_reg_it it = {0, 0};
    size_t order = 0;
    derive_inner(p);
    for (const param_def *d = param_reg_next(p->reg, &it); d;
         d = param_reg_next(p->reg, &it), order++) {
        int rc = ECS_OK;
        size_t clen = pattern_collection(d->path);
        if (pattern_inner_star(d->path)) {
            rc = fill_inner(p, d, order, e);
        } else if (clen) {
            for (size_t i = 0; i < p->nobjs && rc == ECS_OK; i++) {
                const pobj *o = &p->objs[i];
                if (strlen(o->collection) != clen || memcmp(o->collection, d->path, clen) != 0)
                    continue;
                char path[PARAM_PATH_MAX];
                snprintf(path, sizeof path, "%s.%s%s", o->collection, o->name, d->path + clen + 2);
                rc = fill(p, d, order, path, o, e);
            }
        } else {
            rc = fill(p, d, order, d->path, NULL, e);
        }
        if (rc != ECS_OK) return rc;
    }
    return ECS_OK;
}

/* ---- reading ---- */

typedef enum { WANT_INT, WANT_REAL, WANT_BOOL, WANT_TEXT, WANT_ANY } want;

static const char *const want_name[] = {"an integer", "a number", "a boolean", "text", "any"};

static bool type_is(param_type t, want w)
{
    switch (w) {
    case WANT_INT:
        return t == PT_INT;
    case WANT_REAL:
        return t == PT_REAL;
    case WANT_BOOL:
        return t == PT_BOOL;
    case WANT_TEXT:
        return is_text_type(t);
    case WANT_ANY:
        break;
    }
    return true;
}

/* Reading a path that does not exist, or as the wrong type, is a bug in a
 * model: say which path and stop. */
static const pval *__attribute__((format(printf, 3, 0)))
vget(const params *p, want w, const char *fmt, va_list ap)
{
    char path[PARAM_PATH_MAX];
    int n = vsnprintf(path, sizeof path, fmt, ap);
    assert(n >= 0 && (size_t) n < sizeof path);
    assert(p->finished);
    const pval *v = val_find(p, path);
    if (!v) {
        fprintf(stderr, "ecsim: internal error: no parameter %s\n", path);
        abort();
    }
    if (!type_is(v->def->type, w)) {
        fprintf(stderr, "ecsim: internal error: parameter %s read as %s\n", path, want_name[w]);
        abort();
    }
    return v;
}

int64_t params_int(const params *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const pval *v = vget(p, WANT_INT, fmt, ap);
    va_end(ap);
    return v->v.i;
}

double params_real(const params *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const pval *v = vget(p, WANT_REAL, fmt, ap);
    va_end(ap);
    return v->v.r;
}

bool params_bool(const params *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const pval *v = vget(p, WANT_BOOL, fmt, ap);
    va_end(ap);
    return v->v.b;
}

const char *params_str(const params *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const pval *v = vget(p, WANT_TEXT, fmt, ap);
    va_end(ap);
    return v->v.s;
}

param_loc params_where(const params *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const pval *v = vget(p, WANT_ANY, fmt, ap);
    va_end(ap);
    return v->at;
}

size_t params_count(const params *p, const char *collection)
{
    assert(param_registry_is_collection(p->reg, collection));
    size_t n = 0;
    for (size_t i = 0; i < p->nobjs; i++) n += strcmp(p->objs[i].collection, collection) == 0;
    return n;
}

const char *params_object(const params *p, const char *collection, size_t i)
{
    for (size_t k = 0; k < p->nobjs; k++)
        if (strcmp(p->objs[k].collection, collection) == 0 && i-- == 0) return p->objs[k].name;
    fprintf(stderr, "ecsim: internal error: params_object(%s) index out of range\n", collection);
    abort();
}

/* ---- the registry's own documentation and checks ---- */

void param_registry_write_doc(const param_registry *r, FILE *out)
{
    param_reg_it it = {0, 0};
    for (const param_def *d = param_reg_next(r, &it); d; d = param_reg_next(r, &it)) {
        char type[512], range[128];
        const char *unit = d->unit && d->unit[0] ? d->unit : NULL;
        switch (d->type) {
        case PT_INT:
        case PT_REAL:
            snprintf(type, sizeof type, "%s%s%s", d->type == PT_INT ? "integer" : "number",
                     unit ? ", " : "", unit ? unit : "");
            break;
        case PT_BOOL:
            snprintf(type, sizeof type, "boolean");
            break;
        case PT_STR:
            snprintf(type, sizeof type, "string");
            break;
        case PT_ENUM:
            param_describe(d, type, sizeof type);
            break;
        case PT_REF:
            snprintf(type, sizeof type, "name of one of the %s", d->choices ? d->choices : "?");
            break;
        }
        fprintf(out, "%s  (%s)  ", d->path, type);
        if ((d->flags & PF_REQUIRED) || !d->def)
            fputs("required", out);
        else if (d->type == PT_STR)
            fprintf(out, "default \"%s\"", d->def);
        else
            fprintf(out, "default %s", d->def);
        range_text(d, false, range, sizeof range);
        if (range[0])
            fprintf(out, "  range %s%s", range, (d->flags & PF_UNLIMITED) ? " or unlimited" : "");
        fputc('\n', out);
        if (d->doc && d->doc[0]) fprintf(out, "    %s\n", d->doc);
        fputc('\n', out);
    }
}

static bool path_well_formed(const char *path)
{
    for (const char *s = path;;) {
        size_t l = strcspn(s, ".");
        if (l == 0) return false;
        for (size_t i = 0; i < l; i++)
            if (!(isalnum((unsigned char) s[i]) || s[i] == '_' || (l == 1 && s[i] == '*')))
                return false;
        s += l;
        if (!*s) return true;
        s++;
    }
}

/* Two patterns can name the same concrete path when they agree component
 * by component, a "*" agreeing with anything. MATCH_GROUP: a is a prefix. */
static int overlap(const char *a, const char *b)
{
    for (;;) {
        size_t al = strcspn(a, "."), bl = strcspn(b, ".");
        bool star = (al == 1 && *a == '*') || (bl == 1 && *b == '*');
        if (!star && (al != bl || memcmp(a, b, al) != 0)) return MATCH_NONE;
        a += al;
        b += bl;
        if (!*a) return *b ? MATCH_GROUP : MATCH_FULL;
        if (!*b) return MATCH_NONE;
        a++;
        b++;
    }
}

static int check_def(const param_registry *r, const param_def *d, ecs_err *e)
{
    if (strlen(d->path) >= PARAM_PATH_MAX / 2 || !path_well_formed(d->path))
        return err_set(e, ECS_EINTERNAL, "registry: %s: malformed path", d->path);
    size_t l = strcspn(d->path, ".");
    char first[PARAM_PATH_MAX];
    snprintf(first, sizeof first, "%.*s", (int) l, d->path);
    if (param_registry_is_collection(r, first) && !pattern_collection(d->path))
        return err_set(e, ECS_EINTERNAL, "registry: %s: %s is a collection; want %s.*...", d->path,
                       first, first);
    param_reg_it it = {0, 0};
    for (const param_def *o = param_reg_next(r, &it); o; o = param_reg_next(r, &it)) {
        if (o == d) continue;
        int m = overlap(d->path, o->path);
        if (m == MATCH_FULL)
            return err_set(e, ECS_EINTERNAL, "registry: %s: declared twice", d->path);
        if (m == MATCH_GROUP)
            return err_set(e, ECS_EINTERNAL, "registry: %s: both a value and a group (%s)", d->path,
                           o->path);
    }
    if ((d->flags & PF_UNLIMITED) && d->type != PT_INT)
        return err_set(e, ECS_EINTERNAL, "registry: %s: unlimited on a non-integer", d->path);
    if ((d->flags & PF_MIN_EXCL) && d->type != PT_INT && d->type != PT_REAL)
        return err_set(e, ECS_EINTERNAL, "registry: %s: exclusive min on a non-number", d->path);
    if (d->type == PT_ENUM && (!d->choices || !d->choices[0]))
        return err_set(e, ECS_EINTERNAL, "registry: %s: an enum without choices", d->path);
    if (d->type == PT_REF && (!d->choices || !param_registry_is_collection(r, d->choices)))
        return err_set(e, ECS_EINTERNAL, "registry: %s: refers to no collection", d->path);
    if (!d->doc || !d->doc[0])
        return err_set(e, ECS_EINTERNAL, "registry: %s: no doc line", d->path);
    if (d->flags & PF_REQUIRED) {
        if (d->def)
            return err_set(e, ECS_EINTERNAL, "registry: %s: required with a default", d->path);
        return ECS_OK;
    }
    if (!d->def) return err_set(e, ECS_EINTERNAL, "registry: %s: no default", d->path);
    pvalue v;
    char why[768];
    if (parse_value(d, d->def, &v, why, sizeof why))
        return err_set(e, ECS_EINTERNAL, "registry: %s: bad default: %s", d->path, why);
    if (is_text_type(d->type)) free(v.s);
    return ECS_OK;
}

int param_registry_check(const param_registry *r, ecs_err *e)
{
    param_reg_it it = {0, 0};
    for (const param_def *d = param_reg_next(r, &it); d; d = param_reg_next(r, &it)) {
        int rc = check_def(r, d, e);
        if (rc != ECS_OK) return rc;
    }
    return ECS_OK;
}
