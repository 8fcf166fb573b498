/* placement.c -- the strategy chain over the hosts that fit. Placement runs
 * when a service starts or replaces tasks, not per request, so plain scans
 * over the hosts are the right cost. */
#include "placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/xmalloc.h"

static const struct {
    const char *word;
    placement_rule rule;
} rule_words[] = {
    {"binpack:cpu", PLACE_BINPACK_CPU}, {"binpack:memory", PLACE_BINPACK_MEMORY},
    {"spread:zone", PLACE_SPREAD_ZONE}, {"spread:host", PLACE_SPREAD_HOST},
    {"random", PLACE_RANDOM},
};
#define N_RULE_WORDS (sizeof rule_words / sizeof *rule_words)

int placement_parse(const char *text, placement_chain *out, char *expected, size_t len)
{
    static const char *want = "a comma-separated chain of at most 5 of binpack:cpu, "
                              "binpack:memory, spread:zone, spread:host, random";
    out->n = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m > 0 && p[m - 1] == ' ') m--;
        size_t k = 0;
        while (k < N_RULE_WORDS &&
               !(strlen(rule_words[k].word) == m && strncmp(rule_words[k].word, p, m) == 0))
            k++;
        if (k == N_RULE_WORDS || out->n == PLACEMENT_MAX_RULES) {
            snprintf(expected, len, "%s", want);
            return -1;
        }
        out->rules[out->n++] = rule_words[k].rule;
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

static int64_t zone_count(const host *hosts, uint32_t n_hosts, const uint32_t *svc_tasks,
                          const char *zone)
{
    int64_t sum = 0;
    for (uint32_t i = 0; i < n_hosts; i++)
        if (hosts[i].state == HOST_ACTIVE && strcmp(hosts[i].zone, zone) == 0) sum += svc_tasks[i];
    return sum;
}

static int64_t score(placement_rule rule, const host *hosts, uint32_t n_hosts,
                     const uint32_t *svc_tasks, uint32_t h)
{
    switch (rule) {
    case PLACE_BINPACK_CPU:
        return hosts[h].cpu_free_units;
    case PLACE_BINPACK_MEMORY:
        return hosts[h].memory_free_mib;
    case PLACE_SPREAD_HOST:
        return svc_tasks[h];
    case PLACE_SPREAD_ZONE:
        return zone_count(hosts, n_hosts, svc_tasks, hosts[h].zone);
    case PLACE_RANDOM:
        return 0;
    }
    return 0;
}

static void explain(const host *hosts, uint32_t n_hosts, int64_t cpu_units, int64_t memory_mib,
                    char *why, size_t why_len)
{
    int best = -1, lacks_cpu = 0;
    for (uint32_t i = 0; i < n_hosts; i++) {
        if (hosts[i].state != HOST_ACTIVE) continue;
        int cpu_short = hosts[i].cpu_free_units < cpu_units;
        /* the closest host is one that lacks only one resource, most free cpu first */
        if (best < 0 || hosts[i].cpu_free_units > hosts[best].cpu_free_units) {
            best = (int) i;
            lacks_cpu = cpu_short;
        }
    }
    if (best < 0) {
        snprintf(why, why_len, "No Container Instances were found in your cluster.");
        return;
    }
    char name[96];
    host_name(&hosts[best], name, sizeof name);
    if (lacks_cpu || hosts[best].memory_free_mib >= memory_mib)
        snprintf(why, why_len,
                 "The closest matching container-instance %s has insufficient CPU units "
                 "available (%lld free, %lld needed).",
                 name, (long long) hosts[best].cpu_free_units, (long long) cpu_units);
    else
        snprintf(why, why_len,
                 "The closest matching container-instance %s has insufficient memory available "
                 "(%lld MiB free, %lld needed).",
                 name, (long long) hosts[best].memory_free_mib, (long long) memory_mib);
}

int placement_choose(const placement_chain *c, const host *hosts, uint32_t n_hosts,
                     const uint32_t *svc_tasks, int64_t cpu_units, int64_t memory_mib,
                     gsl_rng *ties, char *why, size_t why_len)
{
    uint32_t *cand = xmalloc((n_hosts ? n_hosts : 1) * sizeof *cand);
    uint32_t n = 0;
    for (uint32_t i = 0; i < n_hosts; i++)
        if (hosts[i].state == HOST_ACTIVE && hosts[i].cpu_free_units >= cpu_units &&
            hosts[i].memory_free_mib >= memory_mib)
            cand[n++] = i;
    if (n == 0) {
        explain(hosts, n_hosts, cpu_units, memory_mib, why, why_len);
        free(cand);
        return -1;
    }
    for (int r = 0; r < c->n && n > 1; r++) {
        if (c->rules[r] == PLACE_RANDOM) {
            cand[0] = cand[gsl_rng_uniform_int(ties, n)];
            n = 1;
            break;
        }
        int64_t best = INT64_MAX;
        for (uint32_t k = 0; k < n; k++) {
            int64_t v = score(c->rules[r], hosts, n_hosts, svc_tasks, cand[k]);
            if (v < best) best = v;
        }
        uint32_t kept = 0;
        for (uint32_t k = 0; k < n; k++)
            if (score(c->rules[r], hosts, n_hosts, svc_tasks, cand[k]) == best)
                cand[kept++] = cand[k];
        n = kept;
    }
    int chosen = (int) cand[n > 1 ? gsl_rng_uniform_int(ties, n) : 0];
    free(cand);
    return chosen;
}
