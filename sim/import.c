/* import.c -- `ecsim import`: ECS JSON in, a scenario YAML out.
 * Each file is read whole, checked as UTF-8, parsed by libfyaml in JSON mode
 * (its diagnostics carry line and column) and walked into task definitions
 * and services of our own, which keep copies of what they need so each
 * document is freed before the next file. Then the services are linked to
 * the task definitions (by family, then revision), what is missing is made
 * up (a service for a lone task definition, a load balancer for a service
 * without one, a host group sized to hold every task) and the YAML is
 * written, notes first. Owns all of that for one call; the inputs are
 * kilobytes, so nothing here is tuned for speed. */
#include "sim/import.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/catalogue.h"
#include "sim/engine/afile.h"
#include "sim/engine/param.h"
#include "sim/engine/xmalloc.h"
#include "sim/registry.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/version.h"

#define IMPORT_MAX_BYTES      (64L << 20) /* describe outputs are kilobytes */
#define IMPORT_MAX_STRATEGIES 5           /* ECS: at most 5 strategy rules per service */
#define IMPORT_PATH           256         /* a JSON path in a message */
#define IMPORT_HOST_GROUP     "imported"
#define IMPORT_RATE_PER_S     10 /* the placeholder workload's rate */

static const char usage_import[] =
    "usage: ecsim import FILE... [-o OUT.yaml]\n"
    "\n"
    "Writes a scenario from Amazon ECS JSON: what `aws ecs describe-task-definition`\n"
    "prints ({\"taskDefinition\": ...}), what `aws ecs describe-services` prints\n"
    "({\"services\": [...]}), or a Terraform container_definitions document (a JSON\n"
    "array of container definitions). Several files combine: task definitions and\n"
    "the services that run them. Task definitions are named by their family,\n"
    "services by their serviceName.\n"
    "\n"
    "Imported: task cpu and memory (task-level, else the containers' sum, then\n"
    "cpu_mode share), network mode, the port mapping, the container health check,\n"
    "the stop timeout; a service's desired count, placement strategies and\n"
    "constraints, deployment configuration (minimum healthy and maximum percent,\n"
    "circuit breaker), health check grace period and load balancer. Fields ecsim\n"
    "does not model are listed as \"# note:\" lines at the top of the scenario and\n"
    "on stderr. The host group, workload and run sections are placeholders to edit.\n"
    "\n"
    "options:\n"
    "  -o, --out FILE   write the scenario to FILE (whole, or not at all) instead\n"
    "                   of stdout\n"
    "  -h, --help       this help\n";

/* One port mapping of one container. */
typedef struct port_map {
    char *container;        /* the container's name */
    int64_t container_port; /* 0..65535 */
    int64_t host_port;      /* -1: not given */
} port_map;

typedef struct tdef {
    char *name; /* in the scenario; set when linking */
    char *family;
    int64_t revision; /* 0: not known */
    const char *file;
    bool synthesized;           /* named by a service, not among the inputs */
    int64_t task_cpu, task_mem; /* CPU units, MiB; -1: no task-level value */
    int64_t cont_cpu, cont_mem; /* sums over the containers */
    bool cont_mem_given;        /* some container gave memory or memoryReservation */
    const char *network_mode;   /* bridge, host or awsvpc */
    port_map *ports;
    size_t nports;
    bool hc;                                               /* a container health check */
    int64_t hc_interval, hc_timeout, hc_retries, hc_start; /* s, s, -, s */
    int64_t stop_timeout;                                  /* s; -1: not given */
    char *constraints; /* task-level memberOf, "; "-joined; NULL: none */
    long port;         /* the ports[] index the scenario gets; -1: none */
} tdef;

typedef struct svc {
    char *name;
    const char *file;
    char *td_family; /* NULL: none given */
    int64_t td_revision;
    size_t td; /* index into tds, once linked */
    bool synthesized;
    int64_t desired;
    char *strategy;                          /* ecsim's words; NULL: the default */
    char *constraints;                       /* "; "-joined; NULL: none */
    int64_t min_healthy, max_percent, grace; /* %, %, s; -1: not given */
    int cb_enable, cb_rollback;              /* -1: not given */
    char *lb;                                /* load balancer name; NULL: none given */
    char *lb_container;
    int64_t lb_port; /* -1: not given */
} svc;

typedef struct imp {
    tdef *tds;
    size_t ntd, captd;
    svc *svcs;
    size_t nsvc, capsvc;
    char **notes;
    size_t nnotes, capnotes;
    char *region;     /* the first seen in an ARN */
    const char *file; /* being read */
    ecs_err *e;
} imp;

/* ---- small helpers ---------------------------------------------------- */

static char *__attribute__((format(printf, 1, 0))) vfmt(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *s = xmalloc(n > 0 ? (size_t) n + 1 : 1);
    vsnprintf(s, n > 0 ? (size_t) n + 1 : 1, fmt, ap);
    if (n <= 0) s[0] = '\0';
    return s;
}

/* A note: one line, whatever the input held. */
static void __attribute__((format(printf, 2, 3))) note(imp *I, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vfmt(fmt, ap);
    va_end(ap);
    for (char *c = s; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7f) *c = ' ';
    if (I->nnotes == I->capnotes) {
        I->capnotes = I->capnotes ? 2 * I->capnotes : 16;
        I->notes = xrealloc(I->notes, I->capnotes * sizeof *I->notes);
    }
    I->notes[I->nnotes++] = s;
}

/* Appends `item` to a "; "- or ", "-joined list held in *list. */
static void join_to(char **list, const char *sep, const char *item)
{
    char *old = *list;
    *list = old ? xasprintf("%s%s%s", old, sep, item) : xstrdup(item);
    free(old);
}

/* An object name as params accepts it: letters, digits, '_' and '-', not
 * starting with '-'. Anything else becomes '_'. */
static char *clean_name(const char *s)
{
    char *n = xstrdup(*s ? s : "unnamed");
    for (char *c = n; *c; c++)
        if (!isalnum((unsigned char) *c) && *c != '_' && *c != '-') *c = '_';
    if (n[0] == '-') n[0] = '_';
    return n;
}

/* ---- JSON nodes ------------------------------------------------------- */

/* Where a node starts (1-based). libfyaml 0.7 marks tokens, not nodes, so
 * an object or array is placed at its first scalar; an empty one at `near`.
 * A string's mark is just past its '"': step back onto it. */
static param_loc where(const imp *I, struct fy_node *n, param_loc near)
{
    if (!n) return near;
    if (fy_node_is_scalar(n)) {
        const struct fy_mark *m = fy_token_start_mark(fy_node_get_scalar_token(n));
        if (!m) return near;
        bool back = fy_node_get_style(n) == FYNS_DOUBLE_QUOTED && m->column > 0;
        return (param_loc){I->file, m->line + 1, m->column + (back ? 0 : 1)};
    }
    void *it = NULL;
    if (fy_node_is_sequence(n)) return where(I, fy_node_sequence_iterate(n, &it), near);
    struct fy_node_pair *pair = fy_node_mapping_iterate(n, &it);
    return pair ? where(I, fy_node_pair_key(pair), near) : near;
}

static bool is_string(struct fy_node *n)
{
    return n && fy_node_is_scalar(n) && fy_node_get_style(n) == FYNS_DOUBLE_QUOTED;
}

static bool plain_is(struct fy_node *n, const char *word)
{
    size_t len;
    const char *s = n && fy_node_is_scalar(n) && fy_node_get_style(n) == FYNS_PLAIN
                        ? fy_node_get_scalar(n, &len)
                        : NULL;
    return s && len == strlen(word) && memcmp(s, word, len) == 0;
}

static bool is_null(struct fy_node *n)
{
    return !n || plain_is(n, "null");
}

static char *text_of(struct fy_node *n)
{
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    char *out = xmalloc(len + 1);
    if (s) memcpy(out, s, len);
    out[s ? len : 0] = '\0';
    return out;
}

/* Whether a value says anything: null, false, "", [] and {} (or arrays
 * and objects of only those) do not, so an empty "environment": [] is no
 * note. */
static bool meaningful(struct fy_node *n)
{
    if (is_null(n) || plain_is(n, "false")) return false;
    if (fy_node_is_scalar(n)) return !is_string(n) || fy_node_get_scalar_length(n) > 0;
    void *it = NULL;
    if (fy_node_is_sequence(n)) {
        for (struct fy_node *x; (x = fy_node_sequence_iterate(n, &it));)
            if (meaningful(x)) return true;
        return false;
    }
    for (struct fy_node_pair *p; (p = fy_node_mapping_iterate(n, &it));)
        if (meaningful(fy_node_pair_value(p))) return true;
    return false;
}

/* What a node is, for "got ..." in messages. */
static void what(struct fy_node *n, char *buf, size_t len)
{
    if (!n) {
        snprintf(buf, len, "nothing");
    } else if (fy_node_is_mapping(n)) {
        snprintf(buf, len, "an object");
    } else if (fy_node_is_sequence(n)) {
        snprintf(buf, len, "an array");
    } else {
        char *s = text_of(n);
        if (is_string(n))
            param_quote(s, buf, len);
        else
            snprintf(buf, len, "%.*s", (int) (len > 64 ? 60 : len - 1), s);
        free(s);
    }
}

static int __attribute__((format(printf, 4, 5)))
fail(imp *I, struct fy_node *n, param_loc near, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vfmt(fmt, ap);
    va_end(ap);
    param_loc at = where(I, n, near);
    int rc = err_at(I->e, ECS_EINPUT, at.file, at.line, at.column, "%s", msg);
    free(msg);
    return rc;
}

static int expected(imp *I, struct fy_node *n, param_loc near, const char *path, const char *want)
{
    char got[128];
    what(n, got, sizeof got);
    return fail(I, n, near, "%s: expected %s, got %s", path, want, got);
}

/* Member `key` of an object, or NULL when absent or null; *at gets the
 * key's place (or the object's). */
static struct fy_node *member(const imp *I, struct fy_node *obj, const char *key, param_loc *at)
{
    void *it = NULL;
    size_t klen = strlen(key);
    for (struct fy_node_pair *p; (p = fy_node_mapping_iterate(obj, &it));) {
        struct fy_node *k = fy_node_pair_key(p);
        size_t len;
        const char *s = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &len) : NULL;
        if (s && len == klen && memcmp(s, key, len) == 0) {
            if (at) *at = where(I, k, (param_loc){I->file, 0, 0});
            struct fy_node *v = fy_node_pair_value(p);
            return is_null(v) ? NULL : v;
        }
    }
    if (at) *at = where(I, obj, (param_loc){I->file, 1, 1});
    return NULL;
}

/* Formats a JSON path or an object's description into a buffer of
 * IMPORT_PATH bytes; a longer one is cut (it only goes into messages). */
static void __attribute__((format(printf, 2, 3))) pathf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, IMPORT_PATH, fmt, ap);
    va_end(ap);
}

static void child_path(char *buf, const char *path, const char *key)
{
    pathf(buf, "%s%s%s", path, *path ? "." : "", key);
}

/* An integer member in [lo, hi]. Returns 1 when set, 0 when absent, or an
 * error code. JSON numbers only: AWS prints these as numbers. */
static int get_int(imp *I, struct fy_node *obj, const char *key, const char *path, int64_t lo,
                   int64_t hi, int64_t *out)
{
    param_loc at;
    struct fy_node *v = member(I, obj, key, &at);
    if (!v) return 0;
    char p[IMPORT_PATH], want[96];
    child_path(p, path, key);
    snprintf(want, sizeof want, "an integer in [%lld, %lld]", (long long) lo, (long long) hi);
    if (!fy_node_is_scalar(v) || is_string(v)) return expected(I, v, at, p, want);
    char *s = text_of(v), *end;
    errno = 0;
    double d = strtod(s, &end);
    /* the range first: converting a double past int64 is undefined */
    bool ok =
        !errno && *s && !*end && d >= (double) lo && d <= (double) hi && d == (double) (int64_t) d;
    free(s);
    if (!ok) return expected(I, v, at, p, want);
    *out = (int64_t) d;
    return 1;
}

/* A string member (copied). 1 set, 0 absent, or an error code. */
static int get_str(imp *I, struct fy_node *obj, const char *key, const char *path, char **out)
{
    param_loc at;
    struct fy_node *v = member(I, obj, key, &at);
    if (!v) return 0;
    char p[IMPORT_PATH];
    child_path(p, path, key);
    if (!is_string(v)) return expected(I, v, at, p, "a string");
    size_t len;
    const char *s = fy_node_get_scalar(v, &len);
    if (s && memchr(s, '\0', len)) return expected(I, v, at, p, "a string without NUL characters");
    *out = text_of(v);
    return 1;
}

static int get_bool(imp *I, struct fy_node *obj, const char *key, const char *path, int *out)
{
    param_loc at;
    struct fy_node *v = member(I, obj, key, &at);
    if (!v) return 0;
    char p[IMPORT_PATH];
    child_path(p, path, key);
    if (plain_is(v, "true") || plain_is(v, "false")) {
        *out = plain_is(v, "true");
        return 1;
    }
    return expected(I, v, at, p, "true or false");
}

/* An array or object member of the wanted kind; 1, 0 absent, or an error. */
static int get_node(imp *I, struct fy_node *obj, const char *key, const char *path, bool array,
                    struct fy_node **out)
{
    param_loc at;
    struct fy_node *v = member(I, obj, key, &at);
    if (!v) return 0;
    char p[IMPORT_PATH];
    child_path(p, path, key);
    if (array ? !fy_node_is_sequence(v) : !fy_node_is_mapping(v))
        return expected(I, v, at, p, array ? "an array" : "an object");
    *out = v;
    return 1;
}

/* The keys of obj that say something but are in no list: ECS fields ecsim
 * does not model. NULL-terminated lists; returns a ", "-joined string or
 * NULL. */
static char *unmodelled(struct fy_node *obj, const char *const *known)
{
    char *list = NULL;
    void *it = NULL;
    for (struct fy_node_pair *p; (p = fy_node_mapping_iterate(obj, &it));) {
        if (!meaningful(fy_node_pair_value(p))) continue;
        char *k = text_of(fy_node_pair_key(p));
        bool found = false;
        for (const char *const *w = known; *w && !found; w++) found = strcmp(*w, k) == 0;
        if (!found) join_to(&list, ", ", k);
        free(k);
    }
    return list;
}

static void note_unmodelled(imp *I, struct fy_node *obj, const char *const *known,
                            const char *what_obj)
{
    char *list = unmodelled(obj, known);
    if (list) note(I, "%s: %s: not modelled: %s", I->file, what_obj, list);
    free(list);
}

/* ---- ARNs, sizes, names ----------------------------------------------- */

/* "arn:aws:ecs:eu-west-1:123456789012:..." -> remembers eu-west-1. */
static void see_arn(imp *I, const char *arn)
{
    if (!arn || strncmp(arn, "arn:", 4) != 0) return;
    const char *p = arn;
    for (int i = 0; i < 3 && p; i++) {
        p = strchr(p, ':');
        if (p) p++;
    }
    const char *end = p ? strchr(p, ':') : NULL;
    if (!end || end == p) return;
    char *r = xasprintf("%.*s", (int) (end - p), p);
    if (!I->region) {
        I->region = r;
        return;
    }
    if (strcmp(r, I->region) != 0)
        note(I, "%s: %s is in region %s, not %s; the scenario has one region (%s)", I->file, arn, r,
             I->region, I->region);
    free(r);
}

/* "arn:...:task-definition/web:7", "web:7" or "web" -> family and revision. */
static void split_td_ref(const char *ref, char **family, int64_t *revision)
{
    const char *s = strrchr(ref, '/');
    s = s ? s + 1 : ref;
    const char *colon = strrchr(s, ':');
    *revision = 0;
    if (colon && colon[1]) {
        char *end;
        long long r = strtoll(colon + 1, &end, 10);
        if (!*end && r > 0) {
            *revision = r;
            *family = xasprintf("%.*s", (int) (colon - s), s);
            return;
        }
    }
    *family = xstrdup(s);
}

/* A task-level size: a JSON number or a string, "256" or "1 vCPU" (cpu),
 * "512" or "1 GB" (memory), as RegisterTaskDefinition accepts them. */
static int task_size(imp *I, struct fy_node *obj, const char *key, const char *path, bool cpu,
                     int64_t *out)
{
    param_loc at;
    struct fy_node *v = member(I, obj, key, &at);
    if (!v) return 0;
    char p[IMPORT_PATH];
    child_path(p, path, key);
    const char *want =
        cpu ? "CPU units or vCPU (\"256\", \"1 vCPU\")" : "MiB or GB (\"512\", \"1 GB\")";
    if (!fy_node_is_scalar(v)) return expected(I, v, at, p, want);
    char *s = text_of(v), *end;
    errno = 0;
    double d = strtod(s, &end);
    bool ok = !errno && end != s && d > 0 && d < 1e9;
    while (ok && *end == ' ') end++;
    if (ok && *end) {
        if (strcasecmp(end, cpu ? "vcpu" : "gb") == 0)
            d *= 1024;
        else
            ok = false;
    }
    free(s);
    if (!ok || d != (double) (int64_t) d) return expected(I, v, at, p, want);
    *out = (int64_t) d;
    return 1;
}

/* ---- task definitions ------------------------------------------------- */

static tdef *td_new(imp *I)
{
    if (I->ntd == I->captd) {
        I->captd = I->captd ? 2 * I->captd : 8;
        I->tds = xrealloc(I->tds, I->captd * sizeof *I->tds);
    }
    tdef *t = &I->tds[I->ntd++];
    memset(t, 0, sizeof *t);
    t->file = I->file;
    t->task_cpu = t->task_mem = t->stop_timeout = -1;
    t->network_mode = "bridge"; /* ECS's default on EC2 Linux */
    t->port = -1;
    return t;
}

static void td_add_port(tdef *t, const char *container, int64_t cport, int64_t hport)
{
    t->ports = xrealloc(t->ports, (t->nports + 1) * sizeof *t->ports);
    t->ports[t->nports++] = (port_map){xstrdup(container), cport, hport};
}

static const char *const known_container[] = {
    "name",         "cpu",         "memory",      "memoryReservation",
    "portMappings", "healthCheck", "stopTimeout", NULL};
static const char *const known_port[] = {"containerPort", "hostPort", "protocol", NULL};

static int port_mappings(imp *I, tdef *t, struct fy_node *c, const char *cpath, const char *cname,
                         const char *obj)
{
    struct fy_node *seq = NULL;
    int rc = get_node(I, c, "portMappings", cpath, true, &seq);
    if (rc <= 0) return rc;
    void *it = NULL;
    size_t i = 0;
    for (struct fy_node *pm; (pm = fy_node_sequence_iterate(seq, &it)); i++) {
        char p[IMPORT_PATH], o[IMPORT_PATH];
        pathf(p, "%s.portMappings[%zu]", cpath, i);
        if (!fy_node_is_mapping(pm))
            return expected(I, pm, where(I, seq, (param_loc){I->file, 0, 0}), p, "an object");
        int64_t cport = -1, hport = -1;
        char *proto = NULL;
        if ((rc = get_int(I, pm, "containerPort", p, 0, 65535, &cport)) < 0) return rc;
        if ((rc = get_int(I, pm, "hostPort", p, 0, 65535, &hport)) < 0) return rc;
        if ((rc = get_str(I, pm, "protocol", p, &proto)) < 0) return rc;
        pathf(o, "%s, port mapping %zu", obj, i + 1);
        if (proto && strcasecmp(proto, "tcp") != 0)
            note(I, "%s: %s: protocol %s is not modelled (requests are TCP)", I->file, o, proto);
        free(proto);
        note_unmodelled(I, pm, known_port, o);
        if (cport < 0) {
            note(I, "%s: %s: no containerPort; left out", I->file, o);
            continue;
        }
        td_add_port(t, cname, cport, hport);
    }
    return 0;
}

static int health_check(imp *I, tdef *t, struct fy_node *c, const char *cpath, const char *obj)
{
    struct fy_node *hc = NULL;
    int rc = get_node(I, c, "healthCheck", cpath, false, &hc);
    if (rc <= 0) return rc;
    char p[IMPORT_PATH], o[IMPORT_PATH];
    pathf(p, "%s.healthCheck", cpath);
    pathf(o, "%s, health check", obj);
    /* ECS's defaults and ranges (task_definition_parameters.html): interval
     * 30 s (5-300), timeout 5 s (2-60), retries 3 (1-10), startPeriod off
     * (0-300 s). Out of range is out of range here too. */
    int64_t interval = 30, timeout = 5, retries = 3, start = 0;
    if ((rc = get_int(I, hc, "interval", p, 5, 300, &interval)) < 0) return rc;
    if ((rc = get_int(I, hc, "timeout", p, 2, 60, &timeout)) < 0) return rc;
    if ((rc = get_int(I, hc, "retries", p, 1, 10, &retries)) < 0) return rc;
    if ((rc = get_int(I, hc, "startPeriod", p, 0, 300, &start)) < 0) return rc;
    if (meaningful(member(I, hc, "command", NULL)))
        note(I,
             "%s: %s: command is not run; the check is a request through the task "
             "(health_check.demand_s)",
             I->file, o);
    const char *const known[] = {"interval", "timeout", "retries", "startPeriod", "command", NULL};
    note_unmodelled(I, hc, known, o);
    if (t->hc) {
        note(I, "%s: %s: ecsim models one health check per task; this one is left out", I->file, o);
        return 0;
    }
    t->hc = true;
    t->hc_interval = interval;
    t->hc_timeout = timeout;
    t->hc_retries = retries;
    t->hc_start = start;
    return 0;
}

static int containers(imp *I, tdef *t, struct fy_node *seq, const char *path, const char *td_what)
{
    void *it = NULL;
    size_t i = 0;
    int rc;
    for (struct fy_node *c; (c = fy_node_sequence_iterate(seq, &it)); i++) {
        char p[IMPORT_PATH], o[IMPORT_PATH];
        pathf(p, "%s[%zu]", path, i);
        if (!fy_node_is_mapping(c))
            return expected(I, c, where(I, seq, (param_loc){I->file, 0, 0}), p, "an object");
        char *name = NULL;
        if ((rc = get_str(I, c, "name", p, &name)) < 0) return rc;
        if (!name) name = xasprintf("container-%zu", i + 1);
        pathf(o, "%s, container %s", td_what, name);
        int64_t cpu = 0, mem = -1, res = -1, stop = -1;
        if ((rc = get_int(I, c, "cpu", p, 0, 10240, &cpu)) < 0 ||
            (rc = get_int(I, c, "memory", p, 0, 1048576, &mem)) < 0 ||
            (rc = get_int(I, c, "memoryReservation", p, 0, 1048576, &res)) < 0 ||
            (rc = get_int(I, c, "stopTimeout", p, 0, 120, &stop)) < 0 ||
            (rc = port_mappings(I, t, c, p, name, o)) < 0 ||
            (rc = health_check(I, t, c, p, o)) < 0) {
            free(name);
            return rc;
        }
        t->cont_cpu += cpu;
        /* The hard limit is what ecsim enforces; with only a soft limit,
         * the reservation is all ECS knows of the container's size. */
        if (t->task_mem < 0 && mem >= 0 && res >= 0)
            note(I,
                 "%s: %s: memoryReservation %lld MiB (a soft limit) is not modelled; "
                 "memory %lld MiB is the hard limit",
                 I->file, o, (long long) res, (long long) mem);
        else if (t->task_mem < 0 && res >= 0)
            note(I,
                 "%s: %s: only memoryReservation (a soft limit) is given; ecsim treats its "
                 "%lld MiB as a hard limit",
                 I->file, o, (long long) res);
        if (mem >= 0 || res >= 0) {
            t->cont_mem += mem >= 0 ? mem : res;
            t->cont_mem_given = true;
        }
        if (stop > t->stop_timeout) t->stop_timeout = stop;
        note_unmodelled(I, c, known_container, o);
        free(name);
    }
    if (i == 0) note(I, "%s: %s: no container definitions", I->file, td_what);
    return 0;
}

/* The ECS cluster query language has more than ecsim models; ours is
 * attribute:<name> with ==, !=, =~, !~, in, not_in, joined by and / or, in
 * parentheses. ECS's word forms are rewritten to those (equals -> ==,
 * matches -> =~, !in -> not_in, && -> and). Returns the rewritten
 * expression, or NULL with *why set when it uses what ecsim cannot model. */
static char *query_expression(const char *expr, char *why, size_t why_len)
{
    static const char *const words[][2] = {
        {"==", "=="},  {"equals", "=="},     {"!=", "!="},      {"not_equals", "!="},
        {"=~", "=~"},  {"matches", "=~"},    {"!~", "!~"},      {"not_matches", "!~"},
        {"in", "in"},  {"not_in", "not_in"}, {"!in", "not_in"}, {"and", "and"},
        {"&&", "and"}, {"or", "or"},         {"||", "or"},
    };
    /* ECS operators outside ecsim's subset, space-separated */
    static const char unsupported_ops[] = " > < >= <= greater_than greater_than_equal less_than "
                                          "less_than_equal exists !exists not_exists not ! ";
    char *out = xmalloc(3 * strlen(expr) + 1); /* "!in(" grows to "not_in (": 2x at most */
    size_t o = 0;
    char prev[128] = "";
    const char *s = expr;
    while (*s) {
        if (isspace((unsigned char) *s)) {
            s++;
            continue;
        }
        char tok[128];
        size_t n = 0;
        bool cut = false; /* a word longer than tok */
        if (strchr("()[],", *s)) {
            tok[n++] = *s++;
        } else {
            while (*s && !isspace((unsigned char) *s) && !strchr("()[],", *s) && n + 1 < sizeof tok)
                tok[n++] = *s++;
            cut = *s && !isspace((unsigned char) *s) && !strchr("()[],", *s);
        }
        tok[n] = '\0';
        const char *rew = NULL;
        for (size_t i = 0; i < sizeof words / sizeof words[0] && !rew; i++)
            if (strcmp(tok, words[i][0]) == 0) rew = words[i][1];
        bool is_op = rew && strcmp(rew, "and") != 0 && strcmp(rew, "or") != 0;
        char padded[sizeof tok + 2];
        snprintf(padded, sizeof padded, " %s ", tok);
        if (!rew && strstr(unsupported_ops, padded))
            snprintf(why, why_len, "operator %s", tok);
        else if (cut)
            snprintf(why, why_len, "a term longer than %zu characters", sizeof tok - 1);
        else
            why[0] = '\0';
        if (why[0]) {
            free(out);
            return NULL;
        }
        if (is_op && strncmp(prev, "attribute:", 10) != 0) {
            snprintf(why, why_len, "%s", prev[0] ? prev : "an expression without a subject");
            free(out);
            return NULL;
        }
        const char *w = rew ? rew : tok;
        bool glue = o == 0 || out[o - 1] == '(' || out[o - 1] == '[' || strcmp(w, ")") == 0 ||
                    strcmp(w, "]") == 0 || strcmp(w, ",") == 0;
        if (!glue) out[o++] = ' ';
        size_t wl = strlen(w);
        memcpy(out + o, w, wl);
        o += wl;
        snprintf(prev, sizeof prev, "%s", tok);
    }
    out[o] = '\0';
    if (!o) {
        snprintf(why, why_len, "an empty expression");
        free(out);
        return NULL;
    }
    return out;
}

/* placementConstraints of a service (distinctInstance, memberOf) or of a
 * task definition (memberOf only, as ECS allows), joined into *out. */
static int constraints(imp *I, struct fy_node *obj, const char *path, const char *what_obj,
                       bool service, char **out)
{
    struct fy_node *seq = NULL;
    int rc = get_node(I, obj, "placementConstraints", path, true, &seq);
    if (rc <= 0) return rc;
    void *it = NULL;
    size_t i = 0;
    for (struct fy_node *c; (c = fy_node_sequence_iterate(seq, &it)); i++) {
        char p[IMPORT_PATH];
        pathf(p, "%s.placementConstraints[%zu]", path, i);
        if (!fy_node_is_mapping(c))
            return expected(I, c, where(I, seq, (param_loc){I->file, 0, 0}), p, "an object");
        char *type = NULL, *expr = NULL;
        if ((rc = get_str(I, c, "type", p, &type)) < 0 ||
            (rc = get_str(I, c, "expression", p, &expr)) < 0) {
            free(type);
            return rc;
        }
        if (type && strcmp(type, "distinctInstance") == 0 && service) {
            join_to(out, "; ", "distinctInstance");
        } else if (type && strcmp(type, "memberOf") == 0 && expr) {
            char why[160];
            char *q = query_expression(expr, why, sizeof why);
            if (q) {
                char *c2 = xasprintf("memberOf(%s)", q);
                join_to(out, "; ", c2);
                free(c2);
                free(q);
            } else {
                note(I,
                     "%s: %s: placement constraint memberOf(%s) uses %s, which ecsim does not "
                     "model; left out",
                     I->file, what_obj, expr, why);
            }
        } else {
            note(I, "%s: %s: placement constraint %s%s%s is not modelled; left out", I->file,
                 what_obj, type ? type : "(no type)", expr ? " " : "", expr ? expr : "");
        }
        free(type);
        free(expr);
    }
    return 0;
}

static const char *const known_td[] = {
    "family", "cpu", "memory", "networkMode", "containerDefinitions", "placementConstraints",
    "requiresCompatibilities",
    /* what describe-task-definition reports about the registration itself */
    "taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
    "registeredAt", "registeredBy", "deregisteredAt", NULL};

/* A task definition object: describe-task-definition's "taskDefinition",
 * or a register-task-definition input. `path` is its JSON path. */
static int td_from(imp *I, struct fy_node *n, const char *path)
{
    tdef *t = td_new(I);
    size_t idx = I->ntd - 1;
    char *arn = NULL, *mode = NULL;
    int rc;
    if ((rc = get_str(I, n, "family", path, &t->family)) < 0) return rc;
    if ((rc = get_int(I, n, "revision", path, 1, INT32_MAX, &t->revision)) < 0) return rc;
    if ((rc = get_str(I, n, "taskDefinitionArn", path, &arn)) < 0) return rc;
    see_arn(I, arn);
    if (!t->family && arn) split_td_ref(arn, &t->family, &t->revision);
    free(arn);
    if (!t->family) {
        t->family = xstrdup("task");
        note(I, "%s: %s: no family; the task definition is called \"task\"", I->file,
             *path ? path : "the task definition");
    }
    char obj[IMPORT_PATH];
    pathf(obj, "task definition %s", t->family);
    if ((rc = task_size(I, n, "cpu", path, true, &t->task_cpu)) < 0) return rc;
    if ((rc = task_size(I, n, "memory", path, false, &t->task_mem)) < 0) return rc;
    if ((rc = get_str(I, n, "networkMode", path, &mode)) < 0) return rc;
    if (mode) {
        if (strcmp(mode, "bridge") == 0 || strcmp(mode, "host") == 0 || strcmp(mode, "awsvpc") == 0)
            t->network_mode = strcmp(mode, "host") == 0     ? "host"
                              : strcmp(mode, "awsvpc") == 0 ? "awsvpc"
                                                            : "bridge";
        else
            note(I, "%s: %s: networkMode %s is not modelled; bridge is used", I->file, obj, mode);
        free(mode);
    }
    struct fy_node *compat = NULL;
    if ((rc = get_node(I, n, "requiresCompatibilities", path, true, &compat)) < 0) return rc;
    if (compat) {
        bool ec2 = false;
        void *it = NULL;
        for (struct fy_node *x; (x = fy_node_sequence_iterate(compat, &it));) {
            char *s = is_string(x) ? text_of(x) : NULL;
            ec2 = ec2 || (s && strcmp(s, "EC2") == 0);
            free(s);
        }
        if (!ec2)
            note(I, "%s: %s: requiresCompatibilities has no EC2; ecsim runs it on EC2 hosts",
                 I->file, obj);
    }
    char *cons = NULL;
    if ((rc = constraints(I, n, path, obj, false, &cons)) < 0) return rc;
    I->tds[idx].constraints = cons;
    struct fy_node *cdefs = NULL;
    if ((rc = get_node(I, n, "containerDefinitions", path, true, &cdefs)) < 0) return rc;
    char cpath[IMPORT_PATH];
    child_path(cpath, path, "containerDefinitions");
    if (cdefs && (rc = containers(I, &I->tds[idx], cdefs, cpath, obj)) < 0) return rc;
    if (!cdefs) note(I, "%s: %s: no containerDefinitions", I->file, obj);
    note_unmodelled(I, n, known_td, obj);
    return 0;
}

/* Terraform's container_definitions: a bare array of containers. It has no
 * family (that is the resource's, outside the JSON), so the task
 * definition takes its first container's name. */
static int td_from_array(imp *I, struct fy_node *seq)
{
    tdef *t = td_new(I);
    size_t idx = I->ntd - 1;
    struct fy_node *first = fy_node_sequence_get_by_index(seq, 0);
    char *name = NULL;
    int rc = 0;
    if (first && fy_node_is_mapping(first) && (rc = get_str(I, first, "name", "[0]", &name)) < 0)
        return rc;
    t->family = name ? name : xstrdup("task");
    note(I,
         "%s: a container_definitions array has no family; the task definition is named "
         "after its first container, %s, and uses networkMode bridge (ECS's default on EC2 "
         "Linux)",
         I->file, t->family);
    char obj[IMPORT_PATH];
    pathf(obj, "task definition %s", t->family);
    return containers(I, &I->tds[idx], seq, "", obj);
}

/* ---- services --------------------------------------------------------- */

static svc *svc_new(imp *I)
{
    if (I->nsvc == I->capsvc) {
        I->capsvc = I->capsvc ? 2 * I->capsvc : 8;
        I->svcs = xrealloc(I->svcs, I->capsvc * sizeof *I->svcs);
    }
    svc *s = &I->svcs[I->nsvc++];
    memset(s, 0, sizeof *s);
    s->file = I->file;
    s->desired = 1;
    s->min_healthy = s->max_percent = s->grace = s->lb_port = -1;
    s->cb_enable = s->cb_rollback = -1;
    return s;
}

/* One placementStrategy item in ecsim's words, into buf; 0 when it has
 * none (noted), 1 when written, or an error. */
static int strategy_word(imp *I, struct fy_node *st, const char *p, const char *obj, char *buf,
                         size_t len)
{
    char *type = NULL, *field = NULL;
    int rc;
    if ((rc = get_str(I, st, "type", p, &type)) < 0 ||
        (rc = get_str(I, st, "field", p, &field)) < 0) {
        free(type);
        return rc;
    }
    rc = 1;
    if (type && strcmp(type, "random") == 0) {
        snprintf(buf, len, "random");
    } else if (type && strcmp(type, "binpack") == 0 && field &&
               (strcasecmp(field, "cpu") == 0 || strcasecmp(field, "memory") == 0)) {
        snprintf(buf, len, "binpack:%s", strcasecmp(field, "cpu") == 0 ? "cpu" : "memory");
    } else if (type && strcmp(type, "spread") == 0 && field) {
        if (strcmp(field, "instanceId") == 0 || strcmp(field, "host") == 0)
            snprintf(buf, len, "spread:host");
        else if (strcmp(field, "attribute:ecs.availability-zone") == 0)
            snprintf(buf, len, "spread:zone");
        else if (strcmp(field, "attribute:ecs.instance-type") == 0)
            snprintf(buf, len, "spread:instance_type");
        else if (strncmp(field, "attribute:", 10) == 0 && field[10])
            snprintf(buf, len, "spread:%s", field);
        else
            rc = 0;
    } else {
        rc = 0;
    }
    if (rc == 0)
        note(I, "%s: %s: placement strategy %s%s%s is not modelled; left out", I->file, obj,
             type ? type : "(no type)", field ? ":" : "", field ? field : "");
    free(type);
    free(field);
    return rc;
}

static int strategies(imp *I, svc *s, struct fy_node *n, const char *path, const char *obj)
{
    struct fy_node *seq = NULL;
    int rc = get_node(I, n, "placementStrategy", path, true, &seq);
    if (rc <= 0) return rc;
    void *it = NULL;
    size_t i = 0, kept = 0;
    for (struct fy_node *st; (st = fy_node_sequence_iterate(seq, &it)); i++) {
        char p[IMPORT_PATH], w[IMPORT_PATH];
        pathf(p, "%s.placementStrategy[%zu]", path, i);
        if (!fy_node_is_mapping(st))
            return expected(I, st, where(I, seq, (param_loc){I->file, 0, 0}), p, "an object");
        rc = strategy_word(I, st, p, obj, w, sizeof w);
        if (rc < 0) return rc;
        if (rc == 0) continue;
        if (kept == IMPORT_MAX_STRATEGIES) {
            note(I, "%s: %s: more than %d placement strategies; %s left out", I->file, obj,
                 IMPORT_MAX_STRATEGIES, w);
            continue;
        }
        join_to(&s->strategy, ",", w);
        kept++;
    }
    return 0;
}

static int deployment(imp *I, svc *s, struct fy_node *n, const char *path, const char *obj)
{
    struct fy_node *dc = NULL, *cb = NULL;
    int rc = get_node(I, n, "deploymentConfiguration", path, false, &dc);
    if (rc <= 0) return rc;
    char p[IMPORT_PATH], o[IMPORT_PATH];
    child_path(p, path, "deploymentConfiguration");
    pathf(o, "%s, deploymentConfiguration", obj);
    if ((rc = get_int(I, dc, "minimumHealthyPercent", p, 0, 100, &s->min_healthy)) < 0 ||
        (rc = get_int(I, dc, "maximumPercent", p, 0, 1000000, &s->max_percent)) < 0 ||
        (rc = get_node(I, dc, "deploymentCircuitBreaker", p, false, &cb)) < 0)
        return rc;
    if (cb) {
        char cp[IMPORT_PATH];
        child_path(cp, p, "deploymentCircuitBreaker");
        if ((rc = get_bool(I, cb, "enable", cp, &s->cb_enable)) < 0 ||
            (rc = get_bool(I, cb, "rollback", cp, &s->cb_rollback)) < 0)
            return rc;
    }
    const char *const known[] = {"minimumHealthyPercent", "maximumPercent",
                                 "deploymentCircuitBreaker", NULL};
    note_unmodelled(I, dc, known, o);
    return 0;
}

/* The load balancer's name: the target group's ("...:targetgroup/web-tg/
 * 6d0e..." -> web-tg), or a Classic Load Balancer's. */
static int load_balancers(imp *I, svc *s, struct fy_node *n, const char *path, const char *obj)
{
    struct fy_node *seq = NULL;
    int rc = get_node(I, n, "loadBalancers", path, true, &seq);
    if (rc <= 0) return rc;
    void *it = NULL;
    size_t i = 0;
    for (struct fy_node *lb; (lb = fy_node_sequence_iterate(seq, &it)); i++) {
        char p[IMPORT_PATH];
        pathf(p, "%s.loadBalancers[%zu]", path, i);
        if (!fy_node_is_mapping(lb))
            return expected(I, lb, where(I, seq, (param_loc){I->file, 0, 0}), p, "an object");
        char *tg = NULL, *clb = NULL, *cname = NULL, *name = NULL;
        int64_t cport = -1;
        if ((rc = get_str(I, lb, "targetGroupArn", p, &tg)) >= 0 &&
            (rc = get_str(I, lb, "loadBalancerName", p, &clb)) >= 0 &&
            (rc = get_str(I, lb, "containerName", p, &cname)) >= 0)
            rc = get_int(I, lb, "containerPort", p, 0, 65535, &cport);
        if (rc >= 0) {
            if (tg) {
                see_arn(I, tg);
                const char *a = strstr(tg, "targetgroup/");
                a = a ? a + strlen("targetgroup/") : tg;
                name = xasprintf("%.*s", (int) strcspn(a, "/"), a);
            } else if (clb) {
                name = xstrdup(clb);
            } else {
                name = xstrdup(s->name);
            }
            if (s->lb) {
                note(I, "%s: %s: ecsim registers a service with one load balancer; %s is left out",
                     I->file, obj, name);
                free(name);
                free(cname);
            } else {
                s->lb = name;
                s->lb_container = cname;
                s->lb_port = cport;
            }
        } else {
            free(cname);
        }
        free(tg);
        free(clb);
        if (rc < 0) return rc;
    }
    return 0;
}

static const char *const known_svc[] = {
    "serviceName", "taskDefinition", "desiredCount", "placementStrategy", "placementConstraints",
    "deploymentConfiguration", "healthCheckGracePeriodSeconds", "loadBalancers", "launchType",
    "schedulingStrategy", "deploymentController",
    /* the service's state as describe-services reports it */
    "serviceArn", "clusterArn", "status", "runningCount", "pendingCount", "deployments", "events",
    "createdAt", "createdBy", "taskSets", "platformFamily", NULL};

/* A check of a string field that must have one value to be modelled. */
static int expect_word(imp *I, struct fy_node *n, const char *key, const char *path,
                       const char *want, const char *obj, const char *consequence)
{
    char *v = NULL;
    int rc = get_str(I, n, key, path, &v);
    if (rc <= 0) return rc;
    if (strcmp(v, want) != 0) note(I, "%s: %s: %s %s %s", I->file, obj, key, v, consequence);
    free(v);
    return 0;
}

static int svc_from(imp *I, struct fy_node *n, const char *path)
{
    svc *s = svc_new(I);
    size_t idx = I->nsvc - 1;
    char *arn = NULL, *cluster = NULL, *td = NULL;
    int rc;
    if ((rc = get_str(I, n, "serviceName", path, &s->name)) < 0) return rc;
    if ((rc = get_str(I, n, "serviceArn", path, &arn)) < 0) return rc;
    if ((rc = get_str(I, n, "clusterArn", path, &cluster)) < 0) {
        free(arn);
        return rc;
    }
    see_arn(I, arn);
    see_arn(I, cluster);
    if (!s->name && arn) s->name = xstrdup(strrchr(arn, '/') ? strrchr(arn, '/') + 1 : arn);
    free(arn);
    free(cluster);
    if (!s->name) s->name = xasprintf("service-%zu", idx + 1);
    char obj[IMPORT_PATH];
    pathf(obj, "service %s", s->name);
    if ((rc = get_str(I, n, "taskDefinition", path, &td)) < 0) return rc;
    if (td) {
        see_arn(I, td);
        split_td_ref(td, &I->svcs[idx].td_family, &I->svcs[idx].td_revision);
        free(td);
    }
    s = &I->svcs[idx];
    if ((rc = get_int(I, n, "desiredCount", path, 0, INT32_MAX, &s->desired)) < 0 ||
        (rc = get_int(I, n, "healthCheckGracePeriodSeconds", path, 0, INT32_MAX, &s->grace)) < 0 ||
        (rc = strategies(I, s, n, path, obj)) < 0 ||
        (rc = constraints(I, n, path, obj, true, &s->constraints)) < 0 ||
        (rc = deployment(I, s, n, path, obj)) < 0 || (rc = load_balancers(I, s, n, path, obj)) < 0)
        return rc;
    if ((rc = expect_word(I, n, "launchType", path, "EC2", obj,
                          "is not modelled; ecsim runs the service on EC2 hosts")) < 0 ||
        (rc = expect_word(I, n, "schedulingStrategy", path, "REPLICA", obj,
                          "is not modelled; ecsim runs desiredCount tasks (REPLICA)")) < 0)
        return rc;
    struct fy_node *ctl = NULL;
    if ((rc = get_node(I, n, "deploymentController", path, false, &ctl)) < 0) return rc;
    if (ctl) {
        char cp[IMPORT_PATH];
        child_path(cp, path, "deploymentController");
        if ((rc = expect_word(I, ctl, "type", cp, "ECS", obj,
                              "is not modelled; deployments are ECS rolling updates")) < 0)
            return rc;
    }
    note_unmodelled(I, n, known_svc, obj);
    return 0;
}

/* ---- files ------------------------------------------------------------ */

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 if it is
 * not one (overlong forms, surrogates, past U+10FFFF, NUL). libfyaml 0.7.12
 * does not survive every invalid byte, so they are refused first. */
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

/* Checks UTF-8 and turns each CR of a CRLF into a space: libfyaml counts
 * CR and LF as two line breaks, which would put every error after the
 * first line on the wrong line. JSON allows CR only as white space. */
static int prepare_text(imp *I, char *text, size_t len)
{
    int line = 1, column = 1;
    for (size_t i = 0; i < len;) {
        const unsigned char *s = (const unsigned char *) text + i;
        size_t l = utf8_len(s, len - i);
        if (!l)
            return err_at(I->e, ECS_EINPUT, I->file, line, column, "not UTF-8 text (byte 0x%02x)",
                          s[0]);
        if (s[0] == '\r' && i + 1 < len && text[i + 1] == '\n') text[i] = ' ';
        if (s[0] == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        i += l;
    }
    return ECS_OK;
}

static int read_whole(imp *I, const char *file, char **text, size_t *len)
{
    FILE *f = fopen(file, "rb");
    if (!f) return err_at(I->e, ECS_EIO, file, 0, 0, "cannot read: %s", strerror(errno));
    size_t n = 0, cap = 4096;
    char *buf = xmalloc(cap);
    int rc = ECS_OK;
    for (;;) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        if (cap >= (size_t) IMPORT_MAX_BYTES) {
            rc = err_at(I->e, ECS_EINPUT, file, 0, 0, "larger than %ld MiB; not an ECS document",
                        IMPORT_MAX_BYTES >> 20);
            break;
        }
        cap *= 2;
        buf = xrealloc(buf, cap);
    }
    if (rc == ECS_OK && ferror(f))
        rc = err_at(I->e, ECS_EIO, file, 0, 0, "cannot read: %s", strerror(errno));
    fclose(f);
    if (rc != ECS_OK) {
        free(buf);
        return rc;
    }
    *text = buf;
    *len = n;
    return ECS_OK;
}

/* libfyaml's diagnostics are collected, never printed. */
static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void) diag;
    (void) user;
    (void) buf;
    (void) len;
}

/* libfyaml speaks YAML; its JSON errors read better in JSON's words.
 * Replacements start at a word boundary; "a mapping" takes its article. */
static void json_words(const char *in, char *msg, size_t len)
{
    static const char *const words[][2] = {
        {"a flow mapping", "an object"},
        {"a mapping", "an object"},
        {"a flow sequence", "an array"},
        {"a sequence", "an array"},
        {"double-quoted scalar", "string"},
        {"double quoted scalars", "strings"},
        {"double quoted scalar", "string"},
        {"plain scalar", "value"},
        {"flow mapping", "object"},
        {"flow sequence", "array"},
        {"mapping", "object"},
        {"sequence", "array"},
        {"scalars", "strings"},
    };
    const size_t nw = sizeof words / sizeof words[0];
    const char *start = in;
    size_t n = 0;
    while (*in && n + 1 < len) {
        size_t w = nw;
        if (in == start || in[-1] == ' ')
            for (w = 0; w < nw && strncmp(in, words[w][0], strlen(words[w][0])) != 0; w++) {
            }
        if (w < nw) {
            for (const char *r = words[w][1]; *r && n + 1 < len; r++) msg[n++] = *r;
            in += strlen(words[w][0]);
            continue;
        }
        msg[n++] = (*in == '\n' || *in == '\r' || *in == '\t') ? ' ' : *in;
        in++;
    }
    while (n && msg[n - 1] == ' ') n--;
    msg[n] = '\0';
}

/* The first collected JSON error as "file:line:column: message". */
static int json_error(imp *I, struct fy_diag *diag)
{
    void *it = NULL;
    for (struct fy_diag_error *de; (de = fy_diag_errors_iterate(diag, &it));) {
        if (de->type < FYET_ERROR) continue;
        char msg[512];
        json_words(de->msg ? de->msg : "syntax error", msg, sizeof msg);
        /* A string token's column is just past its '"': step back onto it. */
        int column = de->column > 0 ? de->column : 1;
        if (de->fyt && fy_token_get_type(de->fyt) == FYTT_SCALAR &&
            fy_token_scalar_style(de->fyt) == FYSS_DOUBLE_QUOTED && column > 1)
            column--;
        return err_at(I->e, ECS_EINPUT, I->file, de->line > 0 ? de->line : 1, column,
                      "bad JSON: %s", msg);
    }
    return ECS_OK;
}

/* What the root is, and the walk into our task definitions and services. */
static int walk_root(imp *I, struct fy_node *root)
{
    param_loc top = {I->file, 1, 1};
    if (root && fy_node_is_sequence(root)) return td_from_array(I, root);
    struct fy_node *v;
    if (root && fy_node_is_mapping(root)) {
        if ((v = member(I, root, "taskDefinition", NULL))) {
            if (!fy_node_is_mapping(v)) return expected(I, v, top, "taskDefinition", "an object");
            if (meaningful(member(I, root, "tags", NULL)))
                note(I, "%s: tags are not modelled", I->file);
            return td_from(I, v, "taskDefinition");
        }
        if ((v = member(I, root, "services", NULL))) {
            if (!fy_node_is_sequence(v)) return expected(I, v, top, "services", "an array");
            void *it = NULL;
            size_t i = 0;
            for (struct fy_node *s; (s = fy_node_sequence_iterate(v, &it)); i++) {
                char p[IMPORT_PATH];
                pathf(p, "services[%zu]", i);
                if (!fy_node_is_mapping(s)) return expected(I, s, top, p, "an object");
                int rc = svc_from(I, s, p);
                if (rc < 0) return rc;
            }
            struct fy_node *f = member(I, root, "failures", NULL);
            if (meaningful(f))
                note(I,
                     "%s: describe-services reported %d failure(s) (services not found); "
                     "they are not imported",
                     I->file, fy_node_is_sequence(f) ? fy_node_sequence_item_count(f) : 1);
            return ECS_OK;
        }
        if ((v = member(I, root, "service", NULL))) {
            if (!fy_node_is_mapping(v)) return expected(I, v, top, "service", "an object");
            return svc_from(I, v, "service");
        }
        if (member(I, root, "containerDefinitions", NULL)) return td_from(I, root, "");
    }
    return fail(I, root, top,
                "not an ECS document: expected the JSON of `aws ecs describe-task-definition` "
                "({\"taskDefinition\": ...}), of `aws ecs describe-services` "
                "({\"services\": [...]}), or a container_definitions array");
}

static int parse_file(imp *I, const char *file)
{
    I->file = file;
    char *text = NULL;
    size_t len = 0;
    int rc = read_whole(I, file, &text, &len);
    if (rc != ECS_OK) return rc;
    rc = prepare_text(I, text, len);
    if (rc != ECS_OK) {
        free(text);
        return rc;
    }
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_discard;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) {
        free(text);
        return err_set(I->e, ECS_EINTERNAL, "%s: libfyaml: cannot create diagnostics", file);
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {0};
    /* JSON mode: libfyaml then refuses what JSON does not allow (trailing
     * commas, comments, single quotes, anchors) and reports duplicate keys. */
    cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_JSON_FORCE;
    cfg.diag = diag;
    struct fy_parser *fyp = fy_parser_create(&cfg);
    if (!fyp) {
        rc = err_set(I->e, ECS_EINTERNAL, "%s: libfyaml: cannot create a parser", file);
    } else if (fy_parser_set_string(fyp, text, len) != 0) {
        rc = err_set(I->e, ECS_EINTERNAL, "%s: libfyaml: cannot read the text", file);
    } else {
        struct fy_document *doc = fy_parse_load_document(fyp);
        if (!doc) {
            rc = json_error(I, diag);
            if (rc == ECS_OK)
                rc = err_at(I->e, ECS_EINPUT, file, 1, 1, "bad JSON: the file is empty");
        } else {
            rc = json_error(I, diag);
            if (rc == ECS_OK) rc = walk_root(I, fy_document_root(doc));
            fy_parse_document_destroy(fyp, doc);
            struct fy_document *next = rc == ECS_OK ? fy_parse_load_document(fyp) : NULL;
            if (next) {
                param_loc at = where(I, fy_document_root(next), (param_loc){file, 1, 1});
                fy_parse_document_destroy(fyp, next);
                rc = err_at(I->e, ECS_EINPUT, file, at.line, at.column,
                            "bad JSON: more after the end of the JSON value");
            }
            if (rc == ECS_OK) {
                /* "missing document start" and the like, found by the
                 * attempt to read a second value */
                void *it = NULL;
                for (struct fy_diag_error *de; (de = fy_diag_errors_iterate(diag, &it));)
                    if (de->type >= FYET_ERROR) {
                        rc = err_at(I->e, ECS_EINPUT, file, de->line > 0 ? de->line : 1,
                                    de->column > 0 ? de->column : 1,
                                    "bad JSON: more after the end of the JSON value");
                        break;
                    }
            }
        }
    }
    if (fyp) fy_parser_destroy(fyp);
    fy_diag_destroy(diag);
    free(text);
    return rc;
}

/* ---- linking ---------------------------------------------------------- */

static bool name_taken(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], name) == 0) return true;
    return false;
}

/* `base`, or base-2, base-3, ... the first not among names. */
static char *unique_name(char *const *names, size_t n, const char *base)
{
    char *c = clean_name(base);
    for (int k = 2; name_taken(names, n, c); k++) {
        free(c);
        char *b = clean_name(base);
        c = xasprintf("%s-%d", b, k);
        free(b);
    }
    return c;
}

static void name_tds(imp *I)
{
    char **names = xcalloc(I->ntd + 1, sizeof *names);
    for (size_t i = 0; i < I->ntd; i++) {
        tdef *t = &I->tds[i];
        size_t same = 0;
        for (size_t j = 0; j < I->ntd; j++) same += strcmp(I->tds[j].family, t->family) == 0;
        char *base = same > 1 && t->revision > 0
                         ? xasprintf("%s-%lld", t->family, (long long) t->revision)
                         : xstrdup(t->family);
        t->name = unique_name(names, i, base);
        names[i] = t->name;
        if (strcmp(t->name, t->family) != 0) {
            char rev[32] = "";
            if (t->revision > 0) snprintf(rev, sizeof rev, ":%lld", (long long) t->revision);
            note(I, "%s: task definition %s%s is called %s in the scenario", t->file, t->family,
                 rev, t->name);
        }
        free(base);
    }
    free(names);
}

/* The imported task definition a service runs: its family and revision, or
 * the family's latest imported revision. SIZE_MAX: none. */
static size_t find_td(const imp *I, const svc *s, size_t ntd)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < ntd; i++) {
        const tdef *t = &I->tds[i];
        if (strcmp(t->family, s->td_family) != 0) continue;
        if (s->td_revision > 0 && t->revision == s->td_revision) return i;
        if (best == SIZE_MAX || t->revision > I->tds[best].revision) best = i;
    }
    return best;
}

static void link_services(imp *I)
{
    size_t imported = I->ntd;
    for (size_t i = 0; i < I->nsvc; i++) {
        svc *s = &I->svcs[i];
        if (!s->td_family) {
            s->td_family = xstrdup(s->name);
            note(I,
                 "%s: service %s names no task definition; it runs one called %s with "
                 "ecsim's defaults",
                 s->file, s->name, s->name);
        }
        size_t k = find_td(I, s, imported);
        if (k == SIZE_MAX) {
            /* one made-up task definition per missing family */
            for (size_t j = imported; j < I->ntd && k == SIZE_MAX; j++)
                if (strcmp(I->tds[j].family, s->td_family) == 0) k = j;
        }
        if (k == SIZE_MAX) {
            const char *keep = I->file;
            I->file = s->file;
            tdef *t = td_new(I);
            I->file = keep;
            t->family = xstrdup(s->td_family);
            t->revision = s->td_revision;
            t->synthesized = true;
            k = I->ntd - 1;
            note(I,
                 "%s: service %s runs task definition %s, which is not among the inputs; "
                 "it gets ecsim's defaults (import its describe-task-definition JSON too)",
                 s->file, s->name, s->td_family);
        } else if (s->td_revision > 0 && I->tds[k].revision > 0 &&
                   I->tds[k].revision != s->td_revision && !I->tds[k].synthesized) {
            note(I, "%s: service %s runs %s:%lld; the imported revision %lld is used", s->file,
                 s->name, s->td_family, (long long) s->td_revision, (long long) I->tds[k].revision);
        }
        s->td = k;
    }
    /* Task definitions with no service get one, so the scenario runs them. */
    size_t ntd = I->ntd;
    for (size_t k = 0; k < ntd; k++) {
        bool used = false;
        for (size_t i = 0; i < I->nsvc && !used; i++) used = I->svcs[i].td == k;
        if (used) continue;
        const char *keep = I->file;
        I->file = I->tds[k].file;
        svc *s = svc_new(I);
        I->file = keep;
        s->name = xstrdup(I->tds[k].family);
        s->td_family = xstrdup(I->tds[k].family);
        s->td = k;
        s->synthesized = true;
    }
}

static void name_services(imp *I)
{
    char **names = xcalloc(I->nsvc + 1, sizeof *names);
    for (size_t i = 0; i < I->nsvc; i++) {
        svc *s = &I->svcs[i];
        char *n = unique_name(names, i, s->name);
        if (strcmp(n, s->name) != 0)
            note(I, "%s: service %s is called %s in the scenario", s->file, s->name, n);
        free(s->name);
        s->name = n;
        names[i] = n;
        if (s->synthesized)
            note(I,
                 "%s: no service runs task definition %s; service %s with desired_count 1 "
                 "does",
                 s->file, I->tds[s->td].name, s->name);
    }
    free(names);
    /* Load balancers: one per service in this version of ecsim. */
    char **lbs = xcalloc(I->nsvc + 1, sizeof *lbs);
    for (size_t i = 0; i < I->nsvc; i++) {
        svc *s = &I->svcs[i];
        if (!s->lb) {
            s->lb = xstrdup(s->name);
            if (!s->synthesized)
                note(I,
                     "%s: service %s has no load balancer; ecsim sends it requests through "
                     "load balancer %s",
                     s->file, s->name, s->lb);
        }
        char *n = unique_name(lbs, i, s->lb);
        if (strcmp(n, s->lb) != 0)
            note(I,
                 "%s: service %s: load balancer %s is called %s in the scenario (one service "
                 "per load balancer)",
                 s->file, s->name, s->lb, n);
        free(s->lb);
        s->lb = n;
        lbs[i] = n;
    }
    free(lbs);
}

static const char *port_text(const port_map *m, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%lld", m->container, (long long) m->container_port);
    return buf;
}

/* The one port mapping a task definition keeps: the one its service's
 * load balancer names, else the first. */
static void choose_ports(imp *I)
{
    for (size_t k = 0; k < I->ntd; k++) {
        tdef *t = &I->tds[k];
        if (!t->nports) continue;
        t->port = 0;
        for (size_t i = 0; i < I->nsvc; i++) {
            const svc *s = &I->svcs[i];
            if (s->td != k || (s->lb_port < 0 && !s->lb_container)) continue;
            long hit = -1;
            for (size_t j = 0; j < t->nports && hit < 0; j++)
                if ((s->lb_port < 0 || t->ports[j].container_port == s->lb_port) &&
                    (!s->lb_container || strcmp(t->ports[j].container, s->lb_container) == 0))
                    hit = (long) j;
            if (hit < 0)
                note(I,
                     "%s: service %s: its load balancer's container %s port %lld is not a "
                     "port mapping of task definition %s",
                     s->file, s->name, s->lb_container ? s->lb_container : "(any)",
                     (long long) s->lb_port, t->name);
            else
                t->port = hit;
            break;
        }
        if (t->nports > 1) {
            char *rest = NULL, b[IMPORT_PATH];
            for (size_t j = 0; j < t->nports; j++)
                if ((long) j != t->port) join_to(&rest, ", ", port_text(&t->ports[j], b, sizeof b));
            note(I, "%s: task definition %s: ecsim models one port per task: %s; left out: %s",
                 t->file, t->name, port_text(&t->ports[t->port], b, sizeof b), rest);
            free(rest);
        }
    }
}

/* ---- sizes and the host group ----------------------------------------- */

/* A registry default or bound for a task_definitions parameter, so the
 * import follows the registry rather than a copy of its numbers. */
static const param_def *td_param(const char *leaf)
{
    char path[128];
    snprintf(path, sizeof path, "task_definitions.x.%s", leaf);
    return param_registry_find(ecsim_registry(), path);
}

typedef struct dims {
    int64_t cpu, mem; /* CPU units, MiB */
    bool share;       /* cpu_mode share */
} dims;

static dims td_size(imp *I, tdef *t, bool with_notes)
{
    const param_def *dc = td_param("cpu"), *dm = td_param("memory_mib");
    dims z = {dc && dc->def ? atoll(dc->def) : 1024, dm && dm->def ? atoll(dm->def) : 2048, false};
    if (t->synthesized) return z;
    if (t->task_cpu > 0) {
        z.cpu = t->task_cpu;
    } else {
        z.share = true;
        z.cpu = t->cont_cpu;
    }
    if (t->task_mem > 0)
        z.mem = t->task_mem;
    else if (t->cont_mem_given)
        z.mem = t->cont_mem;
    else if (with_notes)
        note(I,
             "%s: task definition %s gives no memory (task or container); ecsim's default "
             "%lld MiB is used",
             t->file, t->name, (long long) z.mem);
    if (z.share && z.cpu == 0 && dc && dc->min > 0) {
        if (with_notes)
            note(I,
                 "%s: task definition %s gives no cpu (task or container), so ECS reserves "
                 "none; ecsim uses its minimum, %g, with cpu_mode share",
                 t->file, t->name, dc->min);
        z.cpu = (int64_t) dc->min;
    } else if (dc && dc->min < dc->max && (z.cpu < dc->min || z.cpu > dc->max)) {
        int64_t c = z.cpu < dc->min ? (int64_t) dc->min : (int64_t) dc->max;
        if (with_notes)
            note(I,
                 "%s: task definition %s: %s cpu %lld is outside ecsim's [%g, %g]; %lld is "
                 "used",
                 t->file, t->name, z.share ? "the containers'" : "task", (long long) z.cpu, dc->min,
                 dc->max, (long long) c);
        z.cpu = c;
    }
    if (dm && dm->min < dm->max && (z.mem < dm->min || z.mem > dm->max)) {
        int64_t m = z.mem < dm->min ? (int64_t) dm->min : (int64_t) dm->max;
        if (with_notes)
            note(I,
                 "%s: task definition %s: memory %lld MiB is outside ecsim's [%g, %g]; %lld is "
                 "used",
                 t->file, t->name, (long long) z.mem, dm->min, dm->max, (long long) m);
        z.mem = m;
    }
    return z;
}

/* A value of the first clause about `attribute` in any service's
 * constraints: "attribute:ecs.instance-type =~ t3.*" gives "=~" and
 * "t3.*"; "... in [a, b]" gives "in" and "a". Enough to pick hosts the
 * constraints accept; the simulation judges the rest. */
static bool clause(const imp *I, const char *attribute, char *op, size_t oplen, char *val,
                   size_t vlen)
{
    for (size_t i = 0; i < I->nsvc; i++) {
        const char *c = I->svcs[i].constraints;
        const char *t = I->tds[I->svcs[i].td].constraints;
        for (int pass = 0; pass < 2; pass++, c = t) {
            const char *a = c ? strstr(c, attribute) : NULL;
            if (!a) continue;
            a += strlen(attribute);
            while (*a == ' ') a++;
            size_t n = strcspn(a, " ");
            snprintf(op, oplen, "%.*s", (int) n, a);
            a += n;
            while (*a == ' ' || *a == '[') a++;
            n = strcspn(a, " ,])");
            snprintf(val, vlen, "%.*s", (int) n, a);
            return n > 0;
        }
    }
    return false;
}

/* Whether the instance type passes an ecs.instance-type clause. */
static bool type_ok(const char *type, const char *op, const char *val)
{
    bool eq = strcmp(type, val) == 0, match = fnmatch(val, type, 0) == 0;
    if (strcmp(op, "==") == 0 || strcmp(op, "in") == 0) return eq;
    if (strcmp(op, "!=") == 0 || strcmp(op, "not_in") == 0) return !eq;
    if (strcmp(op, "=~") == 0) return match;
    if (strcmp(op, "!~") == 0) return !match;
    return true;
}

/* One host of the first-fit count. */
typedef struct bin {
    int64_t cpu, mem; /* left */
    int enis;         /* left, for awsvpc tasks */
    int64_t *ports;   /* static host ports in use */
    size_t nports;
    bool *has; /* [service]: holds a task of it (distinctInstance) */
} bin;

typedef struct task_need {
    int64_t cpu, mem;
    int64_t port; /* static host port; 0: none */
    bool eni;     /* awsvpc */
    bool distinct;
    size_t svc;
} task_need;

static bool fits(const bin *b, const task_need *t)
{
    if (b->cpu < t->cpu || b->mem < t->mem || (t->eni && b->enis < 1)) return false;
    if (t->distinct && b->has[t->svc]) return false;
    for (size_t i = 0; t->port && i < b->nports; i++)
        if (b->ports[i] == t->port) return false;
    return true;
}

/* Hosts of `it` that first-fit places every task on (ECS places what fits;
 * this only sizes the placeholder group), at most max_hosts; *unfit counts
 * tasks no empty host holds, *over those past max_hosts. */
static int64_t count_hosts(const task_need *tasks, size_t n, size_t nsvc, const instance_type *it,
                           double os_fraction, size_t max_hosts, int64_t *unfit, int64_t *over)
{
    bin *bins = NULL;
    size_t nb = 0;
    int64_t host_cpu = (int64_t) it->vcpu * 1024;
    int64_t host_mem = (int64_t) ((double) it->memory_mib * (1 - os_fraction));
    *unfit = *over = 0;
    size_t start = 0; /* bins fill only, so a bin that refused one task of a
                         service refuses the next (they are alike) */
    for (size_t i = 0; i < n; i++) {
        const task_need *t = &tasks[i];
        if (i == 0 || t->svc != tasks[i - 1].svc) start = 0;
        size_t b = start;
        while (b < nb && !fits(&bins[b], t)) b++;
        start = b;
        if (b == nb) {
            bin fresh = {host_cpu, host_mem, it->max_enis - 1, NULL, 0, xcalloc(nsvc, 1)};
            if (!fits(&fresh, t) || nb >= max_hosts) {
                *(nb >= max_hosts && fits(&fresh, t) ? over : unfit) += 1;
                free(fresh.has);
                continue;
            }
            bins = xrealloc(bins, (nb + 1) * sizeof *bins);
            bins[nb++] = fresh;
        }
        bin *h = &bins[b];
        h->cpu -= t->cpu;
        h->mem -= t->mem;
        h->enis -= t->eni;
        h->has[t->svc] = true;
        if (t->port) {
            h->ports = xrealloc(h->ports, (h->nports + 1) * sizeof *h->ports);
            h->ports[h->nports++] = t->port;
        }
    }
    for (size_t b = 0; b < nb; b++) {
        free(bins[b].ports);
        free(bins[b].has);
    }
    free(bins);
    return (int64_t) nb;
}

typedef struct hosts {
    char type[CATALOGUE_NAME_SIZE];
    int64_t count;
    char zone[64]; /* "" = the region's first */
} hosts;

static int size_hosts(imp *I, hosts *h)
{
    ecs_err ce;
    err_clear(&ce);
    catalogue *cat = catalogue_load_default(&ce);
    if (!cat) return err_set(I->e, ECS_EINTERNAL, "%s", ce.msg);
    const param_def *osf =
        param_registry_find(ecsim_registry(), "cluster.os_memory_overhead_fraction");
    double os_fraction = osf && osf->def ? atof(osf->def) : 0.025;

    /* A desired count past the registry's bound is reported when the
     * scenario is loaded; sizing counts at most that many. */
    const param_def *dd = param_registry_find(ecsim_registry(), "services.x.desired_count");
    int64_t cap = dd && dd->max > 0 ? (int64_t) dd->max : 10000;
    size_t n = 0;
    for (size_t i = 0; i < I->nsvc; i++)
        n += (size_t) (I->svcs[i].desired < cap ? I->svcs[i].desired : cap);
    task_need *tasks = xcalloc(n ? n : 1, sizeof *tasks);
    int64_t need_cpu = 0, need_mem = 0;
    bool need_eni = false;
    size_t k = 0;
    for (size_t i = 0; i < I->nsvc; i++) {
        const svc *s = &I->svcs[i];
        tdef *t = &I->tds[s->td];
        dims z = td_size(I, t, false);
        int64_t port = 0;
        if (t->port >= 0) {
            const port_map *m = &t->ports[t->port];
            if (strcmp(t->network_mode, "host") == 0)
                port = m->container_port;
            else if (strcmp(t->network_mode, "bridge") == 0 && m->host_port > 0)
                port = m->host_port;
        }
        bool distinct = s->constraints && strstr(s->constraints, "distinctInstance");
        for (int64_t j = 0; j < s->desired && j < cap; j++)
            tasks[k++] = (task_need){z.cpu,    z.mem, port, strcmp(t->network_mode, "awsvpc") == 0,
                                     distinct, i};
        if (s->desired > 0) {
            need_cpu = z.cpu > need_cpu ? z.cpu : need_cpu;
            need_mem = z.mem > need_mem ? z.mem : need_mem;
            need_eni = need_eni || strcmp(t->network_mode, "awsvpc") == 0;
        }
    }

    /* The type: the smallest that holds the largest task, among those an
     * instance-type constraint accepts, m5 first (a general-purpose
     * default). */
    char op[32], val[64];
    bool constrained = clause(I, "attribute:ecs.instance-type", op, sizeof op, val, sizeof val);
    const instance_type *pick = NULL;
    for (int pass = 0; pass < 3 && !pick; pass++) {
        for (size_t i = 0; i < catalogue_count(cat); i++) {
            const instance_type *it = catalogue_at(cat, i);
            if (pass == 0 && strncmp(it->name, "m5.", 3) != 0) continue;
            if (pass < 2 && constrained && !type_ok(it->name, op, val)) continue;
            int64_t mem = (int64_t) ((double) it->memory_mib * (1 - os_fraction));
            if ((int64_t) it->vcpu * 1024 < need_cpu || mem < need_mem ||
                (need_eni && it->max_enis < 2))
                continue;
            if (!pick || it->vcpu < pick->vcpu ||
                (it->vcpu == pick->vcpu && it->memory_mib < pick->memory_mib))
                pick = it;
        }
    }
    if (!pick) {
        for (size_t i = 0; i < catalogue_count(cat); i++) {
            const instance_type *it = catalogue_at(cat, i);
            if (!pick || it->vcpu > pick->vcpu ||
                (it->vcpu == pick->vcpu && it->memory_mib > pick->memory_mib))
                pick = it;
        }
    }
    if (constrained && !type_ok(pick->name, op, val))
        note(I,
             "the placement constraints ask for instance types %s %s; no catalogued type that "
             "does holds the tasks, so the host group is %s and they may stay unplaced",
             op, val, pick->name);
    const param_def *hc = param_registry_find(ecsim_registry(), "host_groups.x.count");
    size_t max_hosts = hc && hc->max >= 1 ? (size_t) hc->max : 10000;
    int64_t unfit = 0, over = 0;
    int64_t count = count_hosts(tasks, n, I->nsvc, pick, os_fraction, max_hosts, &unfit, &over);
    if (unfit)
        note(I, "%lld task(s) fit no %s host; they stay unplaced", (long long) unfit, pick->name);
    if (over)
        note(I, "a host group holds at most %zu hosts; %lld task(s) do not fit on them", max_hosts,
             (long long) over);
    snprintf(h->type, sizeof h->type, "%s", pick->name);
    h->count = count > 0 ? count : 1;
    h->zone[0] = '\0';
    if (clause(I, "attribute:ecs.availability-zone", op, sizeof op, val, sizeof val) &&
        (strcmp(op, "==") == 0 || strcmp(op, "in") == 0))
        snprintf(h->zone, sizeof h->zone, "%s", val);
    note(I,
         "the host group is a placeholder (ECS JSON does not describe the cluster's "
         "instances): %lld x %s%s",
         (long long) h->count, h->type, unfit || over ? "" : ", enough for the desired tasks");
    free(tasks);
    catalogue_free(cat);
    return ECS_OK;
}

/* ---- writing ---------------------------------------------------------- */

/* A string YAML reads back as itself when written plain; otherwise it is
 * double-quoted with escapes. */
static void put_str(FILE *y, const char *s)
{
    size_t n = strlen(s);
    bool plain = n > 0 && s[n - 1] != ':' && strcmp(s, "~") != 0 && strcasecmp(s, "null") != 0 &&
                 (isalnum((unsigned char) s[0]) || s[0] == '_');
    for (const char *c = s; *c && plain; c++)
        plain = isalnum((unsigned char) *c) || strchr("_./+-:,", *c);
    if (plain) {
        fputs(s, y);
        return;
    }
    fputc('"', y);
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char) *c;
        if (u == '"' || u == '\\')
            fprintf(y, "\\%c", u);
        else if (u < 0x20 || u == 0x7f)
            fprintf(y, "\\x%02x", u);
        else
            fputc(u, y);
    }
    fputc('"', y);
}

static void put_kv(FILE *y, int indent, const char *key, const char *value)
{
    fprintf(y, "%*s%s: ", indent, "", key);
    put_str(y, value);
    fputc('\n', y);
}

static void put_int(FILE *y, int indent, const char *key, int64_t v)
{
    fprintf(y, "%*s%s: %lld\n", indent, "", key, (long long) v);
}

static void write_tds(imp *I, FILE *y)
{
    fputs("\ntask_definitions:\n", y);
    for (size_t k = 0; k < I->ntd; k++) {
        tdef *t = &I->tds[k];
        fprintf(y, "  ");
        put_str(y, t->name);
        if (t->synthesized) {
            fprintf(y, ": {}   # not among the inputs: ecsim's defaults\n");
            continue;
        }
        fputs(":\n", y);
        dims z = td_size(I, t, true);
        put_int(y, 4, "cpu", z.cpu);
        put_kv(y, 4, "cpu_mode", z.share ? "share" : "hard_cap");
        put_int(y, 4, "memory_mib", z.mem);
        put_kv(y, 4, "network_mode", t->network_mode);
        if (t->port >= 0) {
            const port_map *m = &t->ports[t->port];
            /* ECS: in host and awsvpc mode a missing hostPort is the
             * containerPort; in bridge mode it is dynamic (0). */
            int64_t hp = m->host_port >= 0                   ? m->host_port
                         : strcmp(t->network_mode, "bridge") ? m->container_port
                                                             : 0;
            put_int(y, 4, "container_port", m->container_port);
            put_int(y, 4, "host_port", hp);
        }
        if (t->stop_timeout >= 0) put_int(y, 4, "stop_timeout_s", t->stop_timeout);
        if (t->hc) {
            fputs("    health_check:\n      enabled: true\n", y);
            put_int(y, 6, "interval_s", t->hc_interval);
            put_int(y, 6, "timeout_s", t->hc_timeout);
            put_int(y, 6, "retries", t->hc_retries);
            put_int(y, 6, "start_period_s", t->hc_start);
        }
    }
}

static void write_services(imp *I, FILE *y)
{
    fputs("\nservices:\n", y);
    for (size_t i = 0; i < I->nsvc; i++) {
        const svc *s = &I->svcs[i];
        const tdef *t = &I->tds[s->td];
        fputs("  ", y);
        put_str(y, s->name);
        fputs(":\n", y);
        put_kv(y, 4, "task_definition", t->name);
        put_int(y, 4, "desired_count", s->desired);
        if (s->strategy) put_kv(y, 4, "placement_strategy", s->strategy);
        /* ECS applies the task definition's constraints with the service's */
        char *cons = s->constraints ? xstrdup(s->constraints) : NULL;
        if (t->constraints) join_to(&cons, "; ", t->constraints);
        if (cons) put_kv(y, 4, "placement_constraints", cons);
        free(cons);
        if (s->min_healthy >= 0) put_int(y, 4, "minimum_healthy_percent", s->min_healthy);
        if (s->max_percent >= 0) put_int(y, 4, "maximum_percent", s->max_percent);
        if (s->cb_enable >= 0 || s->cb_rollback >= 0) {
            fputs("    circuit_breaker:\n", y);
            if (s->cb_enable >= 0) put_kv(y, 6, "enable", s->cb_enable ? "true" : "false");
            if (s->cb_rollback >= 0) put_kv(y, 6, "rollback", s->cb_rollback ? "true" : "false");
        }
        if (s->grace >= 0) put_int(y, 4, "health_check_grace_period_s", s->grace);
        put_kv(y, 4, "load_balancer", s->lb);
    }
}

static int write_yaml(imp *I, const char *const *files, size_t n, FILE *y)
{
    hosts h;
    int rc = size_hosts(I, &h);
    if (rc != ECS_OK) return rc;
    /* The notes the sizes add come before the YAML's note lines are
     * written, so write the body first into its own buffer. */
    char *body = NULL;
    size_t blen = 0;
    FILE *b = open_memstream(&body, &blen);
    if (!b) return err_set(I->e, ECS_EINTERNAL, "open_memstream: %s", strerror(errno));
    const char *region = NULL;
    if (I->region) {
        const param_def *d = param_registry_find(ecsim_registry(), "cluster.region");
        const char *ch = d && d->choices ? d->choices : "";
        size_t rl = strlen(I->region);
        for (const char *c = ch; *c;) {
            size_t l = strcspn(c, "|");
            if (l == rl && strncmp(c, I->region, l) == 0) region = I->region;
            c += l + (c[l] == '|');
        }
        if (!region)
            note(I, "region %s has no prices in ecsim's catalogue; the default region is used",
                 I->region);
    }
    if (region) {
        fputs("\ncluster:\n", b);
        put_kv(b, 2, "region", region);
    }
    fputs("\n# placeholder: ECS JSON does not describe the instances; edit to match the "
          "cluster\nhost_groups:\n  " IMPORT_HOST_GROUP ":\n",
          b);
    put_kv(b, 4, "instance_type", h.type);
    put_int(b, 4, "count", h.count);
    if (h.zone[0]) put_kv(b, 4, "zone", h.zone);
    write_tds(I, b);
    write_services(I, b);
    fputs("\nload_balancers:\n", b);
    for (size_t i = 0; i < I->nsvc; i++) {
        fputs("  ", b);
        put_str(b, I->svcs[i].lb);
        fputs(":\n    algorithm: round_robin\n", b);
    }
    fputs("\n# placeholder: ECS JSON does not describe the traffic; edit to match it\n"
          "workloads:\n",
          b);
    for (size_t i = 0; i < I->nsvc; i++) {
        fputs("  ", b);
        put_str(b, I->svcs[i].lb);
        fputs(":\n", b);
        put_kv(b, 4, "target", I->svcs[i].lb);
        put_int(b, 4, "rate_per_s", IMPORT_RATE_PER_S);
    }
    note(I,
         "the workloads are placeholders (ECS JSON does not describe traffic): Poisson at %d "
         "requests/s per load balancer",
         IMPORT_RATE_PER_S);
    fputs("\nrun:\n  duration_s: 3600\n  seed: 1\n", b);
    fclose(b);

    fprintf(y, "# ecsim scenario imported by `ecsim import` (ecsim %s) from", ECSIM_VERSION);
    for (size_t i = 0; i < n; i++) {
        fputc(' ', y);
        for (const char *c = files[i]; *c; c++)
            fputc((unsigned char) *c < 0x20 || *c == 0x7f ? '?' : *c, y);
    }
    fputc('\n', y);
    for (size_t i = 0; i < I->nnotes; i++) fprintf(y, "# note: %s\n", I->notes[i]);
    fwrite(body, 1, blen, y);
    free(body);
    return ECS_OK;
}

static void imp_free(imp *I)
{
    for (size_t k = 0; k < I->ntd; k++) {
        tdef *t = &I->tds[k];
        free(t->name);
        free(t->family);
        for (size_t j = 0; j < t->nports; j++) free(t->ports[j].container);
        free(t->ports);
        free(t->constraints);
    }
    for (size_t i = 0; i < I->nsvc; i++) {
        svc *s = &I->svcs[i];
        free(s->name);
        free(s->td_family);
        free(s->strategy);
        free(s->constraints);
        free(s->lb);
        free(s->lb_container);
    }
    for (size_t i = 0; i < I->nnotes; i++) free(I->notes[i]);
    free(I->tds);
    free(I->svcs);
    free(I->notes);
    free(I->region);
}

int import_convert(const char *const *files, size_t n, char **yaml, char **notes, ecs_err *e)
{
    imp I;
    memset(&I, 0, sizeof I);
    I.e = e;
    *yaml = *notes = NULL;
    int rc = ECS_OK;
    for (size_t i = 0; i < n && rc == ECS_OK; i++) rc = parse_file(&I, files[i]);
    if (rc == ECS_OK && I.ntd == 0 && I.nsvc == 0)
        rc = err_set(e, ECS_EINPUT, "%s: no task definition or service to import",
                     n ? files[n - 1] : "import");
    if (rc == ECS_OK) {
        link_services(&I);
        name_tds(&I);
        name_services(&I);
        choose_ports(&I);
        char *buf = NULL;
        size_t len = 0;
        FILE *y = open_memstream(&buf, &len);
        if (!y) {
            rc = err_set(e, ECS_EINTERNAL, "open_memstream: %s", strerror(errno));
        } else {
            rc = write_yaml(&I, files, n, y);
            fclose(y);
            if (rc == ECS_OK) {
                *yaml = buf;
                char *all = xstrdup("");
                for (size_t i = 0; i < I.nnotes; i++) {
                    char *next = xasprintf("%s%s\n", all, I.notes[i]);
                    free(all);
                    all = next;
                }
                *notes = all;
            } else {
                free(buf);
            }
        }
    }
    imp_free(&I);
    return rc;
}

/* Loads what was written, as `ecsim run` would, so a scenario that does not
 * load is reported now rather than at the first run. */
static void self_check(const char *name, const char *yaml, FILE *err)
{
    ecs_err e;
    err_clear(&e);
    params *p = params_new(ecsim_registry());
    int rc = scenario_load_text(p, name, yaml, strlen(yaml), &e);
    if (rc == ECS_OK) rc = params_finish(p, &e);
    if (rc == ECS_OK) rc = run_validate(p, &e);
    if (rc != ECS_OK)
        fprintf(err, "ecsim: warning: the imported scenario does not load: %s\n", e.msg);
    params_free(p);
}

int import_main(int argc, char **argv, FILE *out, FILE *err)
{
    const char *out_file = NULL;
    const char **files = xcalloc((size_t) argc + 1, sizeof *files);
    size_t n = 0;
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_import, out);
            free(files);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
            if (i + 1 >= argc) {
                fprintf(err, "ecsim: %s: expected a value\n(see ecsim import --help)\n", a);
                rc = 2;
            } else {
                out_file = argv[++i];
            }
        } else if (strncmp(a, "--out=", 6) == 0) {
            out_file = a + 6;
        } else if (a[0] == '-' && a[1]) {
            fprintf(err, "ecsim: import: unknown option %s\n(see ecsim import --help)\n", a);
            rc = 2;
        } else {
            files[n++] = a;
        }
    }
    if (rc == 0 && n == 0) {
        fputs("ecsim: import: expected one or more JSON FILEs\n(see ecsim import --help)\n", err);
        rc = 2;
    }
    if (rc == 0 && out_file && !*out_file) {
        fputs("ecsim: -o: expected a file name\n(see ecsim import --help)\n", err);
        rc = 2;
    }
    char *yaml = NULL, *notes = NULL;
    ecs_err e;
    err_clear(&e);
    if (rc == 0 && import_convert(files, n, &yaml, &notes, &e) != ECS_OK) {
        fprintf(err, "ecsim: %s\n", e.msg);
        rc = err_exit_code(e.code);
    }
    if (rc == 0 && out_file) {
        afile *f = afile_open(NULL, out_file, &e);
        if (f) {
            fputs(yaml, afile_fp(f));
            if (afile_commit(f, &e) != ECS_OK) f = NULL;
        }
        if (!f) {
            fprintf(err, "ecsim: %s\n", e.msg);
            rc = err_exit_code(e.code);
        }
    } else if (rc == 0) {
        fputs(yaml, out);
    }
    if (rc == 0) {
        for (const char *s = notes; *s;) {
            size_t l = strcspn(s, "\n");
            fprintf(err, "ecsim: note: %.*s\n", (int) l, s);
            s += l + (s[l] == '\n');
        }
        self_check(out_file ? out_file : "(imported scenario)", yaml, err);
    }
    free(yaml);
    free(notes);
    free(files);
    return rc;
}
