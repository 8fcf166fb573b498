/* cron.c -- parsing schedule expressions and finding their next firing
 * (see cron.h). Civil dates use Howard Hinnant's days_from_civil and
 * civil_from_days, exact for the proleptic Gregorian calendar. */
#include "cron.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned) (y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long) doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned) (z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long) yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static bool is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(long y, unsigned m)
{
    static const unsigned n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

double cron_iso_epoch(const char *iso)
{
    int y, mo, d, h, mi, s, n = 0;
    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) return -1;
    if (n != 19 || (iso[n] && !(iso[n] == 'Z' && !iso[n + 1]))) return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > (int) month_days(y, (unsigned) mo) ||
        h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
        return -1;
    return (double) days_from_civil(y, (unsigned) mo, (unsigned) d) * 86400.0 + h * 3600.0 +
           mi * 60.0 + s;
}

void cron_format(double epoch_s, char *buf, size_t len)
{
    long t = (long) floor(epoch_s);
    long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    long rem = t - days * 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04ld-%02u-%02uT%02ld:%02ld:%02ldZ", y, m, d, rem / 3600, rem / 60 % 60,
             rem % 60);
}

/* ---- parsing ---- */

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

typedef struct field {
    const char *name;
    int lo, hi;
    const char *const *names; /* names for lo.. (months from 1, days from 1) */
    int n_names;
} field;

/* A number or a name at *s; advances. */
static int value(const field *f, const char **s, int *out)
{
    if (isdigit((unsigned char) **s)) {
        char *end;
        long v = strtol(*s, &end, 10);
        if (end - *s > 4) return -1;
        *s = end;
        *out = (int) v;
        return v >= f->lo && v <= f->hi ? 0 : -1;
    }
    for (int i = 0; f->names && i < f->n_names; i++)
        if (strncasecmp(*s, f->names[i], 3) == 0) {
            *s += 3;
            *out = f->lo + i;
            return 0;
        }
    return -1;
}

/* One field into bits (bit v for value v). */
static int parse_field(const field *f, const char *text, uint64_t *bits, bool *any, char *why,
                       size_t why_len)
{
    *bits = 0;
    *any = false;
    if (strcmp(text, "?") == 0) {
        *any = true;
        for (int v = f->lo; v <= f->hi; v++) *bits |= 1ULL << v;
        return 0;
    }
    const char *s = text;
    for (;;) {
        int a = f->lo, b = f->hi, step = 1;
        bool star = *s == '*';
        if (star) {
            s++;
        } else {
            if (value(f, &s, &a) != 0) goto bad;
            b = a;
            if (*s == '-') {
                s++;
                if (value(f, &s, &b) != 0 || b < a) goto bad;
            }
        }
        if (*s == '/') {
            s++;
            char *end;
            long n = strtol(s, &end, 10);
            if (end == s || n < 1 || n > f->hi) goto bad;
            step = (int) n;
            s = end;
            if (a == b && !star) b = f->hi; /* "5/15": from 5 on */
        }
        for (int v = a; v <= b; v += step) *bits |= 1ULL << v;
        if (*s == ',') {
            s++;
            continue;
        }
        if (!*s) return 0;
        goto bad;
    }
bad:
    if (strpbrk(text, "LW#"))
        snprintf(why, why_len, "%s: L, W and # are not supported, got \"%s\"", f->name, text);
    else
        snprintf(why, why_len,
                 "%s: expected *, ?, a value in %d-%d%s, a list, a range or a step, "
                 "got \"%s\"",
                 f->name, f->lo, f->hi, f->names ? " (or its name)" : "", text);
    return -1;
}

/* Years need 256 bits: the field parser works on 64-bit chunks of them. */
static int parse_years(const char *text, uint64_t years[4], char *why, size_t why_len)
{
    memset(years, 0, 4 * sizeof years[0]);
    const char *s = text;
    if (strcmp(s, "*") == 0 || strcmp(s, "?") == 0) {
        for (int i = 0; i < 4; i++) years[i] = ~0ULL;
        return 0;
    }
    for (;;) {
        char *end;
        int a = 1970, b = 2225, step = 1;
        if (*s == '*') {
            s++;
        } else {
            long v = strtol(s, &end, 10);
            if (end == s || v < 1970 || v > 2225) goto bad;
            a = b = (int) v;
            s = end;
            if (*s == '-') {
                s++;
                v = strtol(s, &end, 10);
                if (end == s || v < a || v > 2225) goto bad;
                b = (int) v;
                s = end;
            }
        }
        if (*s == '/') {
            s++;
            long n = strtol(s, &end, 10);
            if (end == s || n < 1) goto bad;
            step = (int) n;
            s = end;
            if (a == b) b = 2225;
        }
        for (int y = a; y <= b; y += step) years[(y - 1970) / 64] |= 1ULL << ((y - 1970) % 64);
        if (*s == ',') {
            s++;
            continue;
        }
        if (!*s) return 0;
        goto bad;
    }
bad:
    snprintf(why, why_len,
             "Year: expected *, a year in 1970-2225, a list, a range or a step, "
             "got \"%s\"",
             text);
    return -1;
}

int cron_parse(cron_expr *c, const char *text, char *why, size_t why_len)
{
    memset(c, 0, sizeof *c);
    size_t n = strlen(text);
    char inner[256];
    if (n > 5 && strncmp(text, "at(", 3) == 0 && text[n - 1] == ')') {
        snprintf(inner, sizeof inner, "%.*s", (int) (n - 4), text + 3);
        c->kind = CRON_AT;
        c->at_epoch_s = cron_iso_epoch(inner);
        if (c->at_epoch_s < 0) {
            snprintf(why, why_len, "expected at(yyyy-mm-ddThh:mm:ss), got \"%s\"", text);
            return -1;
        }
        return 0;
    }
    if (n > 7 && strncmp(text, "rate(", 5) == 0 && text[n - 1] == ')') {
        char unit[32];
        long v;
        int used = 0;
        snprintf(inner, sizeof inner, "%.*s", (int) (n - 6), text + 5);
        if (sscanf(inner, "%ld %31s%n", &v, unit, &used) == 2 && !inner[used] && v >= 1) {
            double u = strncmp(unit, "minute", 6) == 0 ? 60
                       : strncmp(unit, "hour", 4) == 0 ? 3600
                       : strncmp(unit, "day", 3) == 0  ? 86400
                                                       : 0;
            size_t ul = strlen(unit);
            bool plural_ok = (v == 1) == (unit[ul - 1] != 's');
            if (u > 0 && plural_ok) {
                c->kind = CRON_RATE;
                c->rate_s = (double) v * u;
                return 0;
            }
        }
        snprintf(why, why_len,
                 "expected rate(value unit) with unit minute(s), hour(s) or day(s), "
                 "got \"%s\"",
                 text);
        return -1;
    }
    if (!(n > 6 && strncmp(text, "cron(", 5) == 0 && text[n - 1] == ')')) {
        snprintf(why, why_len,
                 "expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(Minutes Hours "
                 "Day-of-month Month Day-of-week Year), got \"%s\"",
                 text);
        return -1;
    }
    if (n - 6 >= sizeof inner) {
        snprintf(why, why_len, "cron expression too long");
        return -1;
    }
    snprintf(inner, sizeof inner, "%.*s", (int) (n - 6), text + 5);
    char *parts[7];
    int np = 0;
    for (char *tok = strtok(inner, " \t"); tok && np < 7; tok = strtok(NULL, " \t"))
        parts[np++] = tok;
    if (np < 5 || np > 6) {
        snprintf(why, why_len,
                 "cron(...): expected 6 fields (Minutes Hours Day-of-month Month Day-of-week "
                 "Year), got %d in \"%s\"",
                 np, text);
        return -1;
    }
    static const field fmin = {"Minutes", 0, 59, NULL, 0}, fhour = {"Hours", 0, 23, NULL, 0},
                       fmday = {"Day-of-month", 1, 31, NULL, 0},
                       fmon = {"Month", 1, 12, month_names, 12},
                       fwday = {"Day-of-week", 1, 7, day_names, 7};
    uint64_t bits;
    bool any;
    char sub[200];
    int rc = 0;
    rc |= parse_field(&fmin, parts[0], &bits, &any, sub, sizeof sub);
    c->minutes = bits;
    if (!rc) rc |= parse_field(&fhour, parts[1], &bits, &any, sub, sizeof sub);
    c->hours = (uint32_t) bits;
    if (!rc) rc |= parse_field(&fmday, parts[2], &bits, &c->mday_any, sub, sizeof sub);
    c->mdays = (uint32_t) bits;
    if (!rc) rc |= parse_field(&fmon, parts[3], &bits, &any, sub, sizeof sub);
    c->months = (uint16_t) bits;
    if (!rc) rc |= parse_field(&fwday, parts[4], &bits, &c->wday_any, sub, sizeof sub);
    c->wdays = (uint8_t) bits;
    if (!rc && np == 6) rc |= parse_years(parts[5], c->years, sub, sizeof sub);
    if (!rc && np == 5)
        for (int i = 0; i < 4; i++) c->years[i] = ~0ULL;
    if (!rc && c->mday_any == c->wday_any) {
        snprintf(sub, sizeof sub,
                 "exactly one of Day-of-month and Day-of-week must be \"?\" (AWS refuses "
                 "both or neither)");
        rc = -1;
    }
    if (rc) {
        snprintf(why, why_len, "%s: %s", text, sub);
        return -1;
    }
    c->kind = CRON_CRON;
    return 0;
}

/* ---- the next firing ---- */

static bool day_matches(const cron_expr *c, long days)
{
    long y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1970 || y > 2225) return false;
    if (!(c->years[(y - 1970) / 64] >> ((y - 1970) % 64) & 1)) return false;
    if (!(c->months >> m & 1)) return false;
    unsigned wday = (unsigned) (((days + 4) % 7 + 7) % 7) + 1; /* 1970-01-01: Thursday = 5 */
    if (!c->mday_any && !(c->mdays >> d & 1)) return false;
    if (!c->wday_any && !(c->wdays >> wday & 1)) return false;
    return true;
}

double cron_next(const cron_expr *c, double from_s, double limit_s, double origin_s)
{
    switch (c->kind) {
    case CRON_AT:
        return c->at_epoch_s >= from_s && c->at_epoch_s <= limit_s ? c->at_epoch_s : INFINITY;
    case CRON_RATE: {
        double k = ceil((from_s - origin_s) / c->rate_s);
        if (k < 1) k = 1;
        double t = origin_s + k * c->rate_s;
        return t <= limit_s ? t : INFINITY;
    }
    case CRON_CRON:
        break;
    }
    double start = ceil(from_s / 60) * 60; /* one-minute resolution */
    long day = (long) floor(start / 86400);
    long last = (long) floor(limit_s / 86400);
    int first_min = (int) ((start - (double) day * 86400) / 60);
    for (; day <= last; day++, first_min = 0) {
        if (!day_matches(c, day)) continue;
        for (int mi = first_min; mi < 1440; mi++) {
            if (!(c->hours >> (mi / 60) & 1)) {
                mi = (mi / 60) * 60 + 59;
                continue;
            }
            if (c->minutes >> (mi % 60) & 1) {
                double t = (double) day * 86400 + mi * 60.0;
                return t <= limit_s ? t : INFINITY;
            }
        }
    }
    return INFINITY;
}
