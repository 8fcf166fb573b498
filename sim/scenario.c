/* scenario.c -- a scenario file, parsed by libfyaml into a document, walked
 * into params_add_object and params_set_text calls. Owns nothing past a
 * call: the document, the parser and its diagnostics live for one load.
 * YAML errors come from libfyaml's collected diagnostics (never printed);
 * errors about keys and values point at the key's or the value's line and
 * column. Model knowledge stays out: the registry says which keys exist. */
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
 * out ("key:" alone), falls back to `near` (its key). */
static param_loc node_loc(const loader *L, struct fy_node *n, param_loc near)
{
    if (!n) return near;
    if (fy_node_is_scalar(n)) {
        const struct fy_mark *m = fy_token_start_mark(fy_node_get_scalar_token(n));
        if (!m) return near;
        return (param_loc){L->file, m->line + 1, m->column + 1};
    }
    void *it = NULL;
    if (fy_node_is_sequence(n)) return node_loc(L, fy_node_sequence_iterate(n, &it), near);
    struct fy_node_pair *pair = fy_node_mapping_iterate(n, &it);
    return pair ? node_loc(L, fy_node_pair_key(pair), near) : near;
}

static char *scalar_dup(struct fy_node *n)
{
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    char *out = xmalloc(len + 1);
    memcpy(out, s ? s : "", s ? len : 0);
    out[s ? len : 0] = '\0';
    return out;
}

/* A plain "~", "null" or nothing at all is YAML's null: no value given. */
static bool is_null(struct fy_node *n)
{
    if (!n) return true;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN) return false;
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    if (!s || len == 0) return true;
    return (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* What a node is, for "got ..." in messages. */
static void what(struct fy_node *n, char *buf, size_t len)
{
    if (is_null(n)) {
        snprintf(buf, len, "%s", n && fy_node_get_scalar_length(n) ? "null" : "nothing");
    } else if (fy_node_is_mapping(n)) {
        snprintf(buf, len, "a mapping");
    } else if (fy_node_is_sequence(n)) {
        snprintf(buf, len, "a sequence");
    } else {
        char *s = scalar_dup(n);
        param_quote(s, buf, len);
        free(s);
    }
}

static int walk_map(const loader *L, struct fy_node *map, const char *prefix);

/* Builds "prefix.key" into buf; keys come from the user, so a path that
 * would not fit is an error, not a truncation. */
static int join(const loader *L, char *buf, const char *prefix, const char *key, param_loc at)
{
    int n =
        snprintf(buf, SCENARIO_PATH_MAX, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", key);
    if (n < 0 || n >= SCENARIO_PATH_MAX)
        return fail(L, at, "%.40s...: key path too long", prefix ? prefix : key);
    return ECS_OK;
}

/* A value for a single parameter: a scalar, or a sequence of scalars that
 * is joined with ",". */
static int walk_leaf(const loader *L, const param_def *d, struct fy_node *n, const char *path,
                     param_loc key_at)
{
    char want[512], got[128];
    param_loc at = node_loc(L, n, key_at);
    if (is_null(n) || fy_node_is_mapping(n)) {
        param_describe(d, want, sizeof want);
        what(n, got, sizeof got);
        return fail(L, is_null(n) ? at : key_at, "%s: expected %s, got %s", path, want, got);
    }
    if (fy_node_is_scalar(n)) {
        char *text = scalar_dup(n);
        int rc = params_set_text(L->p, path, text, at, L->e);
        free(text);
        return rc;
    }
    size_t len = 0;
    char *text = xstrdup("");
    void *it = NULL;
    for (struct fy_node *item; (item = fy_node_sequence_iterate(n, &it));) {
        if (is_null(item) || !fy_node_is_scalar(item)) {
            param_describe(d, want, sizeof want);
            what(item, got, sizeof got);
            free(text);
            return fail(L, node_loc(L, item, at), "%s: expected %s, got %s in a sequence", path,
                        want, got);
        }
        size_t il;
        const char *s = fy_node_get_scalar(item, &il);
        text = xrealloc(text, len + il + 2);
        if (len) text[len++] = ',';
        memcpy(text + len, s, il);
        len += il;
        text[len] = '\0';
    }
    int rc = params_set_text(L->p, path, text, at, L->e);
    free(text);
    return rc;
}

/* Any value under `path`: a parameter, a group of them, or an unknown key. */
static int walk_value(const loader *L, struct fy_node *n, const char *path, param_loc key_at)
{
    const param_def *d = param_registry_find(L->reg, path);
    if (d) return walk_leaf(L, d, n, path, key_at);
    if (!param_registry_is_group(L->reg, path))
        return param_registry_unknown(L->reg, path, key_at, L->e);
    if (n && fy_node_is_mapping(n)) return walk_map(L, n, path);
    char got[128];
    what(n, got, sizeof got);
    return fail(L, node_loc(L, n, key_at), "%s: expected a mapping of parameters, got %s", path,
                got);
}

/* The key of a pair as text; keys must be plain scalars. */
static int key_text(const loader *L, struct fy_node_pair *pair, param_loc near, char **out,
                    param_loc *at)
{
    struct fy_node *k = fy_node_pair_key(pair);
    *at = node_loc(L, k, node_loc(L, fy_node_pair_value(pair), near));
    if (!k || is_null(k) || !fy_node_is_scalar(k))
        return fail(L, *at, "expected a parameter name as the key, got a %s",
                    k && fy_node_is_mapping(k)    ? "mapping"
                    : k && fy_node_is_sequence(k) ? "sequence"
                                                  : "null");
    *out = scalar_dup(k);
    return ECS_OK;
}

/* "services: {web: {...}, api: {...}}": declares each object in order, then
 * walks its parameters under "services.<name>". */
static int walk_collection(const loader *L, struct fy_node *n, const char *coll, param_loc key_at)
{
    char got[128], path[SCENARIO_PATH_MAX];
    if (!n || !fy_node_is_mapping(n)) {
        what(n, got, sizeof got);
        return fail(L, node_loc(L, n, key_at),
                    "%s: expected a mapping from names to objects, got %s", coll, got);
    }
    void *it = NULL;
    for (struct fy_node_pair *pair; (pair = fy_node_mapping_iterate(n, &it));) {
        char *name;
        param_loc at;
        int rc = key_text(L, pair, key_at, &name, &at);
        if (rc != ECS_OK) return rc;
        struct fy_node *v = fy_node_pair_value(pair);
        rc = join(L, path, coll, name, at);
        if (rc == ECS_OK) rc = params_add_object(L->p, coll, name, at, L->e);
        free(name);
        if (rc != ECS_OK) return rc;
        if (v && fy_node_is_mapping(v)) {
            rc = walk_map(L, v, path);
        } else {
            what(v, got, sizeof got);
            rc = fail(L, node_loc(L, v, at),
                      "%s: expected a mapping of parameters (or {} for all defaults), got %s", path,
                      got);
        }
        if (rc != ECS_OK) return rc;
    }
    return ECS_OK;
}

/* The pairs of a mapping at `prefix` (NULL at the root, where a key may
 * name a collection). */
static int walk_map(const loader *L, struct fy_node *map, const char *prefix)
{
    void *it = NULL;
    param_loc near = node_loc(L, map, (param_loc){L->file, 0, 0});
    for (struct fy_node_pair *pair; (pair = fy_node_mapping_iterate(map, &it));) {
        char *key, path[SCENARIO_PATH_MAX];
        param_loc at;
        int rc = key_text(L, pair, near, &key, &at);
        if (rc != ECS_OK) return rc;
        rc = join(L, path, prefix, key, at);
        free(key);
        if (rc != ECS_OK) return rc;
        struct fy_node *v = fy_node_pair_value(pair);
        if (!prefix && param_registry_is_collection(L->reg, path))
            rc = walk_collection(L, v, path, at);
        else
            rc = walk_value(L, v, path, at);
        if (rc != ECS_OK) return rc;
    }
    return ECS_OK;
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
 * line; a duplicate key also names the key. Returns ECS_OK when libfyaml
 * recorded none. */
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
        size_t tl = 0;
        const char *tok = de->fyt ? fy_token_get_text(de->fyt, &tl) : NULL;
        if (tok && tl && strcmp(msg, "duplicate key") == 0) {
            char key[SCENARIO_PATH_MAX], quoted[128];
            snprintf(key, sizeof key, "%.*s", (int) tl, tok);
            param_quote(key, quoted, sizeof quoted);
            snprintf(msg + n, sizeof msg - n, " %s", quoted);
        }
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
        what(root, got, sizeof got);
        rc = fail(L, at, "expected a mapping of parameters at the top level, got %s", got);
    } else {
        rc = walk_map(L, root, NULL);
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

int scenario_load_text(params *p, const char *name, const char *text, size_t len, ecs_err *e)
{
    loader L = {p, params_registry(p), name, e};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_discard;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) return err_set(e, ECS_EINTERNAL, "%s: libfyaml: cannot create diagnostics", name);
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {0};
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_RESOLVE_DOCUMENT |
                (ends_with(name, ".json") ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE);
    cfg.diag = diag;
    struct fy_parser *fyp = fy_parser_create(&cfg);
    int rc;
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
