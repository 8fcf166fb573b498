/* steady.c -- the time-batched record, MSER and batch-means intervals (see
 * steady.h). Everything after the record is arithmetic on at most
 * STEADY_UNITS values, so the analysis can run at every sample interval
 * of a run that stops on precision. */
#include "steady.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static void bh_reset(steady_bh *h)
{
    free(h->c);
    memset(h, 0, sizeof *h);
    h->min = INFINITY;
    h->max = -INFINITY;
}

void steady_init(steady_set *s, double t0, double w0)
{
    assert(w0 > 0);
    memset(s, 0, sizeof *s);
    s->t0 = t0;
    s->w = w0;
    s->inv_w = 1.0 / w0;
}

void steady_fini(steady_set *s)
{
    for (size_t i = 0; i < (size_t) s->n_hist * STEADY_UNITS; i++) free(s->bh[i].c);
    free(s->bh);
    free(s->early_den);
    free(s->early_n);
    free(s->num);
    free(s->den);
    memset(s, 0, sizeof *s);
}

uint32_t steady_add_ratio(steady_set *s)
{
    uint32_t id = s->n_ratio++;
    size_t n = (size_t) s->n_ratio * STEADY_UNITS;
    s->num = xrealloc(s->num, n * sizeof *s->num);
    s->den = xrealloc(s->den, n * sizeof *s->den);
    memset(s->num + (size_t) id * STEADY_UNITS, 0, STEADY_UNITS * sizeof *s->num);
    memset(s->den + (size_t) id * STEADY_UNITS, 0, STEADY_UNITS * sizeof *s->den);
    s->early_den = xrealloc(s->early_den, s->n_ratio * sizeof *s->early_den);
    s->early_den[id] = 0;
    return id;
}

uint32_t steady_add_hist(steady_set *s)
{
    uint32_t id = s->n_hist++;
    s->bh = xrealloc(s->bh, (size_t) s->n_hist * STEADY_UNITS * sizeof *s->bh);
    s->early_n = xrealloc(s->early_n, s->n_hist * sizeof *s->early_n);
    s->early_n[id] = 0;
    for (uint32_t u = 0; u < STEADY_UNITS; u++) {
        steady_bh *h = &s->bh[(size_t) id * STEADY_UNITS + u];
        h->c = NULL;
        bh_reset(h);
    }
    return id;
}

/* Room for bucket b: the range grows to cover it, with half an octave's
 * slack on the side it grew, so a drifting latency does not reallocate
 * every time and the range stays close to what the unit has seen. */
void steady__bh_grow(steady_bh *h, uint32_t b)
{
    enum { SLACK = 32 };
    uint32_t lo, hi; /* new range, inclusive */
    uint32_t more = SLACK;
    if (!h->c) {
        lo = b > SLACK / 2 ? b - SLACK / 2 : 0;
        hi = b + SLACK / 2;
    } else if (b < h->lo) {
        lo = b > more ? b - more : 0;
        hi = h->lo + h->cap - 1;
    } else {
        lo = h->lo;
        hi = b + more;
    }
    if (hi >= HIST_BUCKETS) hi = HIST_BUCKETS - 1;
    uint32_t cap = hi - lo + 1;
    /* realloc, so the allocator can extend in place (a freed array per
     * growth would fragment the heap as the units' ranges widen) */
    uint32_t *c = xrealloc(h->c, cap * sizeof *c), shift = h->c ? h->lo - lo : 0;
    if (h->c) {
        memmove(c + shift, c, h->cap * sizeof *c);
        memset(c, 0, shift * sizeof *c);
        memset(c + shift + h->cap, 0, (cap - shift - h->cap) * sizeof *c);
    } else {
        memset(c, 0, cap * sizeof *c);
    }
    h->c = c;
    h->lo = lo;
    h->cap = cap;
}

/* into += from (from is left as it was) */
static void bh_merge(steady_bh *into, const steady_bh *from)
{
    if (from->n == 0 && !from->c) return;
    if (from->c) {
        uint32_t lo = from->lo, hi = from->lo + from->cap - 1;
        if (lo - into->lo >= into->cap) steady__bh_grow(into, lo);
        if (hi - into->lo >= into->cap) steady__bh_grow(into, hi);
        for (uint32_t j = 0; j < from->cap; j++) into->c[from->lo + j - into->lo] += from->c[j];
    }
    into->n += from->n;
    into->sum += from->sum;
    if (from->min < into->min) into->min = from->min;
    if (from->max > into->max) into->max = from->max;
}

void steady__widen(steady_set *s, double t)
{
    while ((t - s->t0) * s->inv_w >= (double) STEADY_UNITS) {
        for (uint32_t r = 0; r < s->n_ratio; r++) {
            double *num = s->num + (size_t) r * STEADY_UNITS,
                   *den = s->den + (size_t) r * STEADY_UNITS;
            for (uint32_t i = 0; i < STEADY_UNITS / 2; i++) {
                num[i] = num[2 * i] + num[2 * i + 1];
                den[i] = den[2 * i] + den[2 * i + 1];
            }
            memset(num + STEADY_UNITS / 2, 0, STEADY_UNITS / 2 * sizeof *num);
            memset(den + STEADY_UNITS / 2, 0, STEADY_UNITS / 2 * sizeof *den);
        }
        for (uint32_t r = 0; r < s->n_hist; r++) {
            steady_bh *h = s->bh + (size_t) r * STEADY_UNITS;
            for (uint32_t i = 0; i < STEADY_UNITS / 2; i++) {
                /* the pair merges into the first's array, grown in place */
                bh_merge(&h[2 * i], &h[2 * i + 1]);
                free(h[2 * i + 1].c);
                h[2 * i + 1].c = NULL;
                steady_bh m = h[2 * i];
                h[2 * i].c = NULL;
                h[i] = m;
            }
            for (uint32_t i = STEADY_UNITS / 2; i < STEADY_UNITS; i++) {
                h[i].c = NULL;
                bh_reset(&h[i]);
            }
        }
        s->w *= 2;
        s->inv_w = 1.0 / s->w;
        s->used = (s->used + 1) / 2;
        s->cache_lo = s->cache_hi = 0; /* empty: the units moved */
    }
}

/* The smallest t >= t0 that steady_unit's arithmetic puts at x >= k. That
 * arithmetic, (t - t0) / w as a product, is monotone in t (each rounding
 * is), so unit u is exactly [first_at(u), first_at(u + 1)); the first
 * guess is a few ulps off at most, and the steps below settle it. */
static double first_at(const steady_set *s, double k)
{
    double g = s->t0 + k * s->w;
    if (!(g >= s->t0)) g = s->t0;
    while (g > s->t0 && (nextafter(g, -INFINITY) - s->t0) * s->inv_w >= k)
        g = nextafter(g, -INFINITY);
    while ((g - s->t0) * s->inv_w < k) g = nextafter(g, INFINITY);
    return g;
}

void steady__cache(steady_set *s, uint32_t u)
{
    s->cache_lo = first_at(s, (double) u);
    s->cache_hi = first_at(s, (double) u + 1);
    s->cache_u = u;
}

void steady_ratio_units(const steady_set *s, const uint32_t *ids, int n_ids, double *num,
                        double *den)
{
    for (uint32_t u = 0; u < s->used; u++) {
        num[u] = den[u] = 0;
        for (int i = 0; i < n_ids; i++) {
            num[u] += s->num[(size_t) ids[i] * STEADY_UNITS + u];
            den[u] += s->den[(size_t) ids[i] * STEADY_UNITS + u];
        }
    }
}

int steady_hist_units(const steady_set *s, const uint32_t *ids, int n_ids, steady_bh *out)
{
    if (n_ids == 1) { /* one series: its own units, read in place */
        memcpy(out, &s->bh[(size_t) ids[0] * STEADY_UNITS], s->used * sizeof *out);
        return 1;
    }
    for (uint32_t u = 0; u < s->used; u++) {
        out[u].c = NULL;
        bh_reset(&out[u]);
        for (int i = 0; i < n_ids; i++)
            bh_merge(&out[u], &s->bh[(size_t) ids[i] * STEADY_UNITS + u]);
    }
    return 0;
}

void steady_bh_free(steady_bh *h, int n)
{
    for (int u = 0; u < n; u++) free(h[u].c);
}

double steady_bh_quantile(const steady_bh *h, double q)
{
    if (h->n == 0) return NAN;
    uint64_t rank = (uint64_t) ceil(q * (double) h->n);
    if (rank < 1) rank = 1;
    if (rank > h->n) rank = h->n;
    uint32_t j = 0;
    for (uint64_t seen = h->c[0]; seen < rank; seen += h->c[j]) j++;
    uint32_t b = h->lo + j;
    double mid = sqrt(hist_bucket_low(b) * hist_bucket_high(b));
    if (mid < h->min) return h->min;
    if (mid > h->max) return h->max;
    return mid;
}

/* ---- MSER ---- */

int steady_mser(const double *z, const double *w, int n, int *late)
{
    int *idx = xmalloc((size_t) (n > 0 ? n : 1) * sizeof *idx);
    int m = 0;
    for (int i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        if (!(wi > 0) || isnan(z[i])) continue;
        idx[m++] = i;
    }
    if (late) *late = 1;
    if (m < STEADY_MSER_MIN) {
        free(idx);
        return 0;
    }
    /* the weighted mean and sum of squares of z_j .. z_{m-1}, from the end
     * (West's weighted Welford update: a constant tail has exactly 0) */
    double sw = 0, mean = 0, m2 = 0;
    int dmax = m / 2, best = 0;
    double best_v = INFINITY;
    double *v = xmalloc((size_t) m * sizeof *v);
    for (int j = m - 1; j >= 0; j--) {
        int i = idx[j];
        double wi = w ? w[i] : 1.0, delta = z[i] - mean;
        sw += wi;
        mean += wi * delta / sw;
        m2 += wi * delta * (z[i] - mean);
        v[j] = (m2 < 0 ? 0 : m2) / (sw * sw);
    }
    int argmin = 0;
    for (int j = 0; j <= dmax; j++)
        if (v[j] < best_v) {
            best_v = v[j];
            argmin = j;
        }
    /* the least truncation whose statistic is within STEADY_MSER_TOL of the
     * minimum: the statistic is itself an estimate (with about a hundred
     * batches its sampling error is some 15%), and a later near-minimum is
     * more often a random excursion of a stationary run cut away than a
     * transient (measured: tests/test_steady.c, README) */
    while (v[best] > (1 + STEADY_MSER_TOL) * best_v) best++;
    /* the minimum itself at the end of the range: still falling there */
    if (late) *late = argmin > 0 && argmin > dmax - (dmax + 9) / 10;
    int d = idx[best];
    free(v);
    free(idx);
    return d;
}

size_t steady_mser5(const double *x, size_t n, int *late)
{
    size_t nb = n / 5;
    if (nb > (size_t) INT32_MAX) nb = INT32_MAX;
    double *z = xmalloc((nb ? nb : 1) * sizeof *z);
    for (size_t i = 0; i < nb; i++)
        z[i] = (x[5 * i] + x[5 * i + 1] + x[5 * i + 2] + x[5 * i + 3] + x[5 * i + 4]) / 5;
    int d = steady_mser(z, NULL, (int) nb, late);
    free(z);
    return 5 * (size_t) d;
}

/* ---- intervals ---- */

static double t_quantile(double level, double df)
{
    return gsl_cdf_tdist_Pinv(0.5 + level / 2, df);
}

steady_ci steady_ratio_ci(const double *y, const double *x, int n, steady_method m, int k,
                          double level)
{
    steady_ci out = {NAN, NAN, NAN, NAN, NAN, 0};
    double sy = 0, sx = 0;
    for (int u = 0; u < n; u++) {
        sy += y[u];
        sx += x[u];
    }
    if (!(sx > 0)) return out;
    double r = sy / sx;
    out.mean = r;
    double var = NAN;
    if (m == STEADY_BATCH_MEANS) {
        int b = k < n ? k : n;
        if (b < STEADY_MIN_BATCHES) return out;
        double ss = 0;
        for (int j = 0; j < b; j++) {
            int from = (int) ((long long) j * n / b), to = (int) ((long long) (j + 1) * n / b);
            double yj = 0, xj = 0;
            for (int u = from; u < to; u++) {
                yj += y[u];
                xj += x[u];
            }
            ss += (yj - r * xj) * (yj - r * xj);
        }
        double xbar = sx / b;
        var = ss / ((double) b * (b - 1) * xbar * xbar);
        out.df = b - 1;
        out.batches = b;
    } else {
        int bm = n / (k > 0 ? k : 1); /* batch size in units */
        if (bm < 1) bm = 1;
        if (n / bm < STEADY_MIN_BATCHES || n <= bm) return out;
        /* window sums slide by one unit */
        double wy = 0, wx = 0, ss = 0;
        for (int u = 0; u < bm; u++) {
            wy += y[u];
            wx += x[u];
        }
        for (int i = 0;; i++) {
            double e = (wy - r * wx) / bm;
            ss += e * e;
            if (i + bm >= n) break;
            wy += y[i + bm] - y[i];
            wx += x[i + bm] - x[i];
        }
        double sigma2 = (double) n * bm / ((double) (n - bm + 1) * (n - bm)) * ss;
        double xu = sx / n;
        var = sigma2 / (n * xu * xu);
        out.df = 1.5 * ((double) n / bm - 1);
        out.batches = n / bm;
    }
    out.half = t_quantile(level, out.df) * sqrt(var > 0 ? var : 0);
    out.low = r - out.half;
    out.high = r + out.half;
    return out;
}

steady_ci steady_quantile_ci(const steady_bh *h, int n, hist *merged, double q, steady_method m,
                             int k, double level)
{
    steady_ci out = {NAN, NAN, NAN, NAN, NAN, 0};
    hist_init(merged);
    for (int u = 0; u < n; u++) {
        const steady_bh *b = &h[u];
        if (b->n == 0) continue;
        for (uint32_t j = 0; j < b->cap; j++) {
            if (!b->c[j]) continue;
            uint32_t x = b->lo + j;
            merged->counts[x] += b->c[j];
            if (x < merged->lo) merged->lo = x;
            if (x > merged->hi) merged->hi = x;
        }
        merged->n += b->n;
        merged->sum += b->sum;
        if (b->min < merged->min) merged->min = b->min;
        if (b->max > merged->max) merged->max = b->max;
    }
    if (merged->n == 0) return out;
    out.mean = hist_quantile(merged, q);
    uint32_t bq = hist_bucket(out.mean);
    double *c = xmalloc((size_t) n * sizeof *c), *cnt = xmalloc((size_t) n * sizeof *cnt);
    for (int u = 0; u < n; u++) {
        uint64_t below = 0;
        for (uint32_t j = 0; h[u].n && j < h[u].cap && h[u].lo + j <= bq; j++) below += h[u].c[j];
        c[u] = (double) below;
        cnt[u] = (double) h[u].n;
    }
    steady_ci f = steady_ratio_ci(c, cnt, n, m, k, level);
    free(c);
    free(cnt);
    out.df = f.df;
    out.batches = f.batches;
    if (isnan(f.half)) return out;
    double lo_q = q - f.half, hi_q = q + f.half;
    out.low = hist_quantile(merged, lo_q < 0 ? 0 : lo_q);
    out.high = hist_quantile(merged, hi_q > 1 ? 1 : hi_q);
    double a = out.mean - out.low, b = out.high - out.mean;
    out.half = a > b ? a : b;
    return out;
}
