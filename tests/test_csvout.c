/* test_csvout.c -- CSV fields: exact bytes for plain, quoted and numeric
 * fields, and a round trip through libcsv's parser for awkward strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <csv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/csvout.h"
#include "sim/engine/xmalloc.h"

/* A csvw writing into memory; finish() returns the bytes (caller frees). */
struct sink {
    FILE *fp;
    char *buf;
    size_t len;
    csvw w;
};

static void sink_open(struct sink *s)
{
    s->buf = NULL;
    s->len = 0;
    s->fp = open_memstream(&s->buf, &s->len);
    assert_non_null(s->fp);
    csvw_init(&s->w, s->fp);
}

static char *sink_close(struct sink *s)
{
    assert_int_equal(fclose(s->fp), 0);
    return s->buf;
}

static void assert_row(void (*write)(csvw *), const char *want)
{
    struct sink s;
    sink_open(&s);
    write(&s.w);
    csvw_end(&s.w);
    char *got = sink_close(&s);
    assert_string_equal(got, want);
    free(got);
}

static void row_strings(csvw *w)
{
    csvw_str(w, "web");
    csvw_str(w, "a,b");
    csvw_str(w, "say \"hi\"");
    csvw_str(w, "two\nlines");
    csvw_str(w, "cr\rlf");
    csvw_str(w, " lead");
    csvw_str(w, "trail\t");
    csvw_str(w, "");
    csvw_str(w, "in side");
}

static void test_strings(void **state)
{
    (void) state;
    assert_row(row_strings, "web,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rlf\","
                            "\" lead\",\"trail\t\",,in side\n");
}

static void row_reals(csvw *w)
{
    csvw_real(w, 0.1);
    csvw_real(w, 1.0 / 3);
    csvw_real(w, 1e-10);
    csvw_real(w, 123456789012.0);
    csvw_real(w, -2.5);
    csvw_real(w, 0);
    csvw_real(w, NAN);
    csvw_real(w, INFINITY);
    csvw_real(w, -INFINITY);
    csvw_real(w, NAN); /* a trailing empty field still counts */
}

static void test_reals(void **state)
{
    (void) state;
    assert_row(row_reals, "0.1,0.333333333,1e-10,1.23456789e+11,-2.5,0,,inf,-inf,\n");
}

static void row_ints(csvw *w)
{
    csvw_int(w, -5);
    csvw_int(w, INT64_MIN);
    csvw_uint(w, UINT64_MAX);
    csvw_bool(w, 1);
    csvw_bool(w, 0);
    csvw_hex64(w, 0xdeadbeefULL);
    csvw_hex64(w, 0xcbf29ce484222325ULL);
}

static void test_ints(void **state)
{
    (void) state;
    assert_row(row_ints, "-5,-9223372036854775808,18446744073709551615,true,false,"
                         "00000000deadbeef,cbf29ce484222325\n");
}

static void test_rows(void **state)
{
    (void) state;
    struct sink s;
    sink_open(&s);
    csvw_str(&s.w, "t_s");
    csvw_str(&s.w, "n");
    csvw_end(&s.w);
    assert_int_equal(s.w.col, 0);
    csvw_real(&s.w, 60);
    csvw_uint(&s.w, 3);
    assert_int_equal(s.w.col, 2);
    csvw_end(&s.w);
    char *got = sink_close(&s);
    assert_string_equal(got, "t_s,n\n60,3\n");
    free(got);
}

/* What libcsv's parser reads back: fields per row. */
struct parsed {
    char *fields[64];
    size_t n_fields;
    size_t n_rows;
    size_t row_len[8];
};

static void on_field(void *s, size_t len, void *data)
{
    struct parsed *p = data;
    assert_true(p->n_fields < 64);
    char *f = xmalloc(len + 1);
    if (len) memcpy(f, s, len);
    f[len] = '\0';
    p->fields[p->n_fields++] = f;
}

static void on_row(int c, void *data)
{
    (void) c;
    struct parsed *p = data;
    size_t before = 0;
    for (size_t i = 0; i < p->n_rows; i++) before += p->row_len[i];
    assert_true(p->n_rows < 8);
    p->row_len[p->n_rows++] = p->n_fields - before;
}

static void test_round_trip(void **state)
{
    (void) state;
    static const char *const words[] = {
        "plain", "",        ",",     "\"",      "\"\"",      "a,\"b\",c", "line\r\nbreak",
        " ",     "  two  ", "tab\t", "ünïcödé", "trailing,", "\n",
    };
    enum { N = sizeof words / sizeof words[0] };
    struct sink s;
    sink_open(&s);
    for (size_t i = 0; i < N; i++) csvw_str(&s.w, words[i]);
    csvw_end(&s.w);
    csvw_real(&s.w, 0.25);
    csvw_str(&s.w, "x,y");
    csvw_int(&s.w, -7);
    csvw_end(&s.w);
    char *text = sink_close(&s);

    struct csv_parser cp;
    assert_int_equal(csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI), 0);
    struct parsed p = {0};
    assert_int_equal(csv_parse(&cp, text, strlen(text), on_field, on_row, &p), strlen(text));
    assert_int_equal(csv_fini(&cp, on_field, on_row, &p), 0);
    csv_free(&cp);

    assert_int_equal(p.n_rows, 2);
    assert_int_equal(p.row_len[0], N);
    assert_int_equal(p.row_len[1], 3);
    for (size_t i = 0; i < N; i++) assert_string_equal(p.fields[i], words[i]);
    assert_string_equal(p.fields[N], "0.25");
    assert_string_equal(p.fields[N + 1], "x,y");
    assert_string_equal(p.fields[N + 2], "-7");
    for (size_t i = 0; i < p.n_fields; i++) free(p.fields[i]);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),    cmocka_unit_test(test_reals),
        cmocka_unit_test(test_ints),       cmocka_unit_test(test_rows),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
