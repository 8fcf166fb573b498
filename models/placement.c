/* placement.c -- the strategy chain over the hosts that fit, the reason a
 * task fits nowhere, and a host's reservations. Placement runs when a
 * service starts or replaces tasks, not per request, so plain scans over the
 * hosts are the right cost; spread counts only the hosts that run the
 * service (a few), so a scan stays linear in the hosts. */
#include "placement.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

static const struct {
    const char *word;
    placement_rule rule;
} rule_words[] = {
    {"binpack:cpu", PLACE_BINPACK_CPU},
    {"binpack:memory", PLACE_BINPACK_MEMORY},
    {"spread:zone", PLACE_SPREAD_ZONE},
    {"spread:attribute:ecs.availability-zone", PLACE_SPREAD_ZONE},
    {"spread:host", PLACE_SPREAD_HOST},
    {"spread:instanceId", PLACE_SPREAD_HOST},
    {"spread:instance_type", PLACE_SPREAD_INSTANCE_TYPE},
    {"spread:attribute:ecs.instance-type", PLACE_SPREAD_INSTANCE_TYPE},
    {"random", PLACE_RANDOM},
};
#define N_RULE_WORDS (sizeof rule_words / sizeof *rule_words)

int placement_parse(const char *text, placement_chain *out, char *expected, size_t len)
{
    static const char *want = "a comma-separated chain of at most 5 of binpack:cpu, "
                              "binpack:memory, spread:zone, spread:host, spread:instance_type, "
                              "spread:attribute:<name>, random";
    out->n = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m > 0 && p[m - 1] == ' ') m--;
        if (out->n == PLACEMENT_MAX_RULES) {
            snprintf(expected, len, "at most %d strategies (ECS's limit)", PLACEMENT_MAX_RULES);
            return -1;
        }
        size_t k = 0;
        while (k < N_RULE_WORDS &&
               !(strlen(rule_words[k].word) == m && strncmp(rule_words[k].word, p, m) == 0))
            k++;
        static const char attr[] = "spread:attribute:";
        const size_t al = sizeof attr - 1;
        if (k < N_RULE_WORDS) {
            out->rules[out->n] = rule_words[k].rule;
            out->attrs[out->n][0] = '\0';
        } else if (m > al && strncmp(p, attr, al) == 0) {
            if (!host_attr_name_ok(p + al, m - al)) {
                snprintf(expected, len,
                         "spread:attribute:<name> with a name of 1 to %d letters, digits, -, _, "
                         "., / or \\",
                         HOST_ATTR_MAX);
                return -1;
            }
            out->rules[out->n] = PLACE_SPREAD_ATTRIBUTE;
            snprintf(out->attrs[out->n], sizeof out->attrs[out->n], "%.*s", (int) (m - al), p + al);
        } else {
            snprintf(expected, len, "%s (\"%.*s\" is none of them)", want, (int) (m < 64 ? m : 64),
                     p);
            return -1;
        }
        out->n++;
        p += n;
        if (*p == ',') p++;
    }
    if (out->n == 0) {
        snprintf(expected, len, "%s", want);
        return -1;
    }
    return 0;
}

int placement_check(const char *text, char *expected, size_t len)
{
    placement_chain c;
    return placement_parse(text, &c, expected, len);
}

void placement_need_init(placement_need *n, const task_def *d, const constraint_set *cs)
{
    n->cpu_units = d->cpu_units;
    n->memory_mib = d->memory_mib;
    n->network_mode = d->net.mode;
    n->host_port = netmode_static_port(&d->net);
    n->constraints = cs;
}

unsigned placement_misfits(const host *h, const placement_need *n, uint32_t svc_tasks_on_h)
{
    unsigned m = 0;
    if (h->state != HOST_ACTIVE) m |= PLACE_MISFIT_INACTIVE;
    if (h->cpu_free_units < n->cpu_units) m |= PLACE_MISFIT_CPU;
    if (h->memory_free_mib < n->memory_mib) m |= PLACE_MISFIT_MEMORY;
    if (n->host_port && host_port_used(h, n->host_port))
        m |= PLACE_MISFIT_PORT;
    else if (n->host_port && h->n_ports >= HOST_MAX_PORTS)
        m |= PLACE_MISFIT_PORT_LIMIT;
    if (n->network_mode == NET_AWSVPC && h->task_enis >= host_task_eni_limit(h))
        m |= PLACE_MISFIT_ENI;
    if (n->constraints) {
        if (n->constraints->distinct_instance && svc_tasks_on_h > 0) m |= PLACE_MISFIT_DISTINCT;
        if (!constraint_member_of(n->constraints, h)) m |= PLACE_MISFIT_MEMBER_OF;
    }
    return m;
}

/* A host's value of a spread field; 0 when it has none (its own group). */
static int field_of(const placement_chain *c, int r, const host *h, const char **v, size_t *len)
{
    switch (c->rules[r]) {
    case PLACE_SPREAD_ZONE:
        *v = h->zone;
        break;
    case PLACE_SPREAD_INSTANCE_TYPE:
        *v = h->type->name;
        break;
    case PLACE_SPREAD_ATTRIBUTE:
        return host_attr(h, c->attrs[r], v, len);
    default:
        *v = "";
        break;
    }
    *len = strlen(*v);
    return 1;
}

/* The service's tasks in h's group of spread rule r: on the hosts (among
 * `occupied`, the ACTIVE hosts that run some) with h's value of the field. */
static int64_t group_tasks(const placement_chain *c, int r, const host *hosts,
                           const uint32_t *svc_tasks, const uint32_t *occupied, uint32_t n_occ,
                           const host *h)
{
    const char *v, *w;
    size_t vl, wl;
    int has = field_of(c, r, h, &v, &vl);
    int64_t sum = 0;
    for (uint32_t k = 0; k < n_occ; k++) {
        const host *o = &hosts[occupied[k]];
        int ohas = field_of(c, r, o, &w, &wl);
        if (ohas == has && (!has || (wl == vl && memcmp(v, w, vl) == 0)))
            sum += svc_tasks[occupied[k]];
    }
    return sum;
}

static int64_t score(const placement_chain *c, int r, const host *hosts, const uint32_t *svc_tasks,
                     const uint32_t *occupied, uint32_t n_occ, uint32_t h)
{
    switch (c->rules[r]) {
    case PLACE_BINPACK_CPU:
        return hosts[h].cpu_free_units;
    case PLACE_BINPACK_MEMORY:
        return hosts[h].memory_free_mib;
    case PLACE_SPREAD_HOST:
        return svc_tasks ? svc_tasks[h] : 0;
    case PLACE_SPREAD_ZONE:
    case PLACE_SPREAD_INSTANCE_TYPE:
    case PLACE_SPREAD_ATTRIBUTE:
        return svc_tasks ? group_tasks(c, r, hosts, svc_tasks, occupied, n_occ, &hosts[h]) : 0;
    case PLACE_RANDOM:
        return 0;
    }
    return 0;
}

static int bits(unsigned m)
{
    int n = 0;
    for (; m; m &= m - 1) n++;
    return n;
}

/* ECS's service event names the closest matching instance and what it
 * lacks (service-event-messages.html). Constraints are binding and the
 * user's own, so a host that meets them is "matching": when some do, the
 * closest is the one among them lacking the fewest resources, and its first
 * missing resource is named in ECS's order of checks (CPU, memory, ports,
 * ENIs: task-placement.html); when none does, the closest is the host
 * failing the fewest requirements, and the constraint it fails is named.
 * Ties: the most CPU free, then the most memory free, then the first. */
static void explain(const host *hosts, uint32_t n_hosts, int32_t pool, const placement_need *need,
                    const uint32_t *svc_tasks, char *why, size_t why_len)
{
    const unsigned cons = PLACE_MISFIT_DISTINCT | PLACE_MISFIT_MEMBER_OF;
    int best = -1, best_bits = 0, best_meets = 0;
    unsigned best_m = 0;
    for (uint32_t i = 0; i < n_hosts; i++) {
        const host *h = &hosts[i];
        if (h->state != HOST_ACTIVE || (pool >= 0 && h->asg != pool)) continue;
        if (h->billing >= HOST_BILL_FARGATE) continue; /* a Fargate task's own record */
        unsigned m = placement_misfits(h, need, svc_tasks ? svc_tasks[i] : 0);
        int meets = !(m & cons), b = bits(m);
        const host *o = best >= 0 ? &hosts[best] : NULL;
        if (!o || meets > best_meets ||
            (meets == best_meets &&
             (b < best_bits || (b == best_bits && (h->cpu_free_units > o->cpu_free_units ||
                                                   (h->cpu_free_units == o->cpu_free_units &&
                                                    h->memory_free_mib > o->memory_free_mib)))))) {
            best = (int) i;
            best_bits = b;
            best_meets = meets;
            best_m = m;
        }
    }
    if (best < 0) {
        snprintf(why, why_len, "Reason: No Container Instances were found in your cluster.");
        return;
    }
    const host *h = &hosts[best];
    char name[96], what[200];
    host_name(h, name, sizeof name);
    if (best_m & PLACE_MISFIT_MEMBER_OF)
        snprintf(what, sizeof what,
                 "encountered error \"MemberOf placement constraint unsatisfied.\"");
    else if (best_m & PLACE_MISFIT_DISTINCT)
        snprintf(what, sizeof what,
                 "encountered error \"DistinctInstance placement constraint unsatisfied.\"");
    else if (best_m & PLACE_MISFIT_CPU)
        snprintf(what, sizeof what, "has insufficient CPU units available (%lld free, %lld needed)",
                 (long long) h->cpu_free_units, (long long) need->cpu_units);
    else if (best_m & PLACE_MISFIT_MEMORY)
        snprintf(what, sizeof what,
                 "has insufficient memory available (%lld MiB free, %lld needed)",
                 (long long) h->memory_free_mib, (long long) need->memory_mib);
    else if (best_m & PLACE_MISFIT_PORT)
        snprintf(what, sizeof what, "is already using a port required by your task (host port %u)",
                 (unsigned) need->host_port);
    else if (best_m & PLACE_MISFIT_PORT_LIMIT)
        snprintf(what, sizeof what,
                 "has no host port left to reserve (%d reserved, ECS's limit per instance)",
                 HOST_MAX_PORTS);
    else
        snprintf(what, sizeof what,
                 "encountered error \"RESOURCE:ENI\" (%d of %d task ENIs attached on %s)",
                 (int) h->task_enis, host_task_eni_limit(h), h->type->name);
    /* a sentence of ECS's ends with its own full stop; ours after a detail */
    size_t wl = strlen(what);
    snprintf(why, why_len, "The closest matching container-instance %s %s%s", name, what,
             wl && what[wl - 1] == '"' ? "" : ".");
}

int placement_choose(const placement_chain *c, const placement_need *need, const host *hosts,
                     uint32_t n_hosts, const uint32_t *svc_tasks, gsl_rng *ties, char *why,
                     size_t why_len)
{
    return placement_choose_in(c, need, hosts, n_hosts, -1, svc_tasks, ties, why, why_len);
}

int placement_choose_in(const placement_chain *c, const placement_need *need, const host *hosts,
                        uint32_t n_hosts, int32_t pool, const uint32_t *svc_tasks, gsl_rng *ties,
                        char *why, size_t why_len)
{
    uint32_t *cand = xmalloc((n_hosts ? n_hosts : 1) * 2 * sizeof *cand);
    uint32_t *occupied = cand + (n_hosts ? n_hosts : 1);
    int64_t *sc = NULL;
    uint32_t n = 0, n_occ = 0;
    for (uint32_t i = 0; i < n_hosts; i++) {
        if (pool >= 0 && hosts[i].asg != pool) continue;
        if (hosts[i].billing >= HOST_BILL_FARGATE) continue; /* a Fargate task's own record */
        uint32_t on = svc_tasks ? svc_tasks[i] : 0;
        if (placement_misfits(&hosts[i], need, on) == 0) cand[n++] = i;
        if (on > 0 && hosts[i].state == HOST_ACTIVE) occupied[n_occ++] = i;
    }
    if (n == 0) {
        explain(hosts, n_hosts, pool, need, svc_tasks, why, why_len);
        free(cand);
        return -1;
    }
    if (n > 1) sc = xmalloc(n * sizeof *sc);
    for (int r = 0; r < c->n && n > 1; r++) {
        if (c->rules[r] == PLACE_RANDOM) {
            cand[0] = cand[gsl_rng_uniform_int(ties, n)];
            n = 1;
            break;
        }
        int64_t best = INT64_MAX;
        for (uint32_t k = 0; k < n; k++) {
            sc[k] = score(c, r, hosts, svc_tasks, occupied, n_occ, cand[k]);
            if (sc[k] < best) best = sc[k];
        }
        uint32_t kept = 0;
        for (uint32_t k = 0; k < n; k++)
            if (sc[k] == best) cand[kept++] = cand[k];
        n = kept;
    }
    int chosen = (int) cand[n > 1 ? gsl_rng_uniform_int(ties, n) : 0];
    free(sc);
    free(cand);
    return chosen;
}

void placement_take(host *h, const placement_need *n)
{
    assert(
        !(placement_misfits(h, n, 0) & (PLACE_MISFIT_CPU | PLACE_MISFIT_MEMORY | PLACE_MISFIT_PORT |
                                        PLACE_MISFIT_PORT_LIMIT | PLACE_MISFIT_ENI)));
    h->cpu_free_units -= n->cpu_units;
    h->memory_free_mib -= n->memory_mib;
    h->n_tasks++;
    if (n->host_port) host_port_take(h, n->host_port);
    if (n->network_mode == NET_AWSVPC) h->task_enis++;
}

void placement_give(host *h, const placement_need *n)
{
    h->cpu_free_units += n->cpu_units;
    h->memory_free_mib += n->memory_mib;
    h->n_tasks--;
    if (n->host_port) host_port_give(h, n->host_port);
    if (n->network_mode == NET_AWSVPC) h->task_enis--;
}
