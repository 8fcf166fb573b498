/* test_constraint.c -- placement constraints as ECS documents them: the
 * constraint types (task-placement-constraints.html: distinctInstance,
 * memberOf, the built-in and custom attributes and their examples) and the
 * cluster query language (cluster-query-language.html: subjects, the
 * operators ==, !=, =~, !~, in, not_in, exists, not_exists and their word
 * forms, and/or/not with parentheses for precedence, argument lists, Java
 * regular expressions for matches). The parser's errors are checked word for
 * word; evaluation against hand-built hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/constraint.h"

static instance_type t3m = {"t3.medium", 2, 4096, 3, {0.0416, 0.0456}};
static instance_type m5 = {"m5.large", 2, 8192, 3, {0.096, 0.107}};
static instance_type c5 = {"c5.large", 2, 4096, 3, {0.085, 0.096}};
static instance_type t3a = {"t3a.large", 2, 8192, 3, {0.0752, 0.0816}};

static host hosts[4];

static void make_host(host *h, uint32_t id, const instance_type *type, const char *zone,
                      const char *attributes)
{
    memset(h, 0, sizeof *h);
    h->id = id;
    h->index_in_group = id + 1;
    h->group = "g";
    h->type = type;
    snprintf(h->zone, sizeof h->zone, "%s", zone);
    h->state = HOST_ACTIVE;
    h->attributes = attributes;
}

static int setup(void **state)
{
    (void) state;
    make_host(&hosts[0], 0, &t3m, "eu-west-1a", "stack=prod, team=a");
    make_host(&hosts[1], 1, &m5, "eu-west-1b", "stack=dev");
    make_host(&hosts[2], 2, &c5, "eu-west-1c", "gpu");
    make_host(&hosts[3], 3, &t3a, "eu-west-1c", "");
    return 0;
}

static void parses(const char *text)
{
    constraint_set c;
    char expected[512] = "";
    int rc = constraint_parse(text, &c, expected, sizeof expected);
    if (rc != 0) fail_msg("%s: %s", text, expected);
}

static void rejects(const char *text, const char *want)
{
    constraint_set c;
    char expected[512] = "";
    assert_int_equal(constraint_parse(text, &c, expected, sizeof expected), -1);
    assert_string_equal(expected, want);
    assert_int_equal(constraint_check(text, expected, sizeof expected), -1);
}

/* The hosts that satisfy "memberOf(<expr>)", as bits. */
static unsigned sel(const char *expr)
{
    char text[1024], expected[512] = "";
    constraint_set c;
    snprintf(text, sizeof text, "memberOf(%s)", expr);
    if (constraint_parse(text, &c, expected, sizeof expected) != 0)
        fail_msg("%s: %s", text, expected);
    unsigned m = 0;
    for (unsigned h = 0; h < 4; h++) m |= (unsigned) constraint_member_of(&c, &hosts[h]) << h;
    return m;
}

static void test_parse_accepts(void **state)
{
    (void) state;
    parses("");
    parses("   ");
    parses("distinctInstance");
    parses("distinctinstance"); /* keywords in any case */
    /* the documentation's own expressions */
    parses("memberOf(attribute:ecs.instance-type == t2.small)");
    parses("memberOf(attribute:ecs.availability-zone in [us-east-1a, us-east-1b])");
    parses("memberOf(attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != "
           "us-east-1d)");
    parses("memberOf(attribute:ecs.instance-type =~ t2.*)");
    parses("memberOf(attribute:stack != prod)");
    parses("memberOf(attribute:ecs.instance-type in [t2.small, t2.medium])");
    /* word forms, symbols, quoting, nesting */
    parses("memberOf(attribute:a equals b || attribute:c matches d.* && attribute:e not_equals f)");
    parses("memberOf(attribute:a !in [x] and attribute:b !exists and attribute:c exists)");
    parses("memberOf(attribute:a not_in ['x y', \"z\"] or not attribute:b not_matches q)");
    parses("memberOf(not(attribute:stack == prod))");
    parses("memberOf(!(attribute:stack == prod))");
    parses("memberOf(((attribute:a == b) or (attribute:c == d)) and attribute:e exists)");
    parses("memberOf(attribute:a==b)");
    /* ';' between constraints, or ',' as a YAML list gives them */
    parses("distinctInstance; memberOf(attribute:ecs.instance-type =~ t3.*)");
    parses("distinctInstance,memberOf(attribute:a in [x, y]) , memberOf(attribute:b exists)");
}

static void test_parse_errors(void **state)
{
    (void) state;
    rejects("spreadInstance", "distinctInstance or memberOf(<expression>) at character 1");
    rejects("memberOf(attribute:ecs.instance-type ~= t3.*)",
            "an operator (==, !=, =~, !~, in, not_in, exists, not_exists) after "
            "attribute:ecs.instance-type at character 38");
    rejects("memberOf(task:group == db)",
            "attribute:<name> (ecsim does not model the subject task:group) at character 10");
    rejects("memberOf()", "attribute:<name> at character 10");
    rejects("memberOf(attribute: == x)",
            "an attribute name (1 to 128 letters, digits, -, _, ., / or \\) at character 20");
    rejects("memberOf attribute:a == b", "( after memberOf at character 10");
    rejects("memberOf(attribute:stack == prod", "and, or or ) to close memberOf( at the end");
    rejects("memberOf(attribute:stack ==)", "a value at character 28");
    rejects("memberOf(attribute:stack == 'prod)", "a closing ' for the value at character 29");
    rejects("memberOf(attribute:a == b or)", "attribute:<name> at character 29");
    rejects("memberOf(attribute:ecs.availability-zone in [a, b)",
            ", or ] in the list at character 50");
    rejects("memberOf(attribute:ecs.availability-zone in a)",
            "[ and a list of values after in at character 45");
    rejects("memberOf((attribute:a == b)", "and, or or ) to close memberOf( at the end");
    rejects("distinctInstance memberOf(attribute:stack == prod)",
            "; between constraints at character 18");
    rejects("distinctInstance;", "distinctInstance or memberOf(<expression>) at the end");
    rejects("memberOf(attribute:ecs.instance-type =~ (t3|m5).*)",
            "a pattern in the modelled subset (groups, alternation, {n,m} and inner anchors are "
            "not modelled) at character 41");
    rejects("memberOf(attribute:ecs.instance-type =~ t3.**)",
            "a pattern in the modelled subset (two quantifiers in a row are not modelled) at "
            "character 41");
    rejects("memberOf(attribute:a =~ *x)",
            "a pattern in the modelled subset (a quantifier (*, + or ?) follows nothing) at "
            "character 25");
    rejects("memberOf(attribute:a =~ [a-)",
            "a pattern in the modelled subset (a [class] or \\ escape is not closed) at "
            "character 25");
    rejects("memberOf(attribute:a =~ [z-a])",
            "a pattern in the modelled subset (a [class] range runs backwards) at character 25");
    /* ECS's limits: 10 constraints per task, 2000 characters per expression */
    char many[512] = "";
    for (int i = 0; i < 11; i++) strcat(many, "distinctInstance; ");
    many[strlen(many) - 2] = '\0';
    rejects(many, "at most 10 constraints (ECS's limit) at character 181");
    char *longx = malloc(2100);
    strcpy(longx, "memberOf(attribute:a in [");
    while (strlen(longx) < 2020) strcat(longx, "abcdefgh, ");
    strcat(longx, "z])");
    rejects(longx, "an expression of at most 2000 characters (ECS's limit) at character 10");
    free(longx);
    /* ecsim's own bound on terms */
    char *terms = malloc(8192);
    strcpy(terms, "memberOf(attribute:a exists");
    for (int i = 0; i < 70; i++) strcat(terms, " or attribute:a exists");
    strcat(terms, ")");
    constraint_set c;
    char expected[512];
    assert_int_equal(constraint_parse(terms, &c, expected, sizeof expected), -1);
    assert_non_null(strstr(expected, "at most 128 terms and operators in all at character "));
    free(terms);
    /* deep nesting is refused, not a stack overflow */
    char deep[400] = "memberOf(";
    for (int i = 0; i < 100; i++) strcat(deep, "(");
    rejects(deep, "at most 64 nested parentheses and nots at character 74");
}

/* Built-in attributes (ecs.instance-type, ecs.availability-zone,
 * ecs.os-type) and custom ones, with each operator. */
static void test_evaluate(void **state)
{
    (void) state;
    /* =~ is a Java regular expression over the whole value: "t3.*" is t3
     * then anything, so t3a.large matches too; "t3\\..*" is the t3 family */
    assert_int_equal(sel("attribute:ecs.instance-type =~ t3.*"), 0x9);
    assert_int_equal(sel("attribute:ecs.instance-type =~ t3\\..*"), 0x1);
    assert_int_equal(sel("attribute:ecs.instance-type matches [mc]5\\.large"), 0x6);
    assert_int_equal(sel("attribute:ecs.instance-type !~ t3.*"), 0x6);
    assert_int_equal(sel("attribute:ecs.instance-type == m5.large"), 0x2);
    assert_int_equal(sel("attribute:ecs.instance-type in [t3.medium, c5.large]"), 0x5);
    assert_int_equal(sel("attribute:ecs.availability-zone in [eu-west-1a, eu-west-1b]"), 0x3);
    assert_int_equal(sel("attribute:ecs.availability-zone not_in [eu-west-1a, eu-west-1b]"), 0xc);
    assert_int_equal(sel("attribute:ecs.availability-zone !in ['eu-west-1c']"), 0x3);
    assert_int_equal(sel("attribute:ecs.os-type == linux"), 0xf);
    /* custom attributes; "attribute:stack != prod" lists the instances that
     * have stack unless it is prod (task-placement-constraints.html) */
    assert_int_equal(sel("attribute:stack == prod"), 0x1);
    assert_int_equal(sel("attribute:stack != prod"), 0x2);
    assert_int_equal(sel("not(attribute:stack == prod)"), 0xe);
    assert_int_equal(sel("attribute:stack exists"), 0x3);
    assert_int_equal(sel("attribute:stack not_exists"), 0xc);
    assert_int_equal(sel("attribute:gpu exists"), 0x4);
    assert_int_equal(sel("attribute:team equals a"), 0x1);
    /* and binds tighter than or; parentheses change it */
    assert_int_equal(
        sel("attribute:stack == dev or attribute:stack == prod and attribute:team == a"), 0x3);
    assert_int_equal(
        sel("(attribute:stack == dev or attribute:stack == prod) and attribute:team == a"), 0x1);
    assert_int_equal(sel("attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone "
                         "!= us-east-1d"),
                     0x0);
    /* every memberOf must hold */
    constraint_set c;
    char expected[256];
    assert_int_equal(constraint_parse("memberOf(attribute:ecs.os-type == linux); "
                                      "memberOf(attribute:stack exists)",
                                      &c, expected, sizeof expected),
                     0);
    assert_int_equal(c.n_member_of, 2);
    assert_false(c.distinct_instance);
    assert_true(constraint_member_of(&c, &hosts[1]));
    assert_false(constraint_member_of(&c, &hosts[2]));
    /* distinctInstance alone selects every host here: it is placement's,
     * with the service's tasks (test_placement.c) */
    assert_int_equal(constraint_parse("distinctInstance", &c, expected, sizeof expected), 0);
    assert_true(c.distinct_instance);
    for (int h = 0; h < 4; h++) assert_true(constraint_member_of(&c, &hosts[h]));
}

/* A parsed set is a value: a copy works after the original is gone. */
static void test_set_is_a_value(void **state)
{
    (void) state;
    constraint_set *a = malloc(sizeof *a), b;
    char expected[256];
    assert_int_equal(constraint_parse("memberOf(attribute:ecs.availability-zone in [eu-west-1b, "
                                      "eu-west-1c] and attribute:stack exists)",
                                      a, expected, sizeof expected),
                     0);
    b = *a;
    memset(a, 0xff, sizeof *a);
    free(a);
    assert_false(constraint_member_of(&b, &hosts[0]));
    assert_true(constraint_member_of(&b, &hosts[1]));
    assert_false(constraint_member_of(&b, &hosts[2]));
}

static int m(const char *pattern, const char *value)
{
    return constraint_pattern_match(pattern, value, strlen(value));
}

/* The regular-expression subset: the whole value must match (Java's
 * String.matches), ., classes, escapes, *, + and ?. */
static void test_patterns(void **state)
{
    (void) state;
    assert_true(m("t3.*", "t3.medium"));
    assert_false(m("t3", "t3.medium"));
    assert_true(m("[mc]5\\.x?large", "m5.large"));
    assert_true(m("[mc]5\\.x?large", "c5.xlarge"));
    assert_false(m("[mc]5\\.x?large", "r5.large"));
    assert_true(m("^m5.*$", "m5.large"));
    assert_true(m("\\d+", "123"));
    assert_false(m("\\d+", "12a"));
    assert_true(m("[^t].*", "m5"));
    assert_false(m("[^t].*", "t3"));
    assert_false(m(".+", ""));
    assert_true(m(".*", ""));
    assert_true(m("a?b+", "bbb"));
    assert_true(m("a?b+", "abbb"));
    assert_false(m("a?b+", "aab"));
    assert_true(m("[a-c]+", "abcab"));
    assert_true(m("us-east-1[ab]", "us-east-1b"));
    assert_true(m("[]x]+", "]x]"));
    assert_true(m("a\\$", "a$"));
    /* linear in pattern and value: no backtracking blow-up */
    char as[129];
    memset(as, 'a', 128);
    as[128] = '\0';
    assert_false(m("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", as));
    assert_true(m("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", as));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test_setup(test_evaluate, setup),
        cmocka_unit_test_setup(test_set_is_a_value, setup),
        cmocka_unit_test(test_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
