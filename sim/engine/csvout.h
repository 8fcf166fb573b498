/* csvout.h -- writing CSV rows with correct quoting.
 * A csvw writes one field at a time to a FILE; fields that need quoting
 * (a comma, a quote, a line break, leading or trailing space) go through
 * libcsv's csv_fwrite, the rest are written as they are, so numbers stay
 * unquoted. Numbers are printed with a fixed format so a run's bytes do not
 * depend on the build. NAN is written as an empty field. */
#ifndef ECSIM_CSVOUT_H
#define ECSIM_CSVOUT_H

#include <stdint.h>
#include <stdio.h>

typedef struct csvw {
    FILE *fp;
    int col; /* fields written on the current row */
} csvw;

void csvw_init(csvw *w, FILE *fp);
void csvw_str(csvw *w, const char *s);
void csvw_int(csvw *w, int64_t v);
void csvw_uint(csvw *w, uint64_t v);
void csvw_real(csvw *w, double v);    /* "%.9g"; NAN -> empty field */
void csvw_bool(csvw *w, int v);       /* "true" / "false" */
void csvw_hex64(csvw *w, uint64_t v); /* 16 lowercase hex digits */
void csvw_end(csvw *w);               /* ends the row with "\n" */

#endif
