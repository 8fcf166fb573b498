/* test_catalogue.c -- the instance catalogue: the built-in rows against the
 * published numbers and the CSV on disk, user CSVs in the shapes
 * spreadsheets write (quotes, CRLF, BOM, no final newline), every error
 * message word for word, and "did you mean". Run from the repository root
 * (tests/run.sh does), since one test reads models/instances.csv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/catalogue.h"

#define HEADER "type,vcpu,memory_mib,max_enis,usd_per_hour_us_east_1,usd_per_hour_eu_west_1"

static catalogue *load_str(const char *csv, ecs_err *e)
{
    err_clear(e);
    return catalogue_load_buffer("t.csv", csv, strlen(csv), e);
}

/* Loading `csv` fails with exactly `msg`. */
static void expect_error(const char *csv, const char *msg)
{
    ecs_err e;
    catalogue *c = load_str(csv, &e);
    assert_null(c);
    assert_int_equal(e.code, ECS_EINPUT);
    assert_string_equal(e.msg, msg);
}

/* Writes `len` bytes to a fresh temporary file; its path goes to `path`. */
static void write_temp(char path[64], const char *data, size_t len)
{
    snprintf(path, 64, "/tmp/ecsim-catalogue-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t) len);
    close(fd);
}

static void test_default_has_the_sixteen_types(void **state)
{
    (void) state;
    static const char *const want[] = {
        "t3.medium",  "t3.large",   "t3.xlarge",  "t3.2xlarge", "m5.large",   "m5.xlarge",
        "m5.2xlarge", "m5.4xlarge", "c5.large",   "c5.xlarge",  "c5.2xlarge", "c5.4xlarge",
        "r5.large",   "r5.xlarge",  "r5.2xlarge", "r5.4xlarge",
    };
    ecs_err e;
    err_clear(&e);
    catalogue *c = catalogue_load_default(&e);
    assert_non_null(c);
    assert_int_equal(e.code, ECS_OK);
    assert_int_equal(catalogue_count(c), 16);
    for (size_t i = 0; i < 16; i++) {
        assert_string_equal(catalogue_at(c, i)->name, want[i]);
        assert_ptr_equal(catalogue_find(c, want[i]), catalogue_at(c, i));
    }
    catalogue_free(c);
}

static void expect_row(const catalogue *c, const char *name, int vcpu, int64_t mem, int enis,
                       double us, double eu)
{
    const instance_type *t = catalogue_find(c, name);
    assert_non_null(t);
    assert_int_equal(t->vcpu, vcpu);
    assert_int_equal(t->memory_mib, mem);
    assert_int_equal(t->max_enis, enis);
    assert_true(t->usd_per_hour[0] == us);
    assert_true(t->usd_per_hour[1] == eu);
}

static void test_default_rows(void **state)
{
    (void) state;
    ecs_err e;
    err_clear(&e);
    catalogue *c = catalogue_load_default(&e);
    assert_non_null(c);
    expect_row(c, "m5.large", 2, 8192, 3, 0.096, 0.107);
    expect_row(c, "c5.xlarge", 4, 8192, 4, 0.17, 0.192);
    expect_row(c, "r5.large", 2, 16384, 3, 0.126, 0.141);
    expect_row(c, "t3.large", 2, 8192, 3, 0.0832, 0.0912);
    expect_row(c, "t3.medium", 2, 4096, 3, 0.0416, 0.0456);
    expect_row(c, "r5.4xlarge", 16, 131072, 8, 1.008, 1.128);
    catalogue_free(c);
}

/* Within a family each size doubles vCPUs, memory and price; eu-west-1
 * never costs less than us-east-1. */
static void test_default_invariants(void **state)
{
    (void) state;
    ecs_err e;
    err_clear(&e);
    catalogue *c = catalogue_load_default(&e);
    assert_non_null(c);
    for (size_t i = 0; i < catalogue_count(c); i++) {
        const instance_type *t = catalogue_at(c, i);
        assert_true(t->vcpu > 0 && t->memory_mib > 0 && t->max_enis > 0);
        assert_true(t->usd_per_hour[0] > 0);
        assert_true(t->usd_per_hour[1] > 0);
        assert_true(t->usd_per_hour[1] >= t->usd_per_hour[0]);
        if (i % 4 == 0) continue;
        const instance_type *smaller = catalogue_at(c, i - 1);
        if (i != 1) /* t3.medium and t3.large both have 2 vCPUs */
            assert_int_equal(t->vcpu, 2 * smaller->vcpu);
        assert_int_equal(t->memory_mib, 2 * smaller->memory_mib);
        for (int r = 0; r < CATALOGUE_N_REGIONS; r++) {
            double ratio = t->usd_per_hour[r] / smaller->usd_per_hour[r];
            assert_true(ratio > 1.999 && ratio < 2.001);
        }
    }
    catalogue_free(c);
}

/* The compiled-in bytes are the CSV in the tree (a stale object would not be). */
static void test_default_matches_the_file(void **state)
{
    (void) state;
    ecs_err e;
    err_clear(&e);
    catalogue *built_in = catalogue_load_default(&e);
    catalogue *on_disk = catalogue_load_file("models/instances.csv", &e);
    assert_non_null(built_in);
    assert_non_null(on_disk);
    assert_int_equal(catalogue_count(built_in), catalogue_count(on_disk));
    for (size_t i = 0; i < catalogue_count(on_disk); i++)
        assert_memory_equal(catalogue_at(built_in, i), catalogue_at(on_disk, i),
                            sizeof(instance_type));
    catalogue_free(built_in);
    catalogue_free(on_disk);
}

static void test_quoted_fields_crlf_no_final_newline(void **state)
{
    (void) state;
    const char *csv = "\"type\",\"vcpu\",memory_mib,max_enis,usd_per_hour_us_east_1,"
                      "\"usd_per_hour_eu_west_1\"\r\n"
                      "\"m5.large\",\"2\",\"8192\",\"3\",\"0.096\",\"0.107\"\r\n"
                      "x9.custom, 4 ,16384,4,2.5e-1,0.25";
    ecs_err e;
    catalogue *c = load_str(csv, &e);
    assert_non_null(c);
    assert_int_equal(catalogue_count(c), 2);
    expect_row(c, "m5.large", 2, 8192, 3, 0.096, 0.107);
    expect_row(c, "x9.custom", 4, 16384, 4, 0.25, 0.25);
    catalogue_free(c);
}

static void test_file_with_bom_blank_lines_and_crlf(void **state)
{
    (void) state;
    const char csv[] = "\xEF\xBB\xBF" HEADER "\r\n"
                       "\r\n"
                       "c5.large,2,4096,3,0.085,0.096\r\n"
                       "   \r\n"
                       "\"c7i-flex.large\",2,4096,3,0.08479,0.09\r\n";
    char path[64];
    write_temp(path, csv, sizeof csv - 1);
    ecs_err e;
    err_clear(&e);
    catalogue *c = catalogue_load_file(path, &e);
    unlink(path);
    assert_non_null(c);
    assert_int_equal(catalogue_count(c), 2);
    expect_row(c, "c7i-flex.large", 2, 4096, 3, 0.08479, 0.09);
    catalogue_free(c);
}

static void test_error_missing_file(void **state)
{
    (void) state;
    ecs_err e;
    err_clear(&e);
    assert_null(catalogue_load_file("/nonexistent/instances.csv", &e));
    assert_int_equal(e.code, ECS_EIO);
    assert_string_equal(e.msg,
                        "/nonexistent/instances.csv: cannot read: No such file or directory");
    err_clear(&e);
    assert_null(catalogue_load_file("/tmp", &e));
    assert_int_equal(e.code, ECS_EIO);
    assert_string_equal(e.msg, "/tmp: cannot read: Is a directory");
}

static void test_error_header(void **state)
{
    (void) state;
    expect_error("type,cpu,memory_mib\nm5.large,2,8192\n",
                 "t.csv:1: expected header " HEADER "; got \"type,cpu,memory_mib\"");
    expect_error(HEADER ",family\n",
                 "t.csv:1: expected header " HEADER "; got \"" HEADER ",family\"");
    expect_error("", "t.csv:1: expected header " HEADER "; got \"\"");
    expect_error("\n  \n", "t.csv:1: expected header " HEADER "; got \"\"");
    expect_error(HEADER "\n", "t.csv: no instance types after the header");
}

static void test_error_values(void **state)
{
    (void) state;
    expect_error(HEADER "\nm5.large,2,8192,3,0.096,0.107\nc5.large,2,abc,3,0.085,0.096\n",
                 "t.csv:3: column memory_mib: expected an integer > 0, got \"abc\"");
    expect_error(HEADER "\nm5.large,0,8192,3,0.096,0.107\n",
                 "t.csv:2: column vcpu: expected an integer > 0, got \"0\"");
    expect_error(HEADER "\nm5.large,-2,8192,3,0.096,0.107\n",
                 "t.csv:2: column vcpu: expected an integer > 0, got \"-2\"");
    expect_error(HEADER "\nm5.large,2.5,8192,3,0.096,0.107\n",
                 "t.csv:2: column vcpu: expected an integer > 0, got \"2.5\"");
    expect_error(HEADER "\nm5.large,2,8192,\"\",0.096,0.107\n",
                 "t.csv:2: column max_enis: expected an integer > 0, got \"\"");
    expect_error(HEADER "\nm5.large,99999999999,8192,3,0.096,0.107\n",
                 "t.csv:2: column vcpu: expected an integer from 1 to 2147483647, got "
                 "\"99999999999\"");
    expect_error(HEADER "\nm5.large,2,8192,3,0.096,free\n",
                 "t.csv:2: column usd_per_hour_eu_west_1: expected a number > 0, got \"free\"");
    expect_error(HEADER "\nm5.large,2,8192,3,0,0.107\n",
                 "t.csv:2: column usd_per_hour_us_east_1: expected a number > 0, got \"0\"");
    expect_error(HEADER "\nm5.large,2,8192,3,nan,0.107\n",
                 "t.csv:2: column usd_per_hour_us_east_1: expected a number > 0, got \"nan\"");
    expect_error(HEADER "\nm5.large,2,8192,3,1e999,0.107\n",
                 "t.csv:2: column usd_per_hour_us_east_1: expected a number > 0, got \"1e999\"");
    expect_error(HEADER "\nM5 Large,2,8192,3,0.096,0.107\n",
                 "t.csv:2: column type: expected a name of lowercase letters, digits, '.' and '-' "
                 "(at most 31 characters), got \"M5 Large\"");
}

static void test_error_embedded_nul_is_visible(void **state)
{
    (void) state;
    const char csv[] = HEADER "\nm5.large,2,\"81\0002\",3,0.096,0.107\n";
    ecs_err e;
    err_clear(&e);
    assert_null(catalogue_load_buffer("t.csv", csv, sizeof csv - 1, &e));
    assert_string_equal(e.msg, "t.csv:2: column memory_mib: expected an integer > 0, got \"81?2\"");
}

static void test_error_field_count(void **state)
{
    (void) state;
    expect_error(HEADER "\nm5.large,2,8192,3,0.096\n", "t.csv:2: expected 6 fields, got 5");
    expect_error(HEADER "\n\nm5.large,2,8192,3,0.096,0.107,x\n",
                 "t.csv:3: expected 6 fields, got 7");
}

static void test_error_duplicate(void **state)
{
    (void) state;
    expect_error(HEADER "\nc5.large,2,4096,3,0.085,0.096\nm5.large,2,8192,3,0.096,0.107\n"
                        "m5.large,2,8192,3,0.096,0.107\n",
                 "t.csv:4: instance type m5.large listed twice (first on line 3)");
    /* CRLF and blank lines count as lines; a record holding a quoted line
     * break is reported at the line it begins on. */
    expect_error(HEADER "\r\n\r\nm5.large,2,8192,3,0.096,0.107\r\n"
                        "c5.large,2,4096,3,0.085,\"0.096\r\n\"\r\n",
                 "t.csv:4: column usd_per_hour_eu_west_1: expected a number > 0, got "
                 "\"0.096\r\n\"");
}

static void test_error_malformed_quotes(void **state)
{
    (void) state;
    expect_error(HEADER "\nm5.large,2,8192,3,0.096,\"0.107\n",
                 "t.csv:2: malformed CSV: quoted field not closed before the end of the file");
    expect_error(HEADER "\nm5.lar\"ge,2,8192,3,0.096,0.107\n",
                 "t.csv:2: malformed CSV: stray quote (quote a field that holds quotes, and "
                 "double each quote inside it)");
}

static void test_error_in_file_names_the_path(void **state)
{
    (void) state;
    const char csv[] = HEADER "\nm5.large,2,8192,3,0.096,0.107\nm5.large,2,8192,3,0.096,0.107";
    char path[64], want[256];
    write_temp(path, csv, sizeof csv - 1);
    ecs_err e;
    err_clear(&e);
    catalogue *c = catalogue_load_file(path, &e);
    unlink(path);
    assert_null(c);
    assert_int_equal(e.code, ECS_EINPUT);
    snprintf(want, sizeof want, "%s:3: instance type m5.large listed twice (first on line 2)",
             path);
    assert_string_equal(e.msg, want);
}

static void test_find_and_suggest(void **state)
{
    (void) state;
    ecs_err e;
    err_clear(&e);
    catalogue *c = catalogue_load_default(&e);
    assert_non_null(c);
    assert_null(catalogue_find(c, "m5.larg"));
    assert_null(catalogue_find(c, "M5.large"));
    assert_string_equal(catalogue_suggest(c, "m5.larg"), "m5.large");
    assert_string_equal(catalogue_suggest(c, "r5.xlarg"), "r5.xlarge");
    assert_string_equal(catalogue_suggest(c, "c5.4xlrge"), "c5.4xlarge");
    assert_null(catalogue_suggest(c, "t2.micro"));
    catalogue_free(c);
    catalogue_free(NULL);
}

static void test_regions(void **state)
{
    (void) state;
    assert_int_equal(catalogue_region_index("us-east-1"), 0);
    assert_int_equal(catalogue_region_index("eu-west-1"), 1);
    assert_int_equal(catalogue_region_index("us-west-2"), -1);
    assert_int_equal(catalogue_region_index(""), -1);
    assert_string_equal(catalogue_region_name(0), "us-east-1");
    assert_string_equal(catalogue_region_name(1), "eu-west-1");
    assert_null(catalogue_region_name(2));
    assert_null(catalogue_region_name(-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_has_the_sixteen_types),
        cmocka_unit_test(test_default_rows),
        cmocka_unit_test(test_default_invariants),
        cmocka_unit_test(test_default_matches_the_file),
        cmocka_unit_test(test_quoted_fields_crlf_no_final_newline),
        cmocka_unit_test(test_file_with_bom_blank_lines_and_crlf),
        cmocka_unit_test(test_error_missing_file),
        cmocka_unit_test(test_error_header),
        cmocka_unit_test(test_error_values),
        cmocka_unit_test(test_error_embedded_nul_is_visible),
        cmocka_unit_test(test_error_field_count),
        cmocka_unit_test(test_error_duplicate),
        cmocka_unit_test(test_error_malformed_quotes),
        cmocka_unit_test(test_error_in_file_names_the_path),
        cmocka_unit_test(test_find_and_suggest),
        cmocka_unit_test(test_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
