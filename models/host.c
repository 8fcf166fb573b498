/* host.c -- building the container instances from host groups; their
 * attributes, reserved host ports and ENI attachments. */
#include "host.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

const param_def host_params[] = {
    {"cluster.region", PT_ENUM, "", 0, 0, "us-east-1", "us-east-1|eu-west-1", 0, NULL,
     "AWS region whose on-demand prices the cost uses."},
    {"cluster.catalogue", PT_STR, "path", 0, 0, "", NULL, 0, NULL,
     "A CSV of instance types (the shape of models/instances.csv) to use instead of the "
     "built-in catalogue; empty for the built-in one."},
    {"cluster.reserved_memory_mib", PT_INT, "MiB", 0, 1048576, "0", NULL, 0, NULL,
     "ECS_RESERVED_MEMORY: memory of each instance the ECS agent keeps out of what it "
     "registers (the agent's default is 0)."},
    {"cluster.os_memory_overhead_fraction", PT_REAL, "", 0, 0.5, "0.025", NULL, 0, NULL,
     "Fraction of an instance's memory the OS keeps, so the agent registers less than the "
     "type's nominal memory (modelling assumption: 0.025 reproduces ECS's m4.large example, "
     "8192 -> 7985 MiB; Karpenter measures 3-11% on newer types; see models/instances.md)."},
    {"cluster.reserved_ports", PT_STR, "ports", 0, 0, "22, 2375, 2376, 51678, 51679", NULL, 0,
     host_ports_check,
     "ECS_RESERVED_PORTS: host ports the agent keeps from tasks on every instance (the agent's "
     "Linux default); a task whose static host port is one of them fits nowhere. They count "
     "towards ECS's 100 reserved ports per instance."},
    {"host_groups.*.instance_type", PT_STR, "", 0, 0, NULL, NULL, PF_REQUIRED, NULL,
     "EC2 instance type of the group's hosts, from the catalogue (e.g. m5.large)."},
    {"host_groups.*.count", PT_INT, "hosts", 0, 10000, "1", NULL, 0, NULL, "Hosts in the group."},
    {"host_groups.*.zone", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "Availability zone of the group's hosts; empty means the region's first zone "
     "(<region>a)."},
    {"host_groups.*.attributes", PT_STR, "", 0, 0, "", NULL, 0, host_attributes_check,
     "Custom container instance attributes of the group's hosts, \"name=value, name2=value2\" "
     "(a name alone has no value), for placement constraints (memberOf(attribute:name == "
     "value)) and spread:attribute:name. Built in: ecs.instance-type, ecs.availability-zone, "
     "ecs.os-type (linux)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

/* ---- custom attributes: "name=value, name2, name3=value3" ---- */

/* One entry of an attributes text, trimmed of blanks around the name and
 * the value. */
typedef struct attr_entry {
    const char *name, *val;
    size_t name_len, val_len;
    int has_val; /* an '=' was given */
} attr_entry;

static const char *trim(const char *a, const char **b)
{
    while (a < *b && isspace((unsigned char) *a)) a++;
    while (*b > a && isspace((unsigned char) (*b)[-1])) (*b)--;
    return a;
}

/* The entry starting at s (up to the next ',' or the end); returns where the
 * next one starts, or NULL when s was the last. */
static const char *attr_next(const char *s, attr_entry *a)
{
    const char *end = s + strcspn(s, ",");
    const char *eq = memchr(s, '=', (size_t) (end - s));
    const char *ne = eq ? eq : end;
    a->name = trim(s, &ne);
    a->name_len = (size_t) (ne - a->name);
    a->has_val = eq != NULL;
    const char *ve = end;
    a->val = eq ? trim(eq + 1, &ve) : end;
    a->val_len = eq ? (size_t) (ve - a->val) : 0;
    return *end == ',' ? end + 1 : NULL;
}

/* Name and value characters ECS allows for custom attributes
 * (task-placement-constraints.html): names letters, digits, '-', '_', '/',
 * '\' and '.'; values those, '@', ':' and spaces. */
static int name_char(int c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '/' || c == '\\' || c == '.';
}

static int value_char(int c)
{
    return name_char(c) || c == '@' || c == ':' || c == ' ';
}

int host_attr_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > HOST_ATTR_MAX) return 0;
    for (size_t i = 0; i < len; i++)
        if (!name_char((unsigned char) name[i])) return 0;
    return 1;
}

int host_attributes_check(const char *text, char *expected, size_t len)
{
    static const char *want = "custom attributes \"name=value, name2=value2\"";
    if (!*text) return 0;
    int k = 1;
    for (const char *s = text; s; k++) {
        attr_entry a;
        const char *next = attr_next(s, &a);
        if (!host_attr_name_ok(a.name, a.name_len)) {
            snprintf(expected, len,
                     "%s (entry %d: a name of 1 to %d letters, digits, -, _, ., / or \\)", want, k,
                     HOST_ATTR_MAX);
            return -1;
        }
        if (a.name_len >= 4 && strncmp(a.name, "ecs.", 4) == 0) {
            snprintf(expected, len, "%s (entry %d: names starting ecs. are the built-in ones)",
                     want, k);
            return -1;
        }
        int bad_val = a.has_val && (a.val_len == 0 || a.val_len > HOST_ATTR_MAX);
        for (size_t i = 0; a.has_val && i < a.val_len; i++)
            bad_val |= !value_char((unsigned char) a.val[i]);
        if (bad_val) {
            snprintf(expected, len,
                     "%s (entry %d: a value of 1 to %d letters, digits, spaces, -, _, ., @, :, / "
                     "or \\)",
                     want, k, HOST_ATTR_MAX);
            return -1;
        }
        for (const char *t = text; t != s;) {
            attr_entry b;
            t = attr_next(t, &b);
            if (b.name_len == a.name_len && memcmp(b.name, a.name, a.name_len) == 0) {
                snprintf(expected, len, "%s (entry %d: %.*s is given twice)", want, k,
                         (int) a.name_len, a.name);
                return -1;
            }
        }
        s = next;
    }
    return 0;
}

int host_attr(const host *h, const char *name, const char **val, size_t *len)
{
    const char *builtin = NULL;
    if (strcmp(name, "ecs.instance-type") == 0)
        builtin = h->type->name;
    else if (strcmp(name, "ecs.availability-zone") == 0)
        builtin = h->zone;
    else if (strcmp(name, "ecs.os-type") == 0)
        builtin = "linux"; /* the catalogue's prices are Linux ones */
    if (builtin) {
        *val = builtin;
        *len = strlen(builtin);
        return 1;
    }
    size_t nl = strlen(name);
    for (const char *s = h->attributes && *h->attributes ? h->attributes : NULL; s;) {
        attr_entry a;
        s = attr_next(s, &a);
        if (a.name_len == nl && memcmp(a.name, name, nl) == 0) {
            *val = a.val;
            *len = a.val_len;
            return 1;
        }
    }
    return 0;
}

/* ---- reserved host ports ---- */

/* Parses "22, 2375" into ports (at most HOST_MAX_PORTS); returns the count,
 * or -1 with `why` saying what is wrong. */
static int parse_ports(const char *text, uint16_t *ports, char *why, size_t len)
{
    int n = 0;
    const char *s = text;
    while (*s == ' ') s++;
    if (!*s) return 0;
    for (;;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || !isdigit((unsigned char) *s) || v < 1 || v > 65535) {
            snprintf(why, len, "ports in [1, 65535] separated by commas");
            return -1;
        }
        for (int i = 0; i < n; i++)
            if (ports[i] == v) {
                snprintf(why, len, "each port once (%ld is given twice)", v);
                return -1;
            }
        if (n == HOST_MAX_PORTS) {
            snprintf(why, len, "at most %d ports (ECS's limit of reserved ports per instance)",
                     HOST_MAX_PORTS);
            return -1;
        }
        ports[n++] = (uint16_t) v;
        s = end;
        while (*s == ' ') s++;
        if (!*s) return n;
        if (*s != ',') {
            snprintf(why, len, "ports in [1, 65535] separated by commas");
            return -1;
        }
        s++;
        while (*s == ' ') s++;
    }
}

int host_ports_check(const char *text, char *expected, size_t len)
{
    uint16_t ports[HOST_MAX_PORTS];
    return parse_ports(text, ports, expected, len) < 0 ? -1 : 0;
}

int host_port_used(const host *h, uint16_t port)
{
    for (uint16_t i = 0; i < h->n_ports; i++)
        if (h->ports[i] == port) return 1;
    return 0;
}

int host_port_take(host *h, uint16_t port)
{
    if (h->n_ports == HOST_MAX_PORTS) return -1;
    h->ports[h->n_ports++] = port;
    return 0;
}

void host_port_give(host *h, uint16_t port)
{
    for (uint16_t i = 0; i < h->n_ports; i++)
        if (h->ports[i] == port) {
            h->ports[i] = h->ports[--h->n_ports];
            return;
        }
    assert(!"host_port_give: port not reserved");
}

int host_task_eni_limit(const host *h)
{
    return h->type->max_enis > 1 ? h->type->max_enis - 1 : 0;
}

/* What the agent registers: the memory the OS reports (nominal less the OS's
 * share) less ECS_RESERVED_MEMORY (container-instance memory management). */
int64_t host_registered_mib(const host_env *env, const instance_type *it)
{
    return it->memory_mib - (int64_t) ceil((double) it->memory_mib * env->os_fraction) -
           env->reserved_mib;
}

void host_env_read(host_env *env, const params *p)
{
    memset(env, 0, sizeof *env);
    env->region = catalogue_region_index(params_str(p, "cluster.region"));
    env->reserved_mib = params_int(p, "cluster.reserved_memory_mib");
    env->os_fraction = params_real(p, "cluster.os_memory_overhead_fraction");
    char why[160];
    env->n_reserved =
        parse_ports(params_str(p, "cluster.reserved_ports"), env->reserved, why, sizeof why);
    assert(env->n_reserved >= 0); /* host_ports_check passed */
}

void host_init(host *h, const host_env *env, uint32_t id, const char *group, uint32_t k,
               const char *zone, const instance_type *it, const char *attributes)
{
    memset(h, 0, sizeof *h);
    h->id = id;
    h->index_in_group = k;
    h->group = group;
    snprintf(h->zone, sizeof h->zone, "%s", zone);
    h->type = it;
    h->state = HOST_ACTIVE;
    h->cpu_units = (int64_t) it->vcpu * 1024;
    h->memory_mib = host_registered_mib(env, it);
    h->cpu_free_units = h->cpu_units;
    h->memory_free_mib = h->memory_mib;
    h->usd_per_hour = it->usd_per_hour[env->region];
    h->launched_s = 0;
    h->terminated_s = INFINITY;
    h->attributes = attributes;
    h->n_ports = (uint16_t) env->n_reserved;
    memcpy(h->ports, env->reserved, (size_t) env->n_reserved * sizeof *env->reserved);
    h->task_enis = 0;
    h->asg = -1;
    h->in_service_s = -INFINITY;
    h->initial = true;
}

int hosts_build(const params *p, catalogue **cat_out, host **hosts_out, uint32_t *n_out, ecs_err *e)
{
    *cat_out = NULL;
    *hosts_out = NULL;
    *n_out = 0;
    const char *path = params_str(p, "cluster.catalogue");
    catalogue *cat = path[0] ? catalogue_load_file(path, e) : catalogue_load_default(e);
    if (!cat) return e->code;
    const char *region = params_str(p, "cluster.region");
    host_env env;
    host_env_read(&env, p);

    size_t groups = params_count(p, "host_groups");
    uint32_t total = 0;
    for (size_t g = 0; g < groups; g++) {
        const char *name = params_object(p, "host_groups", g);
        const char *type = params_str(p, "host_groups.%s.instance_type", name);
        const instance_type *it = catalogue_find(cat, type);
        param_loc at = params_where(p, "host_groups.%s.instance_type", name);
        const char *where = at.file ? at.file : "scenario";
        if (!it) {
            const char *close = catalogue_suggest(cat, type);
            err_at(e, ECS_EINPUT, where, at.line, at.column,
                   "host_groups.%s.instance_type: unknown instance type \"%s\"%s%s%s", name, type,
                   close ? "; did you mean " : " (not in the catalogue)", close ? close : "",
                   close ? "?" : "");
            catalogue_free(cat);
            return ECS_EINPUT;
        }
        if (host_registered_mib(&env, it) <= 0) {
            param_loc rat = params_where(p, "cluster.reserved_memory_mib");
            err_at(e, ECS_EINPUT, rat.file ? rat.file : where, rat.line, rat.column,
                   "cluster.reserved_memory_mib: %lld MiB leaves no memory on %s (%lld MiB)",
                   (long long) env.reserved_mib, it->name, (long long) it->memory_mib);
            catalogue_free(cat);
            return ECS_EINPUT;
        }
        total += (uint32_t) params_int(p, "host_groups.%s.count", name);
    }

    host *hosts = xcalloc(total ? total : 1, sizeof *hosts);
    uint32_t n = 0;
    for (size_t g = 0; g < groups; g++) {
        const char *name = params_object(p, "host_groups", g);
        const instance_type *it =
            catalogue_find(cat, params_str(p, "host_groups.%s.instance_type", name));
        const char *zone = params_str(p, "host_groups.%s.zone", name);
        char first_zone[32];
        snprintf(first_zone, sizeof first_zone, "%sa", region);
        uint32_t count = (uint32_t) params_int(p, "host_groups.%s.count", name);
        for (uint32_t k = 0; k < count; k++) {
            host_init(&hosts[n], &env, n, name, k + 1, zone[0] ? zone : first_zone, it,
                      params_str(p, "host_groups.%s.attributes", name));
            n++;
        }
    }
    *cat_out = cat;
    *hosts_out = hosts;
    *n_out = n;
    return ECS_OK;
}

void host_name(const host *h, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%u", h->group, h->index_in_group);
}
