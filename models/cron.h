/* cron.h -- Application Auto Scaling's schedule expressions for scheduled
 * actions (application-auto-scaling-scheduled-scaling.html, API
 * PutScheduledAction "Schedule"), in UTC, to the minute:
 *
 *   at(yyyy-mm-ddThh:mm:ss)   once
 *   rate(value unit)          every value minutes|hours|days from t=0
 *   cron(Minutes Hours Day-of-month Month Day-of-week Year)
 *
 * cron fields take *, lists (a,b), ranges (a-b), steps (a/n, a-b/n, * /n),
 * month names JAN-DEC and day names SUN-SAT (1 = SUN .. 7 = SAT, as
 * CloudWatch Events cron counts them); one of Day-of-month and Day-of-week
 * must be "?" (AWS refuses both). The Year field may be left out. L, W and #
 * are not supported (an error says so). Times are seconds since the Unix
 * epoch, UTC. */
#ifndef ECSIM_CRON_H
#define ECSIM_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CRON_AT, CRON_RATE, CRON_CRON } cron_kind;

typedef struct cron_expr {
    cron_kind kind;
    double at_epoch_s; /* CRON_AT */
    double rate_s;     /* CRON_RATE */
    uint64_t minutes;  /* bit m: minute m (0-59) */
    uint32_t hours;    /* bit h (0-23) */
    uint32_t mdays;    /* bit d (1-31); all ones with "?" */
    uint16_t months;   /* bit m (1-12) */
    uint8_t wdays;     /* bit d (1 = SUN .. 7 = SAT); all ones with "?" */
    bool mday_any, wday_any;
    uint64_t years[4]; /* bit y - 1970 (1970-2225) */
} cron_expr;

/* Parses `text`; 0, or -1 with `why` saying what is wrong (it follows
 * "expected ..." style: "cron(...): Day-of-week: expected ..."). */
int cron_parse(cron_expr *c, const char *text, char *why, size_t why_len);

/* The first firing time at or after from_s (epoch seconds), not later than
 * limit_s; INFINITY when there is none. rate() counts from origin_s. */
double cron_next(const cron_expr *c, double from_s, double limit_s, double origin_s);

/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS" with an optional "Z";
 * -1 when the text is not such a time. */
double cron_iso_epoch(const char *iso);

/* "2026-01-05T09:00:00Z" for an epoch time (whole seconds). */
void cron_format(double epoch_s, char *buf, size_t len);

#endif
