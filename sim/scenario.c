/* scenario.c -- a scenario file, parsed by libfyaml into a document and
 * walked into params_add_object and params_set_text calls. Owns nothing past
 * a call: the parser, its diagnostics and the document live for one load.
 * YAML errors come from libfyaml's collected diagnostics (never printed);
 * errors about keys and values point at the key's or the value's line and
 * column. Aliases and "<<" merge keys are followed by the walk, never
 * expanded. Model knowledge stays out: the registry says which keys exist
 * and which of them name collections of objects. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

#define SCENARIO_PATH_MAX 256

typedef struct loader {
    params *p;
    const param_registry *reg;
    const char *file;
    const char *text; /* the whole source, for single_quoted */
    size_t len;
    ecs_err *e;
} loader;

static int __attribute__((format(printf, 3, 4)))
fail(const loader *L, param_loc at, const char *fmt, ...)
{
    char msg[sizeof L->e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_at(L->e, ECS_EINPUT, at.file, at.line, at.column, "%s", msg);
}

/* Where a node starts. libfyaml 0.7 marks tokens, not nodes, so a mapping
 * or sequence is placed at its first scalar; an empty one, or a value left
 * out ("key:" alone), falls back to `near` (its key). A quoted scalar's or
 * an alias's mark is just past its '"', '\'' or '*'; step back onto it. */
static param_loc node_loc(const loader *L, struct fy_node *n, param_loc near)
{
    if (!n) return near;
    if (fy_node_is_scalar(n)) {
        const struct fy_mark *m = fy_token_start_mark(fy_node_get_scalar_token(n));
        if (!m) return near;
        enum fy_node_style st = fy_node_get_style(n);
        bool back = (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED || st == FYNS_ALIAS) &&
                    m->column > 0;
        return (param_loc){L->file, m->line + 1, m->column + (back ? 0 : 1)};
    }
    void *it = NULL;
    if (fy_node_is_sequence(n)) return node_loc(L, fy_node_sequence_iterate(n, &it), near);
    struct fy_node_pair *pair = fy_node_mapping_iterate(n, &it);
    return pair ? node_loc(L, fy_node_pair_key(pair), near) : near;
}

/* Follows an alias ("*name") to its anchored node. Aliases are followed
 * here, one use at a time, instead of being expanded into the document by
 * libfyaml (FYPCF_RESOLVE_DOCUMENT): a "billion laughs" file of aliases to
 * aliases would expand to gigabytes before the walk saw a key. The walk
 * itself only goes where the registry has groups, so it stays small. */
static int resolve(const loader *L, struct fy_node **n, const char *path, param_loc near)
{
    if (!*n || !fy_node_is_alias(*n)) return ECS_OK;
    struct fy_node *r = fy_node_resolve_alias(*n);
    if (r) {
        *n = r;
        return ECS_OK;
    }
    size_t len;
    const char *name = fy_node_get_scalar(*n, &len);
    return fail(L, node_loc(L, *n, near), "%s%salias *%.*s refers to no anchor", path ? path : "",
                path ? ": " : "", (int) (name ? len : 0), name ? name : "");
}

/* The text of a single-quoted scalar, decoded from the source here: libfyaml
 * 0.7.12 leaks a 4 KiB buffer when it decodes one holding a run of ''
 * escapes, and gets some runs and line ends wrong (this agrees with PyYAML
 * on all of 15 000 generated cases; libfyaml missed 1 584). YAML's rules:
 * '' is one quote; a line break with the white space around it folds to a
 * space, or to one newline per empty line that follows it. `raw` is what
 * lies between the quotes. */
static char *single_quoted(const char *raw, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (raw[i] == '\'') {
            out[o++] = '\'';
            i += 2;
        } else if (raw[i] == ' ' || raw[i] == '\t') {
            size_t j = i;
            while (j < n && (raw[j] == ' ' || raw[j] == '\t')) j++;
            if (j == n || (raw[j] != '\n' && raw[j] != '\r')) {
                memcpy(out + o, raw + i, j - i);
                o += j - i;
            }
            i = j;
        } else if (raw[i] == '\n' || raw[i] == '\r') {
            size_t empty = 0;
            for (;;) {
                i += raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n' ? 2 : 1;
                while (i < n && (raw[i] == ' ' || raw[i] == '\t')) i++;
                if (i == n || (raw[i] != '\n' && raw[i] != '\r')) break;
                empty++;
            }
            if (!empty) out[o++] = ' ';
            for (; empty; empty--) out[o++] = '\n';
        } else {
            out[o++] = raw[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* A scalar's text, owned by the caller. */
static char *scalar_dup(const loader *L, struct fy_node *n)
{
    if (fy_node_get_style(n) == FYNS_SINGLE_QUOTED) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *a = t ? fy_token_start_mark(t) : NULL;
        const struct fy_mark *b = t ? fy_token_end_mark(t) : NULL;
        if (a && b && a->input_pos <= b->input_pos && b->input_pos <= L->len)
            return single_quoted(L->text + a->input_pos, b->input_pos - a->input_pos);
    }
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    char *out = xmalloc(len + 1);
    memcpy(out, s ? s : "", s ? len : 0);
    out[s ? len : 0] = '\0';
    return out;
}

/* Only a double-quoted "\0" or "\x00" can put a NUL in a scalar (the source
 * has none); a C string would silently end there. */
static bool has_nul(struct fy_node *n)
{
    if (fy_node_get_style(n) != FYNS_DOUBLE_QUOTED) return false;
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    return s && memchr(s, '\0', len);
}

static bool scalar_is(struct fy_node *n, const char *text)
{
    size_t len;
    const char *s = n && fy_node_is_scalar(n) && fy_node_get_style(n) == FYNS_PLAIN
                        ? fy_node_get_scalar(n, &len)
                        : NULL;
    return s && len == strlen(text) && memcmp(s, text, len) == 0;
}

/* A plain "~", "null" or nothing at all is YAML's null: no value given. */
static bool is_null(struct fy_node *n)
{
    if (!n) return true;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN) return false;
    return fy_node_get_scalar_length(n) == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
           scalar_is(n, "Null") || scalar_is(n, "NULL");
}

/* What a node is, for "got ..." in messages. */
static void what(const loader *L, struct fy_node *n, char *buf, size_t len)
{
    if (is_null(n)) {
        snprintf(buf, len, "%s", n && fy_node_get_scalar_length(n) ? "null" : "nothing");
    } else if (has_nul(n)) {
        snprintf(buf, len, "a string with a NUL character");
    } else if (fy_node_is_mapping(n)) {
        snprintf(buf, len, "a mapping");
    } else if (fy_node_is_sequence(n)) {
        snprintf(buf, len, "a sequence");
    } else {
        char *s = scalar_dup(L, n);
        param_quote(s, buf, len);
        free(s);
    }
}

/* Builds "prefix.key" into buf; keys come from the user, so a path that
 * would not fit is an error, not a truncation. */
static int join(const loader *L, char *buf, const char *prefix, const char *key, param_loc at)
{
    int n =
        snprintf(buf, SCENARIO_PATH_MAX, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", key);
    if (n >= 0 && n < SCENARIO_PATH_MAX) return ECS_OK;
    char quoted[128];
    param_quote(key, quoted, sizeof quoted);
    return fail(L, at, "%s: key too long for a parameter path", quoted);
}

/* The pairs of one mapping as the walk sees them, merge keys applied. */
typedef struct entry {
    char *key;             /* owned */
    param_loc at;          /* the key's place */
    struct fy_node *value; /* as written: may be an alias, or NULL */
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
    struct fy_node **seen; /* mappings already merged in, each taken once */
    size_t nseen;
} entries;

static void entries_free(entries *es)
{
    for (size_t i = 0; i < es->n; i++) free(es->v[i].key);
    free(es->v);
    free(es->seen);
}

static int collect(const loader *L, struct fy_node *map, const char *path, param_loc near,
                   entries *out);

static int merge_bad(const loader *L, struct fy_node *v, const char *path, param_loc at)
{
    char got[128];
    what(L, v, got, sizeof got);
    return fail(L, node_loc(L, v, at),
                "%s%s<<: expected a mapping or a list of them to merge, got %s", path ? path : "",
                path ? "." : "", got);
}

/* "<<: *base" or "<<: [*a, *b]": the merged mappings' keys, below the
 * explicit ones and earlier sources before later ones, as YAML says. */
static int merge(const loader *L, struct fy_node *v, const char *path, param_loc at, entries *out)
{
    int rc = resolve(L, &v, path, at);
    if (rc != ECS_OK) return rc;
    if (v && fy_node_is_mapping(v)) return collect(L, v, path, at, out);
    if (!v || !fy_node_is_sequence(v)) return merge_bad(L, v, path, at);
    void *it = NULL;
    for (struct fy_node *item; (item = fy_node_sequence_iterate(v, &it));) {
        param_loc item_at = node_loc(L, item, at);
        rc = resolve(L, &item, path, item_at);
        if (rc != ECS_OK) return rc;
        if (!fy_node_is_mapping(item)) return merge_bad(L, item, path, item_at);
        rc = collect(L, item, path, item_at, out);
        if (rc != ECS_OK) return rc;
    }
    return ECS_OK;
}

/* Appends the pairs of `map` to out, skipping keys it already has from a
 * mapping that takes precedence; a key written twice in one mapping is an
 * error. Duplicates are found here rather than by libfyaml, whose check
 * leaks when it compares single-quoted keys. Keys must be scalars. Each
 * mapping is taken once, so merges that repeat or loop cost nothing. */
static int collect(const loader *L, struct fy_node *map, const char *path, param_loc near,
                   entries *out)
{
    for (size_t i = 0; i < out->nseen; i++)
        if (out->seen[i] == map) return ECS_OK;
    out->seen = xrealloc(out->seen, (out->nseen + 1) * sizeof *out->seen);
    out->seen[out->nseen++] = map;
    size_t own = out->n; /* entries from here on are this mapping's own keys */
    for (int pass = 0; pass < 2; pass++) {
        void *it = NULL;
        for (struct fy_node_pair *pair; (pair = fy_node_mapping_iterate(map, &it));) {
            struct fy_node *k = fy_node_pair_key(pair), *v = fy_node_pair_value(pair);
            param_loc at = node_loc(L, k, node_loc(L, v, near));
            int rc = resolve(L, &k, path, at);
            if (rc != ECS_OK) return rc;
            bool is_merge = scalar_is(k, "<<");
            if (is_merge != (pass == 1)) continue;
            if (is_merge) {
                rc = merge(L, v, path, at, out);
                if (rc != ECS_OK) return rc;
                continue;
            }
            if (is_null(k) || !fy_node_is_scalar(k) || has_nul(k)) {
                char got[128];
                what(L, k, got, sizeof got);
                return fail(L, at, "expected a parameter name as the key, got %s", got);
            }
            char *key = scalar_dup(L, k);
            size_t i = 0;
            while (i < out->n && strcmp(out->v[i].key, key) != 0) i++;
            if (i < out->n && i >= own) {
                char quoted[128];
                param_quote(key, quoted, sizeof quoted);
                free(key);
                return fail(L, at, "duplicate key %s", quoted);
            }
            if (i < out->n) {
                free(key);
                continue;
            }
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 16;
                out->v = xrealloc(out->v, out->cap * sizeof *out->v);
            }
            out->v[out->n++] = (entry){key, at, v};
        }
    }
    return ECS_OK;
}

/* A value for a single parameter: a scalar, or a sequence of scalars that
 * is joined with ",". */
static int walk_leaf(const loader *L, const param_def *d, struct fy_node *n, const char *path,
                     param_loc key_at)
{
    char want[512], got[128];
    param_loc at = node_loc(L, n, key_at);
    if (is_null(n) || fy_node_is_mapping(n) || has_nul(n)) {
        param_describe(d, want, sizeof want);
        what(L, n, got, sizeof got);
        return fail(L, fy_node_is_mapping(n) ? key_at : at, "%s: expected %s, got %s", path, want,
                    got);
    }
    if (fy_node_is_scalar(n)) {
        char *text = scalar_dup(L, n);
        int rc = params_set_text(L->p, path, text, at, L->e);
        free(text);
        return rc;
    }
    size_t len = 0;
    char *text = xstrdup("");
    void *it = NULL;
    for (struct fy_node *item; (item = fy_node_sequence_iterate(n, &it));) {
        param_loc item_at = node_loc(L, item, at);
        int rc = resolve(L, &item, path, item_at);
        if (rc == ECS_OK && (is_null(item) || !fy_node_is_scalar(item) || has_nul(item))) {
            param_describe(d, want, sizeof want);
            what(L, item, got, sizeof got);
            rc = fail(L, item_at, "%s: expected %s, got %s in a sequence", path, want, got);
        }
        if (rc != ECS_OK) {
            free(text);
            return rc;
        }
        char *s = scalar_dup(L, item);
        size_t il = strlen(s);
        text = xrealloc(text, len + il + 2);
        if (len) text[len++] = ',';
        memcpy(text + len, s, il + 1);
        len += il;
        free(s);
    }
    int rc = params_set_text(L->p, path, text, at, L->e);
    free(text);
    return rc;
}

static int walk_map(const loader *L, struct fy_node *map, const char *prefix, param_loc near);

/* Any value under `path`: a parameter, a group of them, or an unknown key. */
static int walk_value(const loader *L, struct fy_node *n, const char *path, param_loc key_at)
{
    const param_def *d = param_registry_find(L->reg, path);
    if (!d && !param_registry_is_group(L->reg, path))
        return param_registry_unknown(L->reg, path, key_at, L->e);
    int rc = resolve(L, &n, path, node_loc(L, n, key_at));
    if (rc != ECS_OK) return rc;
    if (d) return walk_leaf(L, d, n, path, key_at);
    if (n && fy_node_is_mapping(n)) return walk_map(L, n, path, key_at);
    char got[128];
    what(L, n, got, sizeof got);
    return fail(L, node_loc(L, n, key_at), "%s: expected a mapping of parameters, got %s", path,
                got);
}

/* "services: {web: {...}, api: {...}}": declares each object in order, then
 * walks its parameters under "services.<name>". */
static int walk_collection(const loader *L, struct fy_node *n, const char *coll, param_loc key_at)
{
    char got[128], path[SCENARIO_PATH_MAX];
    int rc = resolve(L, &n, coll, node_loc(L, n, key_at));
    if (rc != ECS_OK) return rc;
    if (!n || !fy_node_is_mapping(n)) {
        what(L, n, got, sizeof got);
        return fail(L, node_loc(L, n, key_at),
                    "%s: expected a mapping from names to objects, got %s", coll, got);
    }
    entries es = {NULL, 0, 0, NULL, 0};
    rc = collect(L, n, coll, key_at, &es);
    for (size_t i = 0; i < es.n && rc == ECS_OK; i++) {
        const entry *en = &es.v[i];
        struct fy_node *v = en->value;
        rc = join(L, path, coll, en->key, en->at);
        if (rc == ECS_OK) rc = params_add_object(L->p, coll, en->key, en->at, L->e);
        if (rc == ECS_OK) rc = resolve(L, &v, path, node_loc(L, v, en->at));
        if (rc != ECS_OK) break;
        if (v && fy_node_is_mapping(v)) {
            rc = walk_map(L, v, path, en->at);
        } else {
            what(L, v, got, sizeof got);
            rc = fail(L, node_loc(L, v, en->at),
                      "%s: expected a mapping of parameters (or {} for all defaults), got %s", path,
                      got);
        }
    }
    entries_free(&es);
    return rc;
}

/* The pairs of a mapping at `prefix` (NULL at the root, where a key may
 * name a collection). */
static int walk_map(const loader *L, struct fy_node *map, const char *prefix, param_loc near)
{
    entries es = {NULL, 0, 0, NULL, 0};
    int rc = collect(L, map, prefix, near, &es);
    for (size_t i = 0; i < es.n && rc == ECS_OK; i++) {
        char path[SCENARIO_PATH_MAX];
        rc = join(L, path, prefix, es.v[i].key, es.v[i].at);
        if (rc != ECS_OK) break;
        if (!prefix && param_registry_is_collection(L->reg, path))
            rc = walk_collection(L, es.v[i].value, path, es.v[i].at);
        else
            rc = walk_value(L, es.v[i].value, path, es.v[i].at);
    }
    entries_free(&es);
    return rc;
}

/* libfyaml's diagnostics go to this instead of stderr; they are collected
 * on the diag object and read back as (line, column, message). */
static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void) diag;
    (void) user;
    (void) buf;
    (void) len;
}

/* The first collected YAML error as "<file>:<line>:<col>: <message>", one
 * line. Returns ECS_OK when libfyaml recorded none. */
static int yaml_error(const loader *L, struct fy_diag *diag)
{
    void *it = NULL;
    for (struct fy_diag_error *de; (de = fy_diag_errors_iterate(diag, &it));) {
        if (de->type < FYET_ERROR) continue;
        char msg[512];
        size_t n = 0;
        for (const char *s = de->msg ? de->msg : "syntax error"; *s && n + 1 < sizeof msg; s++)
            msg[n++] = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : *s;
        while (n && msg[n - 1] == ' ') n--;
        msg[n] = '\0';
        param_loc at = {L->file, de->line > 0 ? de->line : 0, de->column > 0 ? de->column : 0};
        return fail(L, at, "%s", msg);
    }
    return ECS_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m) return false;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char) s[n - m + i]) != suffix[i]) return false;
    return true;
}

static int load_document(const loader *L, struct fy_parser *fyp, struct fy_diag *diag)
{
    struct fy_document *doc = fy_parse_load_document(fyp);
    if (!doc) {
        int rc = yaml_error(L, diag);
        if (rc != ECS_OK) return rc;
        return fail(L, (param_loc){L->file, 0, 0},
                    "empty scenario; expected a mapping of parameters");
    }
    struct fy_node *root = fy_document_root(doc);
    param_loc at = node_loc(L, root, (param_loc){L->file, 0, 0});
    int rc;
    if (!root || !fy_node_is_mapping(root)) {
        char got[128];
        what(L, root, got, sizeof got);
        rc = fail(L, at, "expected a mapping of parameters at the top level, got %s", got);
    } else {
        rc = walk_map(L, root, NULL, at);
    }
    fy_parse_document_destroy(fyp, doc);
    if (rc != ECS_OK) return rc;
    struct fy_document *next = fy_parse_load_document(fyp);
    if (next) {
        at = node_loc(L, fy_document_root(next), (param_loc){L->file, 0, 0});
        fy_parse_document_destroy(fyp, next);
        return fail(L, at, "a second YAML document; a scenario is one document");
    }
    return yaml_error(L, diag);
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 if it is
 * not one: overlong forms, surrogates and code points past U+10FFFF are
 * refused, as are NUL bytes. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] == 0) return 0;
    if (s[0] < 0x80) return 1;
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (!len || len > n || s[0] > 0xf4 || s[0] == 0xc0 || s[0] == 0xc1) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (len == 3 && s[0] == 0xe0 && s[1] < 0xa0) return 0;
    if (len == 3 && s[0] == 0xed && s[1] >= 0xa0) return 0;
    if (len == 4 && s[0] == 0xf0 && s[1] < 0x90) return 0;
    if (len == 4 && s[0] == 0xf4 && s[1] >= 0x90) return 0;
    return len;
}

/* Refuses, before libfyaml sees them, inputs that 0.7.12 cannot survive:
 * bytes that are not UTF-8 (it loops forever on one in a "%" directive
 * line), and an explicit key ("? ") in a file with tabs (its parser cleanup
 * crashes on "? a:<tab>-" and the like). Tabs and '?' in comments do not
 * count; JSON has no explicit keys. */
static int check_text(const loader *L, const char *text, size_t len, bool json)
{
    int line = 1, column = 1;
    bool comment = false, tab = false;
    param_loc query = {NULL, 0, 0};
    for (size_t i = 0; i < len;) {
        const unsigned char *s = (const unsigned char *) text + i;
        size_t l = utf8_len(s, len - i);
        if (!l)
            return fail(L, (param_loc){L->file, line, column}, "not UTF-8 text (byte 0x%02x)",
                        s[0]);
        if (s[0] == '#' && (i == 0 || strchr(" \t\r\n", text[i - 1]))) comment = true;
        if (!comment && s[0] == '\t') tab = true;
        if (!comment && !query.file && s[0] == '?' && (i + 1 == len || strchr(" \t\r\n", s[1])))
            query = (param_loc){L->file, line, column};
        if (s[0] == '\n') {
            line++;
            column = 1;
            comment = false;
        } else {
            column++;
        }
        i += l;
    }
    if (!json && tab && query.file)
        return fail(L, query,
                    "an explicit key (\"? \") in a file with tab characters can crash libfyaml "
                    "0.7.12; use spaces instead of tabs");
    return ECS_OK;
}

int scenario_load_text(params *p, const char *name, const char *text, size_t len, ecs_err *e)
{
    loader L = {p, params_registry(p), name, text, len, e};
    bool json = ends_with(name, ".json");
    int rc = check_text(&L, text, len, json);
    if (rc != ECS_OK) return rc;
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_discard;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) return err_set(e, ECS_EINTERNAL, "%s: libfyaml: cannot create diagnostics", name);
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {0};
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_ALLOW_DUPLICATE_KEYS |
                (json ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE);
    cfg.diag = diag;
    struct fy_parser *fyp = fy_parser_create(&cfg);
    if (!fyp)
        rc = err_set(e, ECS_EINTERNAL, "%s: libfyaml: cannot create a parser", name);
    else if (fy_parser_set_string(fyp, text, len) != 0)
        rc = err_set(e, ECS_EINTERNAL, "%s: libfyaml: cannot read the text", name);
    else
        rc = load_document(&L, fyp, diag);
    if (fyp) fy_parser_destroy(fyp);
    fy_diag_destroy(diag);
    return rc;
}

int scenario_load(params *p, const char *file, ecs_err *e)
{
    FILE *f = fopen(file, "rb");
    if (!f) return err_at(e, ECS_EIO, file, 0, 0, "cannot read: %s", strerror(errno));
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);
    for (;;) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap) break;
        cap *= 2;
        buf = xrealloc(buf, cap);
    }
    int rc = ECS_OK;
    if (ferror(f)) rc = err_at(e, ECS_EIO, file, 0, 0, "cannot read: %s", strerror(errno));
    fclose(f);
    if (rc == ECS_OK) rc = scenario_load_text(p, file, buf, len, e);
    free(buf);
    return rc;
}

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n && isspace((unsigned char) s[n - 1])) n--;
    while (i < n && isspace((unsigned char) s[i])) i++;
    memmove(s, s + i, n - i);
    s[n - i] = '\0';
}

int scenario_set(params *p, const char *assignment, ecs_err *e)
{
    char quoted[128];
    const char *eq = strchr(assignment, '=');
    char *path = xstrdup(assignment);
    int rc;
    if (eq) path[eq - assignment] = '\0';
    trim(path);
    if (!eq || !path[0]) {
        param_quote(assignment, quoted, sizeof quoted);
        rc = err_at(e, ECS_EINPUT, "--set", 0, 0, "expected path=value, got %s", quoted);
    } else {
        char *value = xstrdup(eq + 1);
        trim(value);
        rc = params_set_text(p, path, value, (param_loc){"--set", 0, 0}, e);
        free(value);
    }
    free(path);
    return rc;
}
