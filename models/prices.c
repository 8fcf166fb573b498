/* prices.c -- reading models/prices.csv as compiled in. The file is ours,
 * plain (no quoted fields) and small, so each lookup scans it. */
#include "models/prices.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern const char prices_csv_start[], prices_csv_end[];

/* Calls fn for each data row's first five fields until it returns nonzero. */
typedef int (*row_fn)(void *ctx, char f[5][64]);

static void scan(row_fn fn, void *ctx)
{
    /* two symbols of one assembled object: their distance through integers */
    size_t len = (size_t) ((uintptr_t) prices_csv_end - (uintptr_t) prices_csv_start);
    const char *s = prices_csv_start, *end = prices_csv_start + len;
    int header = 1;
    while (s < end) {
        const char *eol = memchr(s, '\n', (size_t) (end - s));
        if (!eol) eol = end;
        char f[5][64] = {{0}};
        int k = 0;
        for (const char *q = s; q < eol && k < 5;) {
            const char *comma = memchr(q, ',', (size_t) (eol - q));
            if (!comma) comma = eol;
            size_t n = (size_t) (comma - q);
            if (n > 63) n = 63;
            memcpy(f[k], q, n);
            f[k][n] = '\0';
            k++;
            q = comma + 1;
        }
        s = eol + 1;
        if (header) {
            header = 0;
            continue;
        }
        if (k >= 4 && fn(ctx, f)) return;
    }
}

typedef struct region_ctx {
    const char *region;
    price_set *out;
    int found;
} region_ctx;

static int on_region(void *ctx, char f[5][64])
{
    region_ctx *r = ctx;
    if (strcmp(f[2], r->region) != 0) return 0;
    double v = strtod(f[3], NULL);
    static const char *const kinds[] = {"fargate_vcpu",    "fargate_gb", "fargate_spot_vcpu",
                                        "fargate_spot_gb", "alb_hour",   "alb_lcu_hour"};
    double *slots[] = {
        &r->out->fargate_vcpu_h,    &r->out->fargate_gb_h, &r->out->fargate_spot_vcpu_h,
        &r->out->fargate_spot_gb_h, &r->out->alb_h,        &r->out->alb_lcu_h};
    for (int i = 0; i < 6; i++)
        if (strcmp(f[0], kinds[i]) == 0) {
            *slots[i] = v;
            r->found |= 1 << i;
        }
    return 0;
}

int prices_region(int region, price_set *out)
{
    memset(out, 0, sizeof *out);
    const char *name = catalogue_region_name(region);
    if (!name) return -1;
    region_ctx r = {name, out, 0};
    scan(on_region, &r);
    return r.found == 0x3f ? 0 : -1;
}

typedef struct spot_ctx {
    const char *name, *region;
    double usd, rate;
} spot_ctx;

static int on_spot(void *ctx, char f[5][64])
{
    spot_ctx *r = ctx;
    if (strcmp(f[0], "ec2_spot") != 0 || strcmp(f[1], r->name) != 0 || strcmp(f[2], r->region) != 0)
        return 0;
    r->usd = strtod(f[3], NULL);
    r->rate = f[4][0] ? strtod(f[4], NULL) : 0;
    return 1;
}

double prices_spot(const char *name, int region, double *rate_per_h)
{
    const char *rn = catalogue_region_name(region);
    spot_ctx r = {name, rn ? rn : "", NAN, 0};
    if (rn) scan(on_spot, &r);
    if (rate_per_h) *rate_per_h = r.rate;
    return r.usd;
}
