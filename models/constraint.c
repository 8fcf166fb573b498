/* constraint.c -- parsing placement constraints (a recursive-descent parser
 * over the cluster query language subset in constraint.h) and judging a
 * host against them. Parsing happens once, when the scenario is checked and
 * when a service is read; evaluation runs per candidate host per placement,
 * so it walks a small array tree and reads attributes without copying. */
#include "constraint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const param_def constraint_params[] = {
    {"services.*.placement_constraints", PT_STR, "", 0, 0, "", NULL, 0, constraint_check,
     "placementConstraints, separated by ';': distinctInstance (each task on a different "
     "instance) and memberOf(<expression>) over instance attributes, in ECS's cluster query "
     "language: attribute:<name> ==, !=, =~ (a regular expression: t3.*), !~ a value; in, "
     "not_in [a, b]; exists, not_exists; and, or, not, parentheses. Built-in attributes "
     "ecs.instance-type, ecs.availability-zone, ecs.os-type; custom ones from "
     "host_groups.*.attributes. Empty for none (ECS's default for services)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

enum { NODE_CMP, NODE_AND, NODE_OR, NODE_NOT };

#define MAX_DEPTH 64 /* nested parentheses and nots: keeps the recursion bounded */

/* ---- patterns: the regular-expression subset of =~ and !~ ---- */

/* The end of the atom at p: a character, '.', a [class] or a \ escape; NULL
 * when it is not closed. */
static const char *atom_end(const char *p)
{
    if (*p == '\\') return p[1] ? p + 2 : NULL;
    if (*p != '[') return p + 1;
    const char *q = p + 1;
    if (*q == '^') q++;
    if (*q == ']') q++; /* a ']' first is a member, as in Java */
    while (*q && *q != ']') q += (*q == '\\' && q[1]) ? 2 : 1;
    return *q == ']' ? q + 1 : NULL;
}

static int escape_match(char e, int c)
{
    switch (e) {
    case 'd':
        return isdigit(c) != 0;
    case 'D':
        return !isdigit(c);
    case 'w':
        return isalnum(c) || c == '_';
    case 'W':
        return !(isalnum(c) || c == '_');
    case 's':
        return isspace(c) != 0;
    case 'S':
        return !isspace(c);
    default:
        return c == (unsigned char) e;
    }
}

/* c against the class [p, end) (p at '[', end past ']'). */
static int class_match(const char *p, const char *end, int c)
{
    const char *q = p + 1, *stop = end - 1;
    int negate = *q == '^', in = 0;
    if (negate) q++;
    for (int first = 1; q < stop; first = 0) {
        if (*q == ']' && !first) break;
        if (*q == '\\') {
            in |= escape_match(q[1], c);
            q += 2;
        } else if (q + 2 < stop && q[1] == '-') {
            in |= c >= (unsigned char) q[0] && c <= (unsigned char) q[2];
            q += 3;
        } else {
            in |= c == (unsigned char) *q;
            q++;
        }
    }
    return in != negate;
}

static int atom_match(const char *p, const char *end, int c)
{
    if (*p == '\\') return escape_match(p[1], c);
    if (*p == '.') return 1;
    if (*p == '[') return class_match(p, end, c);
    return c == (unsigned char) *p;
}

static int is_quant(char c)
{
    return c == '*' || c == '+' || c == '?';
}

/* The pattern without a leading ^ and a trailing unescaped $ (the match is
 * of the whole value anyway, as Java's String.matches). */
static void pattern_span(const char *pattern, const char **start, const char **end)
{
    const char *s = pattern, *e = pattern + strlen(pattern);
    if (*s == '^') s++;
    if (e > s && e[-1] == '$') {
        size_t bs = 0;
        while (e - 1 - (ptrdiff_t) bs > s && e[-2 - (ptrdiff_t) bs] == '\\') bs++;
        if (bs % 2 == 0) e--;
    }
    *start = s;
    *end = e;
}

/* NULL when the pattern is in the subset, else what is wrong with it. */
static const char *pattern_problem(const char *pattern)
{
    const char *p, *end;
    pattern_span(pattern, &p, &end);
    while (p < end) {
        if (is_quant(*p)) return "a quantifier (*, + or ?) follows nothing";
        if (strchr("()|{}^$", *p))
            return "groups, alternation, {n,m} and inner anchors are not modelled";
        if (*p == '\\' && p + 1 < end && isalnum((unsigned char) p[1]) && !strchr("dDwWsS", p[1]))
            return "of the letter escapes only \\d, \\w, \\s and their negations are modelled";
        const char *q = atom_end(p);
        if (!q || q > end) return "a [class] or \\ escape is not closed";
        if (*p == '[') {
            const char *c = p + 1 + (p[1] == '^');
            for (int first = 1; c < q - 1; first = 0) {
                if (*c == ']' && !first) break;
                if (*c == '\\') {
                    if (isalnum((unsigned char) c[1]) && !strchr("dDwWsS", c[1]))
                        return "of the letter escapes only \\d, \\w, \\s and their negations are "
                               "modelled";
                    c += 2;
                } else if (c + 2 < q - 1 && c[1] == '-') {
                    if ((unsigned char) c[0] > (unsigned char) c[2])
                        return "a [class] range runs backwards";
                    c += 3;
                } else {
                    c++;
                }
            }
            if (q - p == 2 || (q - p == 3 && p[1] == '^')) return "a [class] is empty";
        }
        p = q;
        if (p < end && is_quant(*p)) {
            p++;
            if (p < end && is_quant(*p)) return "two quantifiers in a row are not modelled";
        }
    }
    return NULL;
}

int constraint_pattern_match(const char *pattern, const char *value, size_t len)
{
    /* The set of value positions the pattern so far can end at, atom by
     * atom: linear in pattern and value, whatever the pattern. Values are
     * attribute values, at most HOST_ATTR_MAX characters. */
    enum { MAXV = 256 };
    unsigned char cur[MAXV + 1], nxt[MAXV + 1];
    if (len > MAXV) return 0;
    const char *p, *end;
    pattern_span(pattern, &p, &end);
    memset(cur, 0, len + 1);
    cur[0] = 1;
    while (p < end) {
        const char *q = atom_end(p);
        if (!q || q > end) return 0; /* not a pattern constraint_parse accepts */
        char quant = q < end && is_quant(*q) ? *q : 0;
        const unsigned char *s = (const unsigned char *) value;
        if (quant == '*' || quant == '?') {
            memcpy(nxt, cur, len + 1);
        } else {
            memset(nxt, 0, len + 1);
        }
        for (size_t j = 0; j < len; j++)
            if (cur[j] && atom_match(p, q, s[j])) nxt[j + 1] = 1;
        if (quant == '*' || quant == '+')
            for (size_t j = 0; j < len; j++)
                if (nxt[j] && atom_match(p, q, s[j])) nxt[j + 1] = 1;
        int any = 0;
        for (size_t j = 0; j <= len; j++) any |= cur[j] = nxt[j];
        if (!any) return 0;
        p = quant ? q + 1 : q;
    }
    return cur[len];
}

/* ---- the parser ---- */

typedef struct parser {
    const char *text; /* the whole parameter value, for positions */
    const char *p;
    constraint_set *out;
    char *expected;
    size_t len;
    int depth;
} parser;

static int fail(parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(parser *ps, const char *at, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (*at)
        snprintf(ps->expected, ps->len, "%s at character %d", what, (int) (at - ps->text) + 1);
    else
        snprintf(ps->expected, ps->len, "%s at the end", what);
    return -1;
}

static void skip(parser *ps)
{
    while (isspace((unsigned char) *ps->p)) ps->p++;
}

static int word_char(int c)
{
    return isalnum(c) || c == '_';
}

/* Consumes keyword w (any case) when the text has it as a whole word. */
static int keyword(parser *ps, const char *w)
{
    size_t n = strlen(w);
    if (strncasecmp(ps->p, w, n) != 0) return 0;
    if (word_char((unsigned char) w[n - 1]) && word_char((unsigned char) ps->p[n])) return 0;
    ps->p += n;
    return 1;
}

static int new_node(parser *ps, const char *at, int kind, int op, int a, int b, int n_values)
{
    constraint_set *c = ps->out;
    if (c->n_nodes == CONSTRAINT_MAX_NODES)
        return fail(ps, at, "at most %d terms and operators in all", CONSTRAINT_MAX_NODES);
    constraint_node *n = &c->nodes[c->n_nodes];
    n->kind = (uint8_t) kind;
    n->op = (uint8_t) op;
    n->a = (uint16_t) a;
    n->b = (uint16_t) b;
    n->n_values = (uint16_t) n_values;
    return c->n_nodes++;
}

/* Copies s[0, n) into the set's buffer; its offset, or -1. */
static int store(parser *ps, const char *at, const char *s, size_t n)
{
    constraint_set *c = ps->out;
    if (c->buf_used + n + 1 > CONSTRAINT_BUF)
        return fail(ps, at, "at most %d bytes of attribute names and values in all",
                    CONSTRAINT_BUF);
    int off = c->buf_used;
    memcpy(c->buf + off, s, n);
    c->buf[off + n] = '\0';
    c->buf_used = (uint16_t) (off + n + 1);
    return off;
}

/* A value: 'quoted', "quoted", or a run of characters up to a blank or one
 * of `stops`. Stores it; its offset, or -1. */
static int value(parser *ps, const char *stops, const char *what)
{
    skip(ps);
    const char *at = ps->p, *s = at;
    size_t n;
    if (*s == '\'' || *s == '"') {
        const char *close = strchr(s + 1, *s);
        if (!close) return fail(ps, at, "a closing %c for the value", *s);
        if (close == s + 1) return fail(ps, at, "%s", what);
        s++;
        n = (size_t) (close - s);
        ps->p = close + 1;
    } else {
        n = 0;
        while (s[n] && !isspace((unsigned char) s[n]) && !strchr(stops, s[n])) n++;
        if (n == 0) return fail(ps, at, "%s", what);
        ps->p = s + n;
    }
    return store(ps, at, s, n);
}

static const struct {
    const char *word;
    constraint_op op;
} op_words[] = {
    /* the symbols first; "!in" and "!exists" before "!" could mislead */
    {"==", CQ_EQ},
    {"!=", CQ_NE},
    {"=~", CQ_MATCH},
    {"!~", CQ_NOT_MATCH},
    {"!in", CQ_NOT_IN},
    {"!exists", CQ_NOT_EXISTS},
    {"equals", CQ_EQ},
    {"not_equals", CQ_NE},
    {"matches", CQ_MATCH},
    {"not_matches", CQ_NOT_MATCH},
    {"not_in", CQ_NOT_IN},
    {"in", CQ_IN},
    {"not_exists", CQ_NOT_EXISTS},
    {"exists", CQ_EXISTS},
};

static const char *const other_subjects[] = {"agentConnected", "agentVersion",      "ec2InstanceId",
                                             "registeredAt",   "runningTasksCount", "task:group"};

static int parse_or(parser *ps);

/* attribute:<name> <op> <argument> */
static int parse_compare(parser *ps)
{
    const char *at = ps->p;
    if (strncmp(ps->p, "attribute:", 10) != 0) {
        for (size_t i = 0; i < sizeof other_subjects / sizeof *other_subjects; i++)
            if (strncmp(ps->p, other_subjects[i], strlen(other_subjects[i])) == 0)
                return fail(ps, at, "attribute:<name> (ecsim does not model the subject %s)",
                            other_subjects[i]);
        return fail(ps, at, "attribute:<name>");
    }
    ps->p += 10;
    const char *name = ps->p;
    while (*ps->p && (isalnum((unsigned char) *ps->p) || strchr("-_./\\", *ps->p))) ps->p++;
    if (!host_attr_name_ok(name, (size_t) (ps->p - name)))
        return fail(ps, name, "an attribute name (1 to %d letters, digits, -, _, ., / or \\)",
                    HOST_ATTR_MAX);
    int name_off = store(ps, name, name, (size_t) (ps->p - name));
    if (name_off < 0) return -1;

    skip(ps);
    const char *op_at = ps->p;
    size_t k = 0, n_ops = sizeof op_words / sizeof *op_words;
    while (k < n_ops && !keyword(ps, op_words[k].word)) k++;
    if (k == n_ops)
        return fail(ps, op_at,
                    "an operator (==, !=, =~, !~, in, not_in, exists, not_exists) after "
                    "attribute:%s",
                    ps->out->buf + name_off);
    constraint_op op = op_words[k].op;
    int first = 0, n_values = 0;
    if (op == CQ_EQ || op == CQ_NE) {
        first = value(ps, ")", "a value");
        n_values = 1;
    } else if (op == CQ_MATCH || op == CQ_NOT_MATCH) {
        skip(ps);
        const char *pat_at = ps->p;
        first = value(ps, ")", "a pattern");
        if (first >= 0) {
            const char *why = pattern_problem(ps->out->buf + first);
            if (why) return fail(ps, pat_at, "a pattern in the modelled subset (%s)", why);
        }
        n_values = 1;
    } else if (op == CQ_IN || op == CQ_NOT_IN) {
        skip(ps);
        if (*ps->p != '[')
            return fail(ps, ps->p, "[ and a list of values after %s", op_words[k].word);
        ps->p++;
        for (;;) {
            int off = value(ps, ",])", "a value in the list");
            if (off < 0) return -1;
            if (n_values == 0) first = off;
            n_values++;
            skip(ps);
            if (*ps->p == ']') break;
            if (*ps->p != ',') return fail(ps, ps->p, ", or ] in the list");
            ps->p++;
        }
        ps->p++;
    }
    if (first < 0) return -1;
    return new_node(ps, at, NODE_CMP, (int) op, name_off, first, n_values);
}

/* not <unary> | ( <or> ) | <compare> */
static int parse_unary(parser *ps)
{
    skip(ps);
    const char *at = ps->p;
    if (++ps->depth > MAX_DEPTH)
        return fail(ps, at, "at most %d nested parentheses and nots", MAX_DEPTH);
    int r;
    if (keyword(ps, "not") || (*ps->p == '!' && (ps->p++, 1))) {
        int a = parse_unary(ps);
        r = a < 0 ? -1 : new_node(ps, at, NODE_NOT, 0, a, 0, 0);
    } else if (*ps->p == '(') {
        ps->p++;
        r = parse_or(ps);
        skip(ps);
        if (r >= 0 && *ps->p != ')') r = fail(ps, ps->p, "and, or or )");
        if (r >= 0) ps->p++;
    } else {
        r = parse_compare(ps);
    }
    ps->depth--;
    return r;
}

static int parse_and(parser *ps)
{
    int left = parse_unary(ps);
    for (;;) {
        if (left < 0) return -1;
        skip(ps);
        const char *at = ps->p;
        if (!keyword(ps, "and") && !keyword(ps, "&&")) return left;
        int right = parse_unary(ps);
        if (right < 0) return -1;
        left = new_node(ps, at, NODE_AND, 0, left, right, 0);
    }
}

static int parse_or(parser *ps)
{
    int left = parse_and(ps);
    for (;;) {
        if (left < 0) return -1;
        skip(ps);
        const char *at = ps->p;
        if (!keyword(ps, "or") && !keyword(ps, "||")) return left;
        int right = parse_and(ps);
        if (right < 0) return -1;
        left = new_node(ps, at, NODE_OR, 0, left, right, 0);
    }
}

void constraint_init(constraint_set *c)
{
    c->distinct_instance = 0;
    c->n_member_of = 0;
    c->n_nodes = 0;
    c->buf_used = 0;
}

int constraint_parse(const char *text, constraint_set *out, char *expected, size_t len)
{
    parser ps = {text, text, out, expected, len, 0};
    constraint_init(out);
    skip(&ps);
    if (!*ps.p) return 0;
    for (int count = 1;; count++) {
        skip(&ps);
        const char *at = ps.p;
        if (count > CONSTRAINT_MAX)
            return fail(&ps, at, "at most %d constraints (ECS's limit)", CONSTRAINT_MAX);
        if (keyword(&ps, "distinctInstance")) {
            out->distinct_instance = 1;
        } else if (keyword(&ps, "memberOf")) {
            skip(&ps);
            if (*ps.p != '(') return fail(&ps, ps.p, "( after memberOf");
            const char *open = ps.p++;
            int root = parse_or(&ps);
            if (root < 0) return -1;
            skip(&ps);
            if (*ps.p != ')') return fail(&ps, ps.p, "and, or or ) to close memberOf(");
            if (ps.p - open - 1 > CONSTRAINT_EXPR_MAX)
                return fail(&ps, open + 1, "an expression of at most %d characters (ECS's limit)",
                            CONSTRAINT_EXPR_MAX);
            ps.p++;
            out->member_of[out->n_member_of++] = (uint16_t) root;
        } else {
            return fail(&ps, at, "distinctInstance or memberOf(<expression>)");
        }
        skip(&ps);
        if (!*ps.p) return 0;
        if (*ps.p != ';' && *ps.p != ',') return fail(&ps, ps.p, "; between constraints");
        ps.p++;
    }
}

int constraint_check(const char *text, char *expected, size_t len)
{
    constraint_set c;
    constraint_init(&c);
    return constraint_parse(text, &c, expected, len);
}

/* ---- judging a host ---- */

static int in_values(const char *v, size_t len, const char *values, int n)
{
    for (int i = 0; i < n; i++, values += strlen(values) + 1)
        if (strlen(values) == len && memcmp(values, v, len) == 0) return 1;
    return 0;
}

static int eval(const constraint_set *c, uint16_t i, const host *h)
{
    const constraint_node *n = &c->nodes[i];
    switch (n->kind) {
    case NODE_AND:
        return eval(c, n->a, h) && eval(c, n->b, h);
    case NODE_OR:
        return eval(c, n->a, h) || eval(c, n->b, h);
    case NODE_NOT:
        return !eval(c, n->a, h);
    default:
        break;
    }
    const char *v;
    size_t len;
    int has = host_attr(h, c->buf + n->a, &v, &len);
    const char *arg = c->buf + n->b;
    switch ((constraint_op) n->op) {
    case CQ_EQ:
        return has && in_values(v, len, arg, 1);
    case CQ_NE:
        return has && !in_values(v, len, arg, 1);
    case CQ_MATCH:
        return has && constraint_pattern_match(arg, v, len);
    case CQ_NOT_MATCH:
        return has && !constraint_pattern_match(arg, v, len);
    case CQ_IN:
        return has && in_values(v, len, arg, n->n_values);
    case CQ_NOT_IN:
        return has && !in_values(v, len, arg, n->n_values);
    case CQ_EXISTS:
        return has;
    case CQ_NOT_EXISTS:
        return !has;
    }
    return 0;
}

int constraint_member_of(const constraint_set *c, const host *h)
{
    for (int i = 0; i < c->n_member_of; i++)
        if (!eval(c, c->member_of[i], h)) return 0;
    return 1;
}
