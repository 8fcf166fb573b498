/* reqlog.c -- the per-request log (see reqlog.h). */
#include "sim/reqlog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/engine/xmalloc.h"

reqlog *reqlog_open(const char *path, double rate, uint64_t seed, const struct cluster *c,
                    ecs_err *e)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int) (slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    if (slash && slash == path) snprintf(dir, sizeof dir, "/");
    afile *f = afile_open(dir, slash ? slash + 1 : path, e);
    if (!f) return NULL;
    reqlog *l = xcalloc(1, sizeof *l);
    l->f = f;
    l->c = c;
    l->rate = rate;
    l->seed = seed;
    l->per_service = xcalloc(c->n_services ? c->n_services : 1, sizeof *l->per_service);
    csvw_init(&l->w, afile_fp(f));
    static const char *const head[] = {"request", "service", "class",     "arrival_s",
                                       "start_s", "end_s",   "latency_s", "task",
                                       "host",    "status",  "retries"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) csvw_str(&l->w, head[i]);
    csvw_end(&l->w);
    return l;
}

/* splitmix64: a request's number and the seed to a uniform in [0, 1) */
static double keep_draw(uint64_t seed, uint64_t k)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15ULL + k + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double) (z >> 11) * 0x1.0p-53;
}

/* Tasks are numbered within their service in creation order; the cluster's
 * array only grows, so the numbers are extended as new tasks appear. */
static uint32_t task_ordinal(reqlog *l, uint32_t id)
{
    const cluster *c = l->c;
    while (l->n_ordinal <= id && l->n_ordinal < c->n_tasks) {
        if (l->n_ordinal == l->cap_ordinal) {
            l->cap_ordinal = l->cap_ordinal ? 2 * l->cap_ordinal : 64;
            l->ordinal = xrealloc(l->ordinal, l->cap_ordinal * sizeof *l->ordinal);
        }
        l->ordinal[l->n_ordinal] = ++l->per_service[c->tasks[l->n_ordinal].service];
        l->n_ordinal++;
    }
    return id < l->n_ordinal ? l->ordinal[id] : 0;
}

static void on_done(void *ctx, const request *r, double now_s, int status)
{
    reqlog *l = ctx;
    uint64_t k = ++l->n;
    if (l->rate < 1 && keep_draw(l->seed, k) >= l->rate) return;
    const cluster *c = l->c;
    csvw *w = &l->w;
    csvw_uint(w, k);
    csvw_str(w, r->service < c->n_services ? c->services[r->service].name : "");
    csvw_str(w, r->cls < c->rec.n_cls ? c->rec.cls[r->cls].name : "");
    csvw_real(w, r->first_s);
    csvw_real(w, r->start_s >= 0 ? r->start_s : NAN);
    csvw_real(w, now_s);
    csvw_real(w, now_s - r->first_s);
    if (r->task != REQUEST_NONE && r->task < c->n_tasks) {
        const task *t = &c->tasks[r->task];
        char name[256];
        snprintf(name, sizeof name, "%s/%u", c->services[t->service].name,
                 task_ordinal(l, r->task));
        csvw_str(w, name);
        host_name(&c->hosts[t->host], name, sizeof name);
        csvw_str(w, name);
    } else {
        csvw_str(w, "");
        csvw_str(w, "");
    }
    if (status > 0)
        csvw_int(w, status);
    else
        csvw_str(w, "timeout");
    csvw_uint(w, r->attempt);
    csvw_end(w);
    l->written++;
}

void reqlog_attach(reqlog *l, struct cluster *c)
{
    c->cenv.log = on_done;
    c->cenv.log_ctx = l;
}

int reqlog_commit(reqlog *l, ecs_err *e)
{
    int rc = afile_commit(l->f, e);
    free(l->ordinal);
    free(l->per_service);
    free(l);
    return rc;
}

void reqlog_abort(reqlog *l)
{
    if (!l) return;
    afile_abort(l->f);
    free(l->ordinal);
    free(l->per_service);
    free(l);
}
