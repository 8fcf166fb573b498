/* csvout.c -- CSV fields, quoted only when they must be.
 * Strings that would change meaning unquoted (a comma, a quote, a line break,
 * or leading or trailing space, which CSV readers trim) go through libcsv's
 * csv_fwrite; everything else, numbers included, is written as it is. Write
 * errors are not checked per field: stdio keeps them in ferror, and
 * afile_commit reports them once for the whole file. */
#include "csvout.h"

#include <csv.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

void csvw_init(csvw *w, FILE *fp)
{
    w->fp = fp;
    w->col = 0;
}

static void sep(csvw *w)
{
    if (w->col++ > 0) putc(',', w->fp);
}

static int needs_quotes(const char *s, size_t len)
{
    if (len == 0) return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t') return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

void csvw_str(csvw *w, const char *s)
{
    sep(w);
    size_t len = strlen(s);
    if (needs_quotes(s, len))
        csv_fwrite(w->fp, s, len);
    else
        fwrite(s, 1, len, w->fp);
}

void csvw_int(csvw *w, int64_t v)
{
    sep(w);
    fprintf(w->fp, "%" PRId64, v);
}

void csvw_uint(csvw *w, uint64_t v)
{
    sep(w);
    fprintf(w->fp, "%" PRIu64, v);
}

/* "%.9g" keeps nine significant digits, enough for any measurement here and
 * the same bytes from every build (the program never calls setlocale, so the
 * decimal point is always '.'). */
void csvw_real(csvw *w, double v)
{
    sep(w);
    if (isnan(v)) return;
    if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", w->fp);
    else
        fprintf(w->fp, "%.9g", v);
}

void csvw_bool(csvw *w, int v)
{
    sep(w);
    fputs(v ? "true" : "false", w->fp);
}

void csvw_hex64(csvw *w, uint64_t v)
{
    sep(w);
    fprintf(w->fp, "%016" PRIx64, v);
}

void csvw_end(csvw *w)
{
    putc('\n', w->fp);
    w->col = 0;
}
