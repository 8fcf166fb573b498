/* cpstrategy.c -- parsing capacity provider strategies and distributing a
 * service's tasks over them (see cpstrategy.h for the rule and its
 * sources). */
#include "cpstrategy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "models/fargate.h"
#include "sim/engine/xmalloc.h"

const param_def cpstrategy_params[] = {
    {"services.*.capacity_provider_strategy", PT_STR, "", 0, 0, "", NULL, 0, cpstrategy_check,
     "capacityProviderStrategy: \"FARGATE base=2 weight=1, FARGATE_SPOT weight=3\": up to 6 "
     "providers, FARGATE and FARGATE_SPOT or capacity_providers names (not both kinds), one "
     "base at most (API CapacityProviderStrategyItem). Each task gets its provider when it "
     "starts and runs only on that provider's capacity (with Auto Scaling group providers it "
     "waits in PROVISIONING for that provider). Empty: the task definition's launch type, or "
     "services.*.capacity_provider."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static int fail(char *expected, size_t len, const char *what)
{
    snprintf(expected, len, "%s", what);
    return -1;
}

/* Reads "<key>=<n>" at *s into *v (0 <= n <= max). */
static int read_kv(const char **s, const char *key, uint32_t max, uint32_t *v)
{
    size_t k = strlen(key);
    if (strncmp(*s, key, k) != 0 || (*s)[k] != '=') return 0;
    const char *q = *s + k + 1;
    if (!isdigit((unsigned char) *q)) return -1;
    unsigned long n = 0;
    while (isdigit((unsigned char) *q)) {
        n = n * 10 + (unsigned long) (*q - '0');
        if (n > max) return -1;
        q++;
    }
    *v = (uint32_t) n;
    *s = q;
    return 1;
}

int cpstrategy_parse(const char *text, cps_strategy *out, char *expected, size_t len)
{
    static const char *const form =
        "a comma-separated capacity provider strategy of at most 6 providers, each "
        "\"NAME [base=N] [weight=N]\" (base 0..100000, weight 0..1000), e.g. \"FARGATE base=2 "
        "weight=1, FARGATE_SPOT weight=3\"";
    memset(out, 0, sizeof *out);
    const char *s = text;
    bool weight_given[CPS_MAX_ITEMS] = {false};
    while (*s) {
        while (*s == ' ') s++;
        if (out->n == CPS_MAX_ITEMS) return fail(expected, len, form);
        cps_item *it = &out->items[out->n];
        size_t k = 0;
        while (s[k] && s[k] != ' ' && s[k] != ',') k++;
        if (k == 0 || k >= sizeof it->name) return fail(expected, len, form);
        memcpy(it->name, s, k);
        it->name[k] = '\0';
        s += k;
        it->kind = strcmp(it->name, "FARGATE") == 0        ? CPS_FARGATE
                   : strcmp(it->name, "FARGATE_SPOT") == 0 ? CPS_FARGATE_SPOT
                                                           : CPS_ASG;
        for (;;) {
            while (*s == ' ') s++;
            if (!*s || *s == ',') break;
            int r = read_kv(&s, "base", 100000, &it->base);
            if (r == 0) {
                r = read_kv(&s, "weight", 1000, &it->weight);
                if (r == 1) weight_given[out->n] = true;
            }
            if (r != 1) return fail(expected, len, form);
        }
        for (uint32_t j = 0; j < out->n; j++)
            if (strcmp(out->items[j].name, it->name) == 0)
                return fail(expected, len, "each capacity provider at most once in a strategy");
        out->n++;
        if (*s == ',') {
            s++;
            if (!*s) return fail(expected, len, form);
        }
    }
    if (out->n == 0) return 0;
    if (out->n == 1 && !weight_given[0]) out->items[0].weight = 1;
    uint32_t bases = 0, weight = 0, fargate = 0;
    for (uint32_t i = 0; i < out->n; i++) {
        bases += out->items[i].base > 0;
        weight += out->items[i].weight;
        fargate += out->items[i].kind != CPS_ASG;
    }
    if (bases > 1)
        return fail(expected, len,
                    "a strategy where only one capacity provider has a base (API "
                    "CapacityProviderStrategyItem)");
    if (weight == 0)
        return fail(expected, len,
                    "a strategy where at least one capacity provider has a weight above 0");
    if (fargate != 0 && fargate != out->n)
        return fail(expected, len,
                    "either Fargate providers (FARGATE, FARGATE_SPOT) or Auto Scaling group "
                    "providers, not both (fargate-capacity-providers.html)");
    return 0;
}

int cpstrategy_check(const char *text, char *expected, size_t len)
{
    cps_strategy s;
    return cpstrategy_parse(text, &s, expected, len);
}

uint32_t cpstrategy_next(const cps_strategy *s, const uint32_t *counts)
{
    uint32_t above[CPS_MAX_ITEMS], n_above = 0, w = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        const cps_item *it = &s->items[i];
        if (counts[i] < it->base) return i;
        above[i] = counts[i] - it->base;
        n_above += above[i];
        w += it->weight;
    }
    uint32_t best = 0;
    double best_deficit = -1e300;
    for (uint32_t i = 0; i < s->n; i++) {
        const cps_item *it = &s->items[i];
        if (it->weight == 0) continue;
        /* scaled by w to stay in integers: (n+1) x weight - above x w */
        double deficit = (double) (n_above + 1) * it->weight - (double) above[i] * w;
        if (deficit > best_deficit ||
            (deficit == best_deficit && it->weight > s->items[best].weight)) {
            best = i;
            best_deficit = deficit;
        }
    }
    return best;
}

void cpstrategy_distribute(const cps_strategy *s, uint32_t n, uint32_t *counts)
{
    memset(counts, 0, s->n * sizeof *counts);
    for (uint32_t k = 0; k < n; k++) counts[cpstrategy_next(s, counts)]++;
}

static int bad(const params *p, ecs_err *e, const char *svc, const char *what)
{
    param_loc at = params_where(p, "services.%s.capacity_provider_strategy", svc);
    return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                  "services.%s.capacity_provider_strategy: %s", svc, what);
}

int cpstrategy_init(cluster *c, const params *p, ecs_err *e)
{
    c->strategies = xcalloc(c->n_services ? c->n_services : 1, sizeof *c->strategies);
    for (uint32_t i = 0; i < c->n_services; i++) {
        const char *name = c->services[i].name;
        const char *text = params_str(p, "services.%s.capacity_provider_strategy", name);
        cps_strategy *s = &c->strategies[i];
        char expected[512];
        if (cpstrategy_parse(text, s, expected, sizeof expected) != 0)
            return bad(p, e, name, expected);
        if (s->n == 0) {
            if (fargate_def(c, c->services[i].def)) {
                snprintf(s->items[0].name, sizeof s->items[0].name, "FARGATE");
                s->items[0].kind = CPS_FARGATE;
                s->items[0].weight = 1;
                s->n = 1;
            }
            continue;
        }
        if (params_str(p, "services.%s.capacity_provider", name)[0])
            return bad(p, e, name,
                       "set either capacity_provider or capacity_provider_strategy, not both");
        if (s->items[0].kind != CPS_ASG) continue;
        cp_wait *w = &c->waits[i];
        for (uint32_t m = 0; m < s->n; m++) {
            int32_t k = -1;
            for (uint32_t j = 0; j < c->n_cps; j++)
                if (strcmp(c->cps[j].name, s->items[m].name) == 0) k = (int32_t) j;
            if (k < 0) {
                char what[160];
                snprintf(what, sizeof what,
                         "no capacity_providers named \"%s\" (nor FARGATE, FARGATE_SPOT)",
                         s->items[m].name);
                return bad(p, e, name, what);
            }
            w->cps[m] = k;
        }
        w->n_cps = s->n;
        w->cp = w->cps[0];
        w->pool = (int32_t) c->cps[w->cp].asg;
        /* one provider: it is the capacity provider, as capprov.c runs it;
         * several: the scheduler asks cpstrategy_asg which one each task
         * goes to */
        if (s->n == 1) s->n = 0;
    }
    return ECS_OK;
}

const cps_strategy *cpstrategy_fargate(const cluster *c, uint32_t svc)
{
    if (!c->strategies) return NULL;
    const cps_strategy *s = &c->strategies[svc];
    return s->n > 0 && s->items[0].kind != CPS_ASG ? s : NULL;
}

const cps_strategy *cpstrategy_asg(const cluster *c, uint32_t svc)
{
    if (!c->strategies) return NULL;
    const cps_strategy *s = &c->strategies[svc];
    return s->n > 1 && s->items[0].kind == CPS_ASG ? s : NULL;
}

cps_kind cpstrategy_next_kind(const cluster *c, const struct service *sv)
{
    const cps_strategy *s = &c->strategies[sv->id];
    uint32_t counts[CPS_MAX_ITEMS] = {0};
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->service != sv->id || t->state == TASK_STOPPED || t->stopping) continue;
        cps_kind k = c->hosts[t->host].billing == HOST_BILL_FARGATE_SPOT ? CPS_FARGATE_SPOT
                     : c->hosts[t->host].billing == HOST_BILL_FARGATE    ? CPS_FARGATE
                                                                         : CPS_ASG;
        for (uint32_t j = 0; j < s->n; j++)
            if (s->items[j].kind == k) counts[j]++;
    }
    return s->items[cpstrategy_next(s, counts)].kind;
}

void cpstrategy_fini(cluster *c)
{
    free(c->strategies);
    c->strategies = NULL;
}
