/*
 * The linter: static checks of the migration files, no database needed
 * (`pgmigrate lint`, docs/lint.md). It reads the files the way the runner
 * does: pgm_lex() splits them into statements and pgm_token_next() gives
 * the tokens of each, so strings, dollar quotes and comments never fool
 * it. On top of the tokens sits a small recogniser for the statements a
 * migration is made of (CREATE, DROP, ALTER TABLE), with identifiers
 * normalised as PostgreSQL does (unquoted folded to lower case, quoted
 * kept, schema-qualified names split).
 *
 * Migrations are checked in version order. Per file: the statement
 * checks and the `-- pgmigrate:ignore` directives; per migration: the
 * down against what the up creates; over the whole set: foreign keys
 * against the indexes every up file creates. Findings carry a rule id,
 * a severity, file:line:column (in characters) and a fix; the caller
 * decides how to show them.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum {
	R_IF_NOT_EXISTS,
	R_IF_EXISTS,
	R_FK_INDEX,
	R_NO_DOWN,
	R_DOWN_INCOMPLETE,
	R_NO_COMMENT,
	R_INDEX_CONCURRENTLY,
	R_NOT_NULL_COLUMN,
	R_SET_NOT_NULL,
	R_TYPE_CHANGE,
	R_CONSTRAINT_NOT_VALID,
	R_TXCTL,
	R_IDENT_LENGTH,
	R_SYNTAX,
	R_MIXED_TX,
	R_PAIR_NAME,
	R_EMPTY,
	R_COUNT
};

static const pgm_lint_rule rules[R_COUNT] = {
	{ "PGM001", "warning", "if-not-exists", "CREATE or ADD COLUMN without IF NOT EXISTS (views and functions: without OR REPLACE)" },
	{ "PGM002", "warning", "if-exists", "DROP, DROP COLUMN or DROP CONSTRAINT without IF EXISTS" },
	{ "PGM003", "warning", "fk-index", "a foreign key whose columns lead no index of the migration set" },
	{ "PGM004", "error", "down-missing", "a migration without a down migration, or with an empty one" },
	{ "PGM005", "error", "down-incomplete", "the down migration never mentions something its up migration creates" },
	{ "PGM006", "warning", "no-comment", "a migration file without a comment" },
	{ "PGM007", "warning", "index-concurrently", "CREATE INDEX without CONCURRENTLY on an existing table" },
	{ "PGM008", "error", "add-column-not-null", "ADD COLUMN ... NOT NULL without a DEFAULT on an existing table" },
	{ "PGM009", "warning", "set-not-null", "ALTER COLUMN ... SET NOT NULL on an existing table" },
	{ "PGM010", "warning", "column-type", "ALTER COLUMN ... TYPE on an existing table" },
	{ "PGM011", "warning", "constraint-not-valid", "ADD CONSTRAINT on an existing table without NOT VALID" },
	{ "PGM012", "warning", "transaction-control", "transaction control other than one BEGIN ... COMMIT around the whole file (a transaction left open: an error)" },
	{ "PGM013", "error", "identifier-length", "an identifier longer than 63 bytes" },
	{ "PGM014", "error", "syntax", "an unterminated string, identifier or comment, or a psql meta-command" },
	{ "PGM015", "error", "mixed-transaction", "a statement that cannot run in a transaction mixed with others" },
	{ "PGM016", "warning", "pair-name", "the down file's description is not the up file's" },
	{ "PGM017", "warning", "empty", "an up migration without any statement" },
};

#define BIT(r) ((uint32_t)1 << (r))
#define ALL_RULES ((uint32_t)0xFFFFFFFFu)
#define NAMEDATALEN_MAX 63

const pgm_lint_rule *pgm_lint_rules(size_t *out_count)
{
	if (out_count)
		*out_count = R_COUNT;
	return rules;
}

/* ---- state ---- */

typedef const char *cstr;

/* a possibly schema-qualified name; strings live in the arena */
typedef struct qname {
	cstr schema;     /* NULL when unqualified */
	cstr name;       /* NULL when there is none */
	cstr disp;       /* as written */
} qname;

typedef struct lfile {
	const char *display;
	const char *text;
	size_t len;
	int64_t version;
	int is_up;
	pgm_lex_result lex;
	uint32_t file_mask;      /* rules ignored in the whole file */
	uint32_t *stmt_mask;     /* rules ignored per statement */
	size_t *region_end;      /* statement k owns the comments in [region_end[k-1], region_end[k]) */
	int helpful_comment;     /* a comment that is not only a directive */
} lfile;

typedef struct idx_rec {     /* an index some up file creates */
	qname table;
	cstr *cols;              /* NULL entries: expressions */
	size_t ncols;
	int partial;
} idx_rec;

typedef struct fk_rec {      /* a foreign key some up file declares */
	qname table;
	cstr *cols;
	size_t ncols;
	size_t file;
	size_t off;
} fk_rec;

typedef struct obj_rec {     /* something the current up creates */
	const char *kind;        /* "table", "index", ... */
	qname name;
	qname table;             /* for indexes, triggers, columns, constraints */
	size_t off;
} obj_rec;

typedef struct pending {
	pgm_finding f;
	size_t file;
	size_t off;
	size_t seq;
} pending;

typedef struct blk {
	struct blk *next;
	size_t used, cap;
	char data[];
} blk;

typedef struct linter {
	blk *arena;
	int oom;
	uint32_t disabled;
	lfile *files;
	size_t nfiles;
	pending *found;
	size_t nfound, capfound;
	idx_rec *idx;
	size_t nidx, capidx;
	fk_rec *fks;
	size_t nfks, capfks;
	obj_rec *objs;            /* created by the current up */
	size_t nobjs, capobjs;
	qname *created;           /* tables created by the current file so far */
	size_t ncreated, capcreated;
	qname *dropped;           /* tables dropped by the current down */
	size_t ndropped, capdropped;
	cstr *mentions;           /* identifiers of the current down */
	size_t nmentions, capmentions;
	pgm_token *tok;           /* tokens of the current statement */
	size_t ntok, captok;
} linter;

#define DEFINE_PUSH(fn, T) \
	static T *fn(linter *L, T **arr, size_t *n, size_t *cap) \
	{ \
		if (*n == *cap) { \
			size_t ncap = *cap ? *cap * 2 : 16; \
			T *p = realloc(*arr, ncap * sizeof *p); \
			if (!p) { \
				L->oom = 1; \
				return NULL; \
			} \
			*arr = p; \
			*cap = ncap; \
		} \
		memset(&(*arr)[*n], 0, sizeof **arr); \
		return &(*arr)[(*n)++]; \
	}

DEFINE_PUSH(push_pending, pending)
DEFINE_PUSH(push_idx, idx_rec)
DEFINE_PUSH(push_fk, fk_rec)
DEFINE_PUSH(push_obj, obj_rec)
DEFINE_PUSH(push_qname, qname)
DEFINE_PUSH(push_cstr, cstr)
DEFINE_PUSH(push_token, pgm_token)

/* the arena: every small string and array of one run, freed at once */
static void *aalloc(linter *L, size_t n)
{
	void *p;
	n = (n + 7) & ~(size_t)7;
	if (!L->arena || L->arena->cap - L->arena->used < n) {
		size_t cap = n > 16384 ? n : 16384;
		blk *b = malloc(sizeof *b + cap);
		if (!b) {
			L->oom = 1;
			return NULL;
		}
		b->next = L->arena;
		b->used = 0;
		b->cap = cap;
		L->arena = b;
	}
	p = L->arena->data + L->arena->used;
	L->arena->used += n;
	return p;
}

/* never NULL: "" when out of memory (the run then fails with PGM_ENOMEM) */
static cstr astrndup(linter *L, const char *s, size_t n)
{
	char *p = aalloc(L, n + 1);
	if (!p)
		return "";
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- rule lists: --disable and the ignore directives ---- */

static int rule_index(const char *s, size_t n)
{
	int r;
	for (r = 0; r < R_COUNT; r++) {
		size_t k;
		const char *id = rules[r].id, *name = rules[r].name;
		if (strlen(id) == n) {
			for (k = 0; k < n && toupper((unsigned char)s[k]) == id[k]; k++)
				;
			if (k == n)
				return r;
		}
		if (strlen(name) == n) {
			for (k = 0; k < n && tolower((unsigned char)s[k]) == name[k]; k++)
				;
			if (k == n)
				return r;
		}
	}
	return -1;
}

static int parse_disabled(const char *const *list, uint32_t *mask, char **out_bad)
{
	size_t i;
	*mask = 0;
	for (i = 0; list && list[i]; i++) {
		const char *p = list[i];
		while (*p) {
			size_t n;
			int r;
			while (*p == ',' || *p == ' ')
				p++;
			n = strcspn(p, ", ");
			if (n == 0)
				break;
			r = rule_index(p, n);
			if (r < 0) {
				if (out_bad)
					*out_bad = pgm_strndup(p, n);
				return PGM_EUSAGE;
			}
			*mask |= BIT(r);
			p += n;
		}
	}
	return 0;
}

/* the directives in one comment: `pgmigrate:ignore[-file] [ID[, ID]...] [reason]` */
static void parse_directives(const char *c, size_t n, uint32_t *stmt_mask, uint32_t *file_mask)
{
	static const char key[] = "pgmigrate:ignore";
	size_t kl = sizeof key - 1, i = 0;
	while (i + kl <= n) {
		int file_level = 0, any = 0;
		uint32_t m = 0;
		if (memcmp(c + i, key, kl) != 0) {
			i++;
			continue;
		}
		i += kl;
		if (i + 5 <= n && memcmp(c + i, "-file", 5) == 0) {
			file_level = 1;
			i += 5;
		}
		if (i < n && c[i] != ' ' && c[i] != '\t' && c[i] != ',' && c[i] != '*' && c[i] != '\r' && c[i] != '\n')
			continue; /* pgmigrate:ignored... is not a directive */
		for (;;) {
			size_t s, e;
			int r;
			while (i < n && (c[i] == ' ' || c[i] == '\t' || c[i] == ','))
				i++;
			s = e = i;
			while (e < n && (isalnum((unsigned char)c[e]) || c[e] == '-' || c[e] == '_'))
				e++;
			if (e == s)
				break;
			r = rule_index(c + s, e - s);
			if (r < 0)
				break; /* the reason starts here */
			m |= BIT(r);
			any = 1;
			i = e;
		}
		if (!any)
			m = ALL_RULES;
		if (file_level)
			*file_mask |= m;
		else
			*stmt_mask |= m;
	}
}

/* a comment that says something (not only a pgmigrate/goose/dbmate marker) */
static int helpful_comment(const char *c, size_t n)
{
	size_t i;
	int alnum = 0;
	for (i = 0; i < n; i++) {
		if (n - i >= 10 && memcmp(c + i, "pgmigrate:", 10) == 0)
			return 0;
		if (n - i >= 6 && memcmp(c + i, "+goose", 6) == 0)
			return 0;
		if (n - i >= 17 && memcmp(c + i, "transaction:false", 17) == 0)
			return 0;
		if (isalnum((unsigned char)c[i]))
			alnum = 1;
	}
	return alnum;
}

/* ---- findings ---- */

static size_t stmt_at(const lfile *f, size_t off)
{
	size_t k;
	for (k = 0; k < f->lex.count; k++)
		if (off < f->region_end[k])
			return k;
	return f->lex.count;
}

/*
 * Record a finding unless the rule is off: for the run, for the file
 * (plus `extra_mask`, the other file of the pair), or for the statement
 * at `off` (not for file-level findings). Takes msg and fix.
 */
static void report(linter *L, int rule, size_t fi, size_t off, int file_level, uint32_t extra_mask,
	char *msg, char *fix)
{
	const lfile *f = &L->files[fi];
	pending *p;
	uint32_t mask = L->disabled | f->file_mask | extra_mask;

	if (!file_level) {
		size_t k = stmt_at(f, off);
		if (k < f->lex.count)
			mask |= f->stmt_mask[k];
	}
	if ((mask & BIT(rule)) || !msg || !fix || !(p = push_pending(L, &L->found, &L->nfound, &L->capfound))) {
		if (!msg || !fix)
			L->oom = 1;
		free(msg);
		free(fix);
		return;
	}
	p->f.rule = rules[rule].id;
	p->f.severity = rules[rule].severity;
	p->f.file = pgm_strdup(f->display);
	p->f.version = f->version;
	p->f.message = msg;
	p->f.fix = fix;
	pgm_text_position(f->text, f->len, off, &p->f.line, &p->f.column);
	p->f.source_line = f->len > 0 ? pgm__line_excerpt(f->text, f->len, off, 1, &p->f.source_column) : NULL;
	p->file = fi;
	p->off = off;
	p->seq = L->nfound;
	if (!p->f.file)
		L->oom = 1;
}

/* ---- tokens of one statement ---- */

typedef struct sx {
	linter *L;
	size_t fi;
	lfile *f;
	const char *sql;
	const pgm_token *t;
	size_t n;
} sx;

static int W(const sx *s, size_t i, const char *kw)
{
	return i < s->n && pgm_token_is(&s->t[i], s->sql, kw);
}

static int T(const sx *s, size_t i, pgm_tok_type type)
{
	return i < s->n && s->t[i].type == type;
}

static int is_ident(const sx *s, size_t i)
{
	return T(s, i, PGM_TOK_WORD) || T(s, i, PGM_TOK_QIDENT);
}

static int if_not_exists(const sx *s, size_t i)
{
	return W(s, i, "IF") && W(s, i + 1, "NOT") && W(s, i + 2, "EXISTS");
}

static size_t off_of(const sx *s, size_t i)
{
	return i < s->n ? s->t[i].start : (s->n ? s->t[s->n - 1].start : 0);
}

/* the bytes of a quoted identifier without its quotes, "" unescaped */
static size_t qident_body(const char *p, size_t n, char *out)
{
	size_t i, o = 0;
	if (n >= 2 && (p[0] == 'U' || p[0] == 'u') && p[1] == '&') {
		p += 2;
		n -= 2;
	}
	if (n >= 1 && p[0] == '"') {
		p++;
		n--;
	}
	if (n >= 1 && p[n - 1] == '"')
		n--;
	for (i = 0; i < n; i++) {
		if (out)
			out[o] = p[i];
		o++;
		if (p[i] == '"' && i + 1 < n && p[i + 1] == '"')
			i++;
	}
	return o;
}

/* an identifier as PostgreSQL sees it: unquoted folded to lower case */
static cstr norm_ident(linter *L, const char *sql, const pgm_token *t)
{
	const char *p = sql + t->start;
	char *out = aalloc(L, t->len + 1);
	size_t i, n;
	if (!out)
		return "";
	if (t->type == PGM_TOK_QIDENT) {
		n = qident_body(p, t->len, out);
	} else {
		n = t->len;
		for (i = 0; i < n; i++)
			out[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + ('a' - 'A') : p[i]);
	}
	out[n] = '\0';
	return out;
}

/* name[.name[.name]] at i; returns the index after it (i when there is none) */
static size_t parse_qname(const sx *s, size_t i, qname *q)
{
	size_t j = i;
	cstr prev = NULL, last = NULL;
	memset(q, 0, sizeof *q);
	if (!is_ident(s, i))
		return i;
	for (;;) {
		prev = last;
		last = norm_ident(s->L, s->sql, &s->t[j]);
		j++;
		if (T(s, j, PGM_TOK_DOT) && is_ident(s, j + 1))
			j++;
		else
			break;
	}
	q->name = last;
	q->schema = prev;
	q->disp = astrndup(s->L, s->sql + s->t[i].start, s->t[j - 1].start + s->t[j - 1].len - s->t[i].start);
	return j;
}

static int qname_eq(const qname *a, const qname *b)
{
	if (!a->name || !b->name || strcmp(a->name, b->name) != 0)
		return 0;
	return !a->schema || !b->schema || strcmp(a->schema, b->schema) == 0;
}

/* index of the ')' matching the '(' at open, or s->n */
static size_t group_close(const sx *s, size_t open)
{
	size_t i;
	int depth = 0;
	for (i = open; i < s->n; i++) {
		if (s->t[i].type == PGM_TOK_LPAREN)
			depth++;
		else if (s->t[i].type == PGM_TOK_RPAREN && --depth == 0)
			return i;
	}
	return s->n;
}

/* the next top-level comma-separated element [*a, *b) before `close` */
static int next_elem(const sx *s, size_t *pos, size_t close, size_t *a, size_t *b)
{
	size_t j = *pos;
	int depth = 0;
	if (j >= close)
		return 0;
	*a = j;
	for (; j < close; j++) {
		if (s->t[j].type == PGM_TOK_LPAREN)
			depth++;
		else if (s->t[j].type == PGM_TOK_RPAREN)
			depth--;
		else if (s->t[j].type == PGM_TOK_COMMA && depth == 0)
			break;
	}
	*b = j;
	*pos = j + 1;
	return 1;
}

/* a keyword at parenthesis depth 0 of [a, b) */
static int has_top(const sx *s, size_t a, size_t b, const char *kw, const char *next)
{
	size_t j;
	int depth = 0;
	for (j = a; j < b && j < s->n; j++) {
		if (s->t[j].type == PGM_TOK_LPAREN)
			depth++;
		else if (s->t[j].type == PGM_TOK_RPAREN)
			depth--;
		else if (depth == 0 && W(s, j, kw) && (!next || W(s, j + 1, next)))
			return 1;
	}
	return 0;
}

/*
 * The column list of the group at `open`: a plain column name per element,
 * NULL for an expression (lower(email), (a + b)). Returns the index after
 * the group.
 */
static size_t parse_cols(const sx *s, size_t open, cstr **out, size_t *out_n)
{
	size_t close = group_close(s, open), pos = open + 1, a, b, n = 0, k = 0;
	cstr *cols;
	*out = NULL;
	*out_n = 0;
	while (next_elem(s, &pos, close, &a, &b))
		n++;
	if (n == 0 || !(cols = aalloc(s->L, n * sizeof *cols)))
		return close < s->n ? close + 1 : close;
	pos = open + 1;
	while (next_elem(s, &pos, close, &a, &b) && k < n) {
		/* col, col DESC, col text_pattern_ops, col COLLATE "C": a column */
		if (a < b && is_ident(s, a) && (a + 1 == b || is_ident(s, a + 1)))
			cols[k] = norm_ident(s->L, s->sql, &s->t[a]);
		else
			cols[k] = NULL;
		k++;
	}
	*out = cols;
	*out_n = k;
	return close < s->n ? close + 1 : close;
}

static const char *join_cols(linter *L, cstr *cols, size_t n, const char *sep)
{
	pgm_buf b = PGM_BUF_INIT;
	size_t i;
	char *tmp;
	cstr r;
	for (i = 0; i < n; i++)
		pgm_buf_printf(&b, "%s%s", i ? sep : "", cols[i] ? cols[i] : "?");
	tmp = pgm_buf_take(&b);
	if (!tmp) {
		L->oom = 1;
		return "";
	}
	r = astrndup(L, tmp, strlen(tmp));
	free(tmp);
	return r;
}

/* ---- what the statements create ---- */

static int created_here(const linter *L, const qname *table)
{
	size_t i;
	for (i = 0; i < L->ncreated; i++)
		if (qname_eq(&L->created[i], table))
			return 1;
	return 0;
}

static void add_index(sx *s, const qname *table, cstr *cols, size_t ncols, int partial)
{
	idx_rec *r;
	if (!s->f->is_up || !table->name || ncols == 0)
		return;
	if ((r = push_idx(s->L, &s->L->idx, &s->L->nidx, &s->L->capidx))) {
		r->table = *table;
		r->cols = cols;
		r->ncols = ncols;
		r->partial = partial;
	}
}

static void add_fk(sx *s, const qname *table, cstr *cols, size_t ncols, size_t tok)
{
	fk_rec *r;
	size_t i;
	if (!s->f->is_up || !table->name || ncols == 0)
		return;
	for (i = 0; i < ncols; i++)
		if (!cols[i])
			return;
	if ((r = push_fk(s->L, &s->L->fks, &s->L->nfks, &s->L->capfks))) {
		r->table = *table;
		r->cols = cols;
		r->ncols = ncols;
		r->file = s->fi;
		r->off = off_of(s, tok);
	}
}

static cstr *one_col(linter *L, cstr col)
{
	cstr *a = aalloc(L, sizeof *a);
	if (a)
		*a = col;
	return a;
}

static void add_obj(sx *s, const char *kind, const qname *name, const qname *table, size_t tok)
{
	obj_rec *o;
	if (!s->f->is_up || !name->name)
		return;
	if ((o = push_obj(s->L, &s->L->objs, &s->L->nobjs, &s->L->capobjs))) {
		o->kind = kind;
		o->name = *name;
		if (table)
			o->table = *table;
		o->off = off_of(s, tok);
	}
}

/* ---- the statement checks ---- */

typedef struct coldef {
	cstr name;
	int not_null;
	int has_default;
} coldef;

/* a column definition [a, b) of CREATE TABLE or ADD COLUMN */
static void column_def(sx *s, size_t a, size_t b, const qname *table, coldef *cd)
{
	size_t j;
	int depth = 0;
	memset(cd, 0, sizeof *cd);
	if (!is_ident(s, a))
		return;
	cd->name = norm_ident(s->L, s->sql, &s->t[a]);
	if (W(s, a + 1, "SERIAL") || W(s, a + 1, "BIGSERIAL") || W(s, a + 1, "SMALLSERIAL") ||
	    W(s, a + 1, "SERIAL2") || W(s, a + 1, "SERIAL4") || W(s, a + 1, "SERIAL8"))
		cd->has_default = 1;
	for (j = a + 1; j < b; j++) {
		if (s->t[j].type == PGM_TOK_LPAREN) {
			depth++;
			continue;
		}
		if (s->t[j].type == PGM_TOK_RPAREN) {
			depth--;
			continue;
		}
		if (depth != 0)
			continue;
		if (W(s, j, "NOT") && W(s, j + 1, "NULL"))
			cd->not_null = 1;
		else if (W(s, j, "DEFAULT") && !W(s, j - 1, "SET"))  /* not ON DELETE SET DEFAULT */
			cd->has_default = 1;
		else if (W(s, j, "GENERATED"))
			cd->has_default = 1;  /* identity or generated: filled in */
		else if (W(s, j, "PRIMARY") && W(s, j + 1, "KEY")) {
			cd->not_null = 1;
			add_index(s, table, one_col(s->L, cd->name), 1, 0);
		} else if (W(s, j, "UNIQUE"))
			add_index(s, table, one_col(s->L, cd->name), 1, 0);
		else if (W(s, j, "REFERENCES"))
			add_fk(s, table, one_col(s->L, cd->name), 1, j);
	}
}

enum { TC_NONE, TC_PK, TC_UNIQUE, TC_FK, TC_CHECK, TC_EXCLUDE };

/* a table constraint [a, b) (after CONSTRAINT name) */
static int table_constraint(sx *s, size_t a, size_t b, const qname *table, int *not_valid, int *using_index)
{
	size_t j = a;
	int kind = TC_NONE;
	cstr *cols;
	size_t ncols;

	*not_valid = *using_index = 0;
	if (W(s, j, "PRIMARY") && W(s, j + 1, "KEY")) {
		kind = TC_PK;
		j += 2;
	} else if (W(s, j, "UNIQUE")) {
		kind = TC_UNIQUE;
		j++;
		if (W(s, j, "NULLS")) {
			j++;
			if (W(s, j, "NOT"))
				j++;
			if (W(s, j, "DISTINCT"))
				j++;
		}
	} else if (W(s, j, "FOREIGN") && W(s, j + 1, "KEY")) {
		kind = TC_FK;
		j += 2;
	} else if (W(s, j, "CHECK")) {
		kind = TC_CHECK;
	} else if (W(s, j, "EXCLUDE") && (W(s, j + 1, "USING") || T(s, j + 1, PGM_TOK_LPAREN))) {
		kind = TC_EXCLUDE;
	}
	if (kind == TC_PK || kind == TC_UNIQUE) {
		if (W(s, j, "USING") && W(s, j + 1, "INDEX"))
			*using_index = 1;
		else if (T(s, j, PGM_TOK_LPAREN)) {
			parse_cols(s, j, &cols, &ncols);
			add_index(s, table, cols, ncols, 0);
		}
	} else if (kind == TC_FK && T(s, j, PGM_TOK_LPAREN)) {
		parse_cols(s, j, &cols, &ncols);
		add_fk(s, table, cols, ncols, a);
	}
	*not_valid = has_top(s, a, b, "NOT", "VALID");
	return kind;
}

static int is_table_constraint_start(const sx *s, size_t a)
{
	return W(s, a, "PRIMARY") || W(s, a, "UNIQUE") || W(s, a, "FOREIGN") || W(s, a, "CHECK") ||
	       (W(s, a, "EXCLUDE") && (W(s, a + 1, "USING") || T(s, a + 1, PGM_TOK_LPAREN)));
}

static void create_table(sx *s, size_t i, int temp, int foreign)
{
	int ifne = 0;
	qname name;
	size_t name_tok, close, pos, a, b;

	if (if_not_exists(s, i)) {
		ifne = 1;
		i += 3;
	}
	name_tok = i;
	i = parse_qname(s, i, &name);
	if (!name.name)
		return;
	if (!ifne)
		report(s->L, R_IF_NOT_EXISTS, s->fi, off_of(s, 0), 0, 0,
			pgm_aprintf("CREATE %sTABLE %s without IF NOT EXISTS fails when the table already exists",
				foreign ? "FOREIGN " : "", name.disp),
			pgm_aprintf("write CREATE %sTABLE IF NOT EXISTS %s", foreign ? "FOREIGN " : "", name.disp));
	{
		qname *c = push_qname(s->L, &s->L->created, &s->L->ncreated, &s->L->capcreated);
		if (c)
			*c = name;
	}
	if (!temp)
		add_obj(s, "table", &name, NULL, name_tok);
	if (!T(s, i, PGM_TOK_LPAREN))
		return; /* AS SELECT, PARTITION OF, OF type */
	close = group_close(s, i);
	pos = i + 1;
	while (next_elem(s, &pos, close, &a, &b)) {
		int nv, ui;
		if (a == b)
			continue;
		if (W(s, a, "CONSTRAINT"))
			table_constraint(s, a + 2, b, &name, &nv, &ui);
		else if (is_table_constraint_start(s, a))
			table_constraint(s, a, b, &name, &nv, &ui);
		else if (!W(s, a, "LIKE") && !foreign) {
			coldef cd;
			column_def(s, a, b, &name, &cd);
		}
	}
}

static void create_index(sx *s, size_t i, int unique)
{
	int conc = 0, ifne = 0, partial = 0;
	qname name, table;
	size_t name_tok, j, ncols = 0;
	cstr *cols = NULL;
	const char *what = unique ? "UNIQUE INDEX" : "INDEX", *cols_text = "(...)";

	memset(&name, 0, sizeof name);
	if (W(s, i, "CONCURRENTLY")) {
		conc = 1;
		i++;
	}
	if (if_not_exists(s, i)) {
		ifne = 1;
		i += 3;
	}
	name_tok = i;
	if (!W(s, i, "ON"))
		i = parse_qname(s, i, &name);
	if (!W(s, i, "ON"))
		return;
	i++;
	if (W(s, i, "ONLY"))
		i++;
	i = parse_qname(s, i, &table);
	if (!table.name)
		return;
	if (W(s, i, "USING"))
		i += 2;
	if (T(s, i, PGM_TOK_LPAREN)) {
		size_t close = group_close(s, i);
		if (close < s->n)
			cols_text = astrndup(s->L, s->sql + s->t[i].start, s->t[close].start + 1 - s->t[i].start);
		j = parse_cols(s, i, &cols, &ncols);
		partial = has_top(s, j, s->n, "WHERE", NULL);
		add_index(s, &table, cols, ncols, partial);
	}
	if (!ifne) {
		size_t k;
		int plain = ncols > 0;
		for (k = 0; k < ncols; k++)
			plain = plain && cols[k];
		if (name.name)
			report(s->L, R_IF_NOT_EXISTS, s->fi, off_of(s, 0), 0, 0,
				pgm_aprintf("CREATE %s %s without IF NOT EXISTS fails when the index already exists", what, name.disp),
				pgm_aprintf("write CREATE %s %sIF NOT EXISTS %s", what, conc ? "CONCURRENTLY " : "", name.disp));
		else
			report(s->L, R_IF_NOT_EXISTS, s->fi, off_of(s, 0), 0, 0,
				pgm_aprintf("CREATE %s on %s has no name, so it cannot use IF NOT EXISTS and a second run creates a duplicate index", what, table.disp),
				pgm_aprintf("name it: CREATE %s %sIF NOT EXISTS %s%s%s%s ON %s %s", what, conc ? "CONCURRENTLY " : "",
					plain ? "idx_" : "a_name", plain ? table.name : "", plain ? "_" : "",
					plain ? join_cols(s->L, cols, ncols, "_") : "", table.disp, cols_text));
	}
	if (!conc && !created_here(s->L, &table))
		report(s->L, R_INDEX_CONCURRENTLY, s->fi, off_of(s, 0), 0, 0,
			pgm_aprintf("CREATE %s on the existing table %s blocks writes to it until the index is built", what, table.disp),
			pgm_aprintf("use CREATE %s CONCURRENTLY%s in a migration of its own (pgmigrate runs it outside a transaction)",
				what, ifne ? " IF NOT EXISTS" : ""));
	if (name.name)
		add_obj(s, "index", &name, &table, name_tok);
}

/* CREATE SEQUENCE/SCHEMA/EXTENSION/MATERIALIZED VIEW/...: IF NOT EXISTS */
static void create_simple(sx *s, size_t i, const char *what, const char *kind)
{
	int ifne = 0;
	qname name;
	size_t name_tok;
	if (if_not_exists(s, i)) {
		ifne = 1;
		i += 3;
	}
	if (W(s, i, "AUTHORIZATION"))  /* CREATE SCHEMA AUTHORIZATION role: named after the role */
		i++;
	name_tok = i;
	parse_qname(s, i, &name);
	if (!ifne)
		report(s->L, R_IF_NOT_EXISTS, s->fi, off_of(s, 0), 0, 0,
			pgm_aprintf("CREATE %s%s%s without IF NOT EXISTS fails when it already exists", what,
				name.disp ? " " : "", name.disp ? name.disp : ""),
			pgm_aprintf("write CREATE %s IF NOT EXISTS%s%s", what, name.disp ? " " : "", name.disp ? name.disp : ""));
	if (kind)
		add_obj(s, kind, &name, NULL, name_tok);
}

/* CREATE VIEW/FUNCTION/PROCEDURE: OR REPLACE is their IF NOT EXISTS */
static void create_replaceable(sx *s, size_t i, int or_replace, const char *what, const char *kind)
{
	qname name;
	parse_qname(s, i, &name);
	if (!name.name)
		return;
	if (!or_replace)
		report(s->L, R_IF_NOT_EXISTS, s->fi, off_of(s, 0), 0, 0,
			pgm_aprintf("CREATE %s %s without OR REPLACE fails when it already exists", what, name.disp),
			pgm_aprintf("write CREATE OR REPLACE %s %s", what, name.disp));
	if (kind)
		add_obj(s, kind, &name, NULL, i);
}

static void create_trigger(sx *s, size_t i)
{
	qname name, table;
	size_t j, name_tok = i;
	i = parse_qname(s, i, &name);
	for (j = i; j < s->n; j++)
		if (W(s, j, "ON"))
			break;
	parse_qname(s, j + 1, &table);
	if (name.name && table.name)
		add_obj(s, "trigger", &name, &table, name_tok);
}

static void check_create(sx *s)
{
	size_t i = 1;
	int or_replace = 0, temp = 0, unique = 0;

	if (W(s, 1, "OR") && W(s, 2, "REPLACE")) {
		or_replace = 1;
		i = 3;
	}
	for (;;) {
		if (W(s, i, "TEMP") || W(s, i, "TEMPORARY"))
			temp = 1;
		else if (W(s, i, "UNIQUE"))
			unique = 1;
		else if (!(W(s, i, "GLOBAL") || W(s, i, "LOCAL") || W(s, i, "UNLOGGED") || W(s, i, "RECURSIVE") ||
		           W(s, i, "CONSTRAINT") || W(s, i, "TRUSTED") || W(s, i, "PROCEDURAL")))
			break;
		i++;
	}
	if (W(s, i, "TABLE"))
		create_table(s, i + 1, temp, 0);
	else if (W(s, i, "FOREIGN") && W(s, i + 1, "TABLE"))
		create_table(s, i + 2, temp, 1);
	else if (W(s, i, "INDEX"))
		create_index(s, i + 1, unique);
	else if (W(s, i, "SEQUENCE"))
		create_simple(s, i + 1, "SEQUENCE", temp ? NULL : "sequence");
	else if (W(s, i, "SCHEMA"))
		create_simple(s, i + 1, "SCHEMA", "schema");
	else if (W(s, i, "EXTENSION"))
		create_simple(s, i + 1, "EXTENSION", NULL);
	else if (W(s, i, "MATERIALIZED") && W(s, i + 1, "VIEW"))
		create_simple(s, i + 2, "MATERIALIZED VIEW", "materialized view");
	else if (W(s, i, "STATISTICS"))
		create_simple(s, i + 1, "STATISTICS", NULL);
	else if (W(s, i, "COLLATION"))
		create_simple(s, i + 1, "COLLATION", NULL);
	else if (W(s, i, "SERVER"))
		create_simple(s, i + 1, "SERVER", NULL);
	else if (W(s, i, "VIEW"))
		create_replaceable(s, i + 1, or_replace, "VIEW", temp ? NULL : "view");
	else if (W(s, i, "FUNCTION"))
		create_replaceable(s, i + 1, or_replace, "FUNCTION", "function");
	else if (W(s, i, "PROCEDURE"))
		create_replaceable(s, i + 1, or_replace, "PROCEDURE", "procedure");
	else if (W(s, i, "TYPE") || W(s, i, "DOMAIN")) {
		qname name;
		parse_qname(s, i + 1, &name);
		add_obj(s, W(s, i, "TYPE") ? "type" : "domain", &name, NULL, i + 1);
	} else if (W(s, i, "TRIGGER"))
		create_trigger(s, i + 1);
}

/* DROP's object words: the first one, and those that continue a prefix */
static int drop_word(const sx *s, size_t i)
{
	static const char *const words[] = {
		"ACCESS", "AGGREGATE", "CAST", "CLASS", "COLLATION", "CONFIGURATION", "CONVERSION", "DATA",
		"DATABASE", "DICTIONARY", "DOMAIN", "EVENT", "EXTENSION", "FAMILY", "FOREIGN", "FUNCTION",
		"GROUP", "INDEX", "LANGUAGE", "MAPPING", "MATERIALIZED", "METHOD", "OPERATOR", "PARSER",
		"POLICY", "PROCEDURAL", "PROCEDURE", "PUBLICATION", "ROLE", "ROUTINE", "RULE", "SCHEMA",
		"SEARCH", "SEQUENCE", "SERVER", "STATISTICS", "SUBSCRIPTION", "TABLE", "TABLESPACE",
		"TEMPLATE", "TEXT", "TRANSFORM", "TRIGGER", "TYPE", "USER", "VIEW", "WRAPPER"
	};
	size_t k;
	for (k = 0; k < sizeof words / sizeof words[0]; k++)
		if (W(s, i, words[k]))
			return 1;
	return 0;
}

static int drop_prefix(const sx *s, size_t i)
{
	return W(s, i, "MATERIALIZED") || W(s, i, "FOREIGN") || W(s, i, "DATA") || W(s, i, "TEXT") ||
	       W(s, i, "SEARCH") || W(s, i, "EVENT") || W(s, i, "ACCESS") || W(s, i, "USER") ||
	       W(s, i, "OPERATOR") || W(s, i, "PROCEDURAL");
}

static void check_drop(sx *s)
{
	size_t i = 1, k;
	int is_table = W(s, 1, "TABLE");
	if (!drop_word(s, 1))
		return; /* DROP OWNED has no IF EXISTS */
	i = 2;
	while (drop_prefix(s, i - 1) && drop_word(s, i))
		i++;
	if (W(s, i, "CONCURRENTLY"))
		i++;
	if (W(s, i, "IF") && W(s, i + 1, "EXISTS")) {
		i += 2;
	} else {
		pgm_buf what = PGM_BUF_INIT;
		qname name;
		char *w;
		for (k = 1; k < i; k++)
			pgm_buf_printf(&what, "%s%.*s", k > 1 ? " " : "", (int)s->t[k].len, s->sql + s->t[k].start);
		for (k = 0; k < what.len; k++)
			what.ptr[k] = (char)toupper((unsigned char)what.ptr[k]);
		w = pgm_buf_take(&what);
		parse_qname(s, i, &name);
		report(s->L, R_IF_EXISTS, s->fi, off_of(s, 0), 0, 0,
			pgm_aprintf("DROP %s%s%s without IF EXISTS fails when it is already gone, so a half-applied "
				"migration cannot be rolled back", w ? w : "", name.disp ? " " : "", name.disp ? name.disp : ""),
			pgm_aprintf("write DROP %s IF EXISTS%s%s", w ? w : "", name.disp ? " " : "", name.disp ? name.disp : ""));
		free(w);
	}
	/* the names: a down's tables cover their indexes (PGM005); what an up drops again is not left behind */
	for (;;) {
		qname name;
		i = parse_qname(s, i, &name);
		if (!name.name)
			break;
		if (s->f->is_up) {
			for (k = 0; k < s->L->nobjs; k++)
				if (qname_eq(&s->L->objs[k].name, &name))
					s->L->objs[k--] = s->L->objs[--s->L->nobjs];
		} else if (is_table) {
			qname *d = push_qname(s->L, &s->L->dropped, &s->L->ndropped, &s->L->capdropped);
			if (d)
				*d = name;
		}
		if (T(s, i, PGM_TOK_LPAREN))  /* DROP FUNCTION f(int) */
			i = group_close(s, i) + 1;
		if (W(s, i, "ON"))            /* DROP TRIGGER t ON table */
			i = parse_qname(s, i + 1, &name);
		if (!T(s, i, PGM_TOK_COMMA))
			break;
		i++;
	}
}

/* one action [a, b) of ALTER TABLE on `table` */
static void alter_action(sx *s, size_t a, size_t b, const qname *table, int existing)
{
	size_t j = a;
	if (W(s, j, "ADD")) {
		size_t add = j++;
		if (W(s, j, "CONSTRAINT") || is_table_constraint_start(s, j)) {
			int nv, ui, kind;
			qname cname;
			memset(&cname, 0, sizeof cname);
			if (W(s, j, "CONSTRAINT")) {
				parse_qname(s, j + 1, &cname);
				j += 2;
			}
			kind = table_constraint(s, j, b, table, &nv, &ui);
			if (existing && cname.name)
				add_obj(s, "constraint", &cname, table, a + 2);
			if (existing && !nv && !ui && kind != TC_NONE) {
				const char *cn = cname.disp ? cname.disp : "c";
				if (kind == TC_FK || kind == TC_CHECK)
					report(s->L, R_CONSTRAINT_NOT_VALID, s->fi, off_of(s, add), 0, 0,
						pgm_aprintf("ADD %s on the existing table %s without NOT VALID checks every row while "
							"holding a lock that blocks writes", kind == TC_FK ? "FOREIGN KEY" : "CHECK", table->disp),
						pgm_aprintf("add it NOT VALID, then run ALTER TABLE %s VALIDATE CONSTRAINT %s in a later "
							"migration (validation does not block writes)", table->disp, cn));
				else if (kind == TC_EXCLUDE)
					report(s->L, R_CONSTRAINT_NOT_VALID, s->fi, off_of(s, add), 0, 0,
						pgm_aprintf("ADD EXCLUDE on the existing table %s builds an index while blocking writes",
							table->disp),
						pgm_strdup("there is no online way: run it when the table is quiet and mark it with "
							"-- pgmigrate:ignore PGM011"));
				else
					report(s->L, R_CONSTRAINT_NOT_VALID, s->fi, off_of(s, add), 0, 0,
						pgm_aprintf("ADD %s on the existing table %s builds its index while blocking writes",
							kind == TC_PK ? "PRIMARY KEY" : "UNIQUE", table->disp),
						pgm_aprintf("CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then "
							"ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX that_index", table->disp, cn,
							kind == TC_PK ? "PRIMARY KEY" : "UNIQUE"));
			}
		} else {
			int ifne = 0;
			coldef cd;
			size_t col_tok;
			if (W(s, j, "COLUMN"))
				j++;
			if (if_not_exists(s, j)) {
				ifne = 1;
				j += 3;
			}
			col_tok = j;
			column_def(s, j, b, table, &cd);
			if (!cd.name)
				return;
			if (!ifne)
				report(s->L, R_IF_NOT_EXISTS, s->fi, off_of(s, add), 0, 0,
					pgm_aprintf("ADD COLUMN %s without IF NOT EXISTS fails when the column already exists", cd.name),
					pgm_aprintf("write ADD COLUMN IF NOT EXISTS %s", cd.name));
			if (existing && cd.not_null && !cd.has_default)
				report(s->L, R_NOT_NULL_COLUMN, s->fi, off_of(s, add), 0, 0,
					pgm_aprintf("ADD COLUMN %s NOT NULL without a DEFAULT fails on the existing table %s as soon "
						"as it has a row", cd.name, table->disp),
					pgm_strdup("give it a DEFAULT (a constant one does not rewrite the table), or add it nullable, "
						"fill it, then SET NOT NULL"));
			if (existing) {
				qname cn;
				memset(&cn, 0, sizeof cn);
				cn.name = cn.disp = cd.name;
				add_obj(s, "column", &cn, table, col_tok);
			}
		}
	} else if (W(s, j, "DROP")) {
		size_t drop = j++;
		int constraint = 0;
		qname name;
		if (W(s, j, "CONSTRAINT")) {
			constraint = 1;
			j++;
		} else if (W(s, j, "COLUMN")) {
			j++;
		}
		if (W(s, j, "IF") && W(s, j + 1, "EXISTS"))
			return;
		parse_qname(s, j, &name);
		if (!name.name)
			return;
		report(s->L, R_IF_EXISTS, s->fi, off_of(s, drop), 0, 0,
			pgm_aprintf("DROP %s %s without IF EXISTS fails when it is already gone", constraint ? "CONSTRAINT" : "COLUMN",
				name.disp),
			pgm_aprintf("write DROP %s IF EXISTS %s", constraint ? "CONSTRAINT" : "COLUMN", name.disp));
	} else if (W(s, j, "ALTER") && !W(s, j + 1, "CONSTRAINT")) {
		size_t alter = j++;
		cstr col;
		if (W(s, j, "COLUMN"))
			j++;
		if (!is_ident(s, j) || !existing)
			return;
		col = norm_ident(s->L, s->sql, &s->t[j]);
		j++;
		if (W(s, j, "TYPE") || (W(s, j, "SET") && W(s, j + 1, "DATA") && W(s, j + 2, "TYPE")))
			report(s->L, R_TYPE_CHANGE, s->fi, off_of(s, alter), 0, 0,
				pgm_aprintf("changing the type of %s.%s rewrites the existing table (and its indexes) while "
					"blocking reads and writes", table->disp, col),
				pgm_strdup("add a new column, fill it in batches and switch over; if the change needs no rewrite "
					"(varchar(n) to a longer varchar or to text), mark it with -- pgmigrate:ignore PGM010"));
		else if (W(s, j, "SET") && W(s, j + 1, "NOT") && W(s, j + 2, "NULL"))
			report(s->L, R_SET_NOT_NULL, s->fi, off_of(s, alter), 0, 0,
				pgm_aprintf("SET NOT NULL on %s.%s scans the existing table while blocking reads and writes",
					table->disp, col),
				pgm_aprintf("first ADD CONSTRAINT %s_not_null CHECK (%s IS NOT NULL) NOT VALID and VALIDATE it; "
					"SET NOT NULL then skips the scan (PostgreSQL 12 and later)", col, col));
	}
}

static void check_alter_table(sx *s)
{
	size_t i = 2, pos, a, b;
	qname table;
	int existing;
	if (W(s, i, "IF") && W(s, i + 1, "EXISTS"))
		i += 2;
	if (W(s, i, "ONLY"))
		i++;
	if (W(s, i, "ALL"))
		return; /* ALTER TABLE ALL IN TABLESPACE */
	i = parse_qname(s, i, &table);
	if (!table.name)
		return;
	if (T(s, i, PGM_TOK_OP) && s->t[i].len == 1 && s->sql[s->t[i].start] == '*')
		i++;
	existing = !created_here(s->L, &table);
	pos = i;
	while (next_elem(s, &pos, s->n, &a, &b))
		if (a < b)
			alter_action(s, a, b, &table, existing);
}

static void check_identifiers(sx *s)
{
	size_t i;
	for (i = 0; i < s->n; i++) {
		const pgm_token *t = &s->t[i];
		size_t n;
		if (t->type == PGM_TOK_WORD)
			n = t->len;
		else if (t->type == PGM_TOK_QIDENT)
			n = qident_body(s->sql + t->start, t->len, NULL);
		else
			continue;
		if (n > NAMEDATALEN_MAX) {
			cstr id = norm_ident(s->L, s->sql, t);
			report(s->L, R_IDENT_LENGTH, s->fi, t->start, 0, 0,
				pgm_aprintf("identifier \"%s\" is %zu bytes; PostgreSQL silently truncates names to %d bytes, "
					"so two long names can collide", id, n, NAMEDATALEN_MAX),
				pgm_aprintf("shorten it to at most %d bytes", NAMEDATALEN_MAX));
		}
	}
}

static void note_mentions(sx *s)
{
	size_t i;
	for (i = 0; i < s->n; i++) {
		cstr *m;
		if (!is_ident(s, i))
			continue;
		if ((m = push_cstr(s->L, &s->L->mentions, &s->L->nmentions, &s->L->capmentions)))
			*m = norm_ident(s->L, s->sql, &s->t[i]);
	}
}

/* ---- files ---- */

static int collect_tokens(linter *L, const lfile *f, const pgm_stmt *st)
{
	size_t pos = st->start;
	pgm_token t;
	L->ntok = 0;
	while (pgm_token_next(&t, f->text, f->len, &pos) && t.start < st->end) {
		pgm_token *p;
		if (t.type == PGM_TOK_LINE_COMMENT || t.type == PGM_TOK_BLOCK_COMMENT || t.type == PGM_TOK_BACKSLASH ||
		    t.type == PGM_TOK_SEMI)
			continue;
		if (!(p = push_token(L, &L->tok, &L->ntok, &L->captok)))
			return -1;
		*p = t;
	}
	return 0;
}

/* PGM012: the runner's reading of the file's transaction control (runner.c
 * check_txctl): one BEGIN ... COMMIT around it is dropped and needs no
 * finding; other use runs as golang-migrate runs it (a warning); a
 * transaction left open is refused (an error) */
static void check_txctl(linter *L, size_t fi)
{
	lfile *f = &L->files[fi];
	pgm_txplan tx;
	size_t before = L->nfound;
	pgm_lex_txplan(&tx, &f->lex, f->text);
	if (tx.mode == PGM_TX_SELF)
		report(L, R_TXCTL, fi, f->lex.stmts[tx.first].start, 0, 0,
			pgm_aprintf("the migration manages its own transactions (%s): pgmigrate runs it as golang-migrate does, as "
				"one query outside its own transaction, and a failure leaves the database dirty", tx.why),
			pgm_strdup("split the file into migrations without BEGIN/COMMIT: pgmigrate runs each in one transaction "
				"with its bookkeeping (one BEGIN ... COMMIT around a whole file is fine: it is dropped)"));
	else if (tx.mode == PGM_TX_OPEN) {
		report(L, R_TXCTL, fi, f->lex.stmts[tx.first].start, 0, 0,
			pgm_aprintf("this starts %s: the file ends inside it, and pgmigrate refuses it (golang-migrate cannot record "
				"its version)", tx.why),
			pgm_strdup("end the transaction with COMMIT; at the end of the file"));
		if (L->nfound > before)
			L->found[L->nfound - 1].f.severity = "error";
	}
}

static void lint_file(linter *L, size_t fi)
{
	lfile *f = &L->files[fi];
	size_t k, pos = 0, n;
	pgm_token t;

	if (pgm_lex(&f->lex, f->text, f->len) != 0) {
		L->oom = 1;
		return;
	}
	n = f->lex.count ? f->lex.count : 1;
	f->stmt_mask = calloc(n, sizeof *f->stmt_mask);
	f->region_end = calloc(n, sizeof *f->region_end);
	if (!f->stmt_mask || !f->region_end) {
		L->oom = 1;
		return;
	}
	/* statement k owns its own lines, the comment lines before it and the rest of its last line */
	for (k = 0; k < f->lex.count; k++) {
		size_t e = f->lex.stmts[k].end;
		while (e < f->len && f->text[e] != '\n')
			e++;
		if (k + 1 < f->lex.count && e > f->lex.stmts[k + 1].start)
			e = f->lex.stmts[k + 1].start;
		f->region_end[k] = e;
	}
	while (pgm_token_next(&t, f->text, f->len, &pos)) {
		uint32_t sm = 0;
		if (t.type != PGM_TOK_LINE_COMMENT && t.type != PGM_TOK_BLOCK_COMMENT)
			continue;
		parse_directives(f->text + t.start, t.len, &sm, &f->file_mask);
		if (sm) {
			k = stmt_at(f, t.start);
			if (k < f->lex.count)
				f->stmt_mask[k] |= sm;
		}
		if (helpful_comment(f->text + t.start + 2, t.len >= 2 ? t.len - 2 : 0))
			f->helpful_comment = 1;
	}

	if (f->lex.error) {
		const char *m = f->lex.error_message ? f->lex.error_message : "syntax error";
		int meta = strstr(m, "meta-command") != NULL;
		report(L, R_SYNTAX, fi, f->lex.error_offset, 0, 0, pgm_strdup(m),
			pgm_strdup(meta ? "write the SQL itself: pgmigrate sends the file to the server, which does not "
			                  "understand psql's backslash commands"
			                : "close it: everything after it is read as part of it"));
	}
	if (!f->lex.no_transaction && f->lex.notx_count > 0) {
		size_t first = f->lex.count, others = 0;
		for (k = 0; k < f->lex.count; k++) {
			const pgm_stmt *st = &f->lex.stmts[k];
			if (st->notx && !st->notx_before_12) {
				if (first == f->lex.count)
					first = k;
			} else {
				others++;
			}
		}
		if (first < f->lex.count && others > 0)
			report(L, R_MIXED_TX, fi, f->lex.stmts[first].start, 0, 0,
				pgm_aprintf("%s cannot run inside a transaction, and this migration has other statements: "
					"pgmigrate refuses to run it", f->lex.stmts[first].notx),
				pgm_aprintf("move the %s to a migration of its own (pgmigrate runs that outside a transaction), "
					"or put -- pgmigrate:no-transaction at the top to run every statement on its own",
					f->lex.stmts[first].notx));
	}

	if (!f->lex.no_transaction && f->lex.has_txctl)
		check_txctl(L, fi);

	L->ncreated = 0;
	for (k = 0; k < f->lex.count && !L->oom; k++) {
		const pgm_stmt *st = &f->lex.stmts[k];
		sx s;
		if (collect_tokens(L, f, st) != 0)
			return;
		s.L = L;
		s.fi = fi;
		s.f = f;
		s.sql = f->text;
		s.t = L->tok;
		s.n = L->ntok;
		if (s.n == 0)
			continue;
		check_identifiers(&s);
		if (W(&s, 0, "CREATE"))
			check_create(&s);
		else if (W(&s, 0, "DROP"))
			check_drop(&s);
		else if (W(&s, 0, "ALTER") && W(&s, 1, "TABLE"))
			check_alter_table(&s);
		if (!f->is_up)
			note_mentions(&s);
	}
	if (f->lex.count > 0 && !f->helpful_comment)
		report(L, R_NO_COMMENT, fi, 0, 1, 0,
			pgm_strdup("the migration has no comment: say what it does and why"),
			pgm_strdup("start the file with -- comments: what the migration changes, why, and anything "
				"surprising (locks, data it touches)"));
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/'), *b2 = strrchr(p, '\\');
	if (b2 && (!b || b2 > b))
		b = b2;
	return b ? b + 1 : p;
}

/* the description of a migration file: "add_users" of ".../000001_add_users.up.sql" */
static void description(const char *path, const char **out, size_t *out_len)
{
	const char *b = base_name(path), *u = strchr(b, '_'), *dot;
	b = u ? u + 1 : b;
	dot = strstr(b, ".up.sql");
	if (!dot)
		dot = strstr(b, ".down.sql");
	*out = b;
	*out_len = dot ? (size_t)(dot - b) : strlen(b);
}

static int same_description(const char *up, const char *down)
{
	const char *a, *b;
	size_t an, bn;
	description(up, &a, &an);
	description(down, &b, &bn);
	return an == bn && memcmp(a, b, an) == 0;
}

static int mentioned(const linter *L, cstr name)
{
	size_t i;
	for (i = 0; i < L->nmentions; i++)
		if (strcmp(L->mentions[i], name) == 0)
			return 1;
	return 0;
}

static int table_dropped(const linter *L, const qname *t)
{
	size_t i;
	for (i = 0; i < L->ndropped; i++)
		if (qname_eq(&L->dropped[i], t))
			return 1;
	return 0;
}

static char *drop_advice(const obj_rec *o)
{
	if (strcmp(o->kind, "column") == 0)
		return pgm_aprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s;", o->table.disp, o->name.disp);
	if (strcmp(o->kind, "constraint") == 0)
		return pgm_aprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;", o->table.disp, o->name.disp);
	if (strcmp(o->kind, "trigger") == 0)
		return pgm_aprintf("DROP TRIGGER IF EXISTS %s ON %s;", o->name.disp, o->table.disp);
	if (strcmp(o->kind, "function") == 0 || strcmp(o->kind, "procedure") == 0)
		return pgm_aprintf("DROP %s IF EXISTS %s(argument types);", strcmp(o->kind, "function") == 0 ? "FUNCTION" : "PROCEDURE",
			o->name.disp);
	{
		char up[32];
		size_t i;
		for (i = 0; o->kind[i] && i + 1 < sizeof up; i++)
			up[i] = (char)toupper((unsigned char)o->kind[i]);
		up[i] = '\0';
		return pgm_aprintf("DROP %s IF EXISTS %s;", up, o->name.disp);
	}
}

/* the down (file index di) against what the up (ui) creates */
static void check_down(linter *L, size_t ui, size_t di)
{
	const lfile *d = &L->files[di];
	size_t i;
	for (i = 0; i < L->nobjs; i++) {
		const obj_rec *o = &L->objs[i];
		int ok = mentioned(L, o->name.name);
		if (!ok && o->table.name && strcmp(o->kind, "table") != 0)
			ok = table_dropped(L, &o->table);  /* dropping a table drops its indexes, triggers, columns */
		if (ok)
			continue;
		report(L, R_DOWN_INCOMPLETE, ui, o->off, 0, d->file_mask,
			pgm_aprintf("%s %s is created here but %s never mentions it, so rolling back leaves it behind",
				o->kind, o->name.disp, base_name(d->display)),
			drop_advice(o));
	}
}

static int fk_covered(const linter *L, const fk_rec *fk)
{
	size_t i, c, k;
	for (i = 0; i < L->nidx; i++) {
		const idx_rec *x = &L->idx[i];
		int all = 1;
		if (x->partial || x->ncols < fk->ncols || !qname_eq(&x->table, &fk->table))
			continue;
		/* the foreign key's columns, in any order, are the index's leading ones */
		for (c = 0; c < fk->ncols && all; c++) {
			int found = 0;
			for (k = 0; k < fk->ncols; k++)
				if (x->cols[k] && strcmp(x->cols[k], fk->cols[c]) == 0)
					found = 1;
			all = found;
		}
		if (all)
			return 1;
	}
	return 0;
}

static int cmp_pending(const void *a, const void *b)
{
	const pending *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void free_finding(pgm_finding *f)
{
	free(f->file);
	free(f->message);
	free(f->fix);
	free(f->source_line);
}

void pgm_lint_result_free(pgm_lint_result *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; i < r->count; i++)
		free_finding(&r->findings[i]);
	free(r->findings);
	free(r);
}

static void linter_free(linter *L)
{
	size_t i;
	while (L->arena) {
		blk *next = L->arena->next;
		free(L->arena);
		L->arena = next;
	}
	for (i = 0; i < L->nfiles; i++) {
		pgm_lex_free(&L->files[i].lex);
		free(L->files[i].stmt_mask);
		free(L->files[i].region_end);
	}
	free(L->files);
	for (i = 0; i < L->nfound; i++)
		free_finding(&L->found[i].f);
	free(L->found);
	free(L->idx);
	free(L->fks);
	free(L->objs);
	free(L->created);
	free(L->dropped);
	free(L->mentions);
	free(L->tok);
}

int pgm__lint_run(pgm_lint_result **out, const pgm__lint_input *in, size_t n,
	const char *const *disabled, char **out_bad)
{
	linter L;
	pgm_lint_result *r;
	size_t i, fi = 0;
	int rc;

	*out = NULL;
	if (out_bad)
		*out_bad = NULL;
	memset(&L, 0, sizeof L);
	if ((rc = parse_disabled(disabled, &L.disabled, out_bad)) != 0)
		return rc;
	if (n > 0 && !(L.files = calloc(2 * n, sizeof *L.files)))
		return PGM_ENOMEM;

	for (i = 0; i < n && !L.oom; i++) {
		const pgm__lint_input *m = &in[i];
		size_t ui = fi++;
		lfile *u = &L.files[ui];
		u->display = m->up_file;
		u->text = m->up ? m->up : "";
		u->len = m->up ? m->up_len : 0;
		u->version = m->version;
		u->is_up = 1;
		L.nfiles = fi;
		L.nobjs = L.nmentions = L.ndropped = 0;
		lint_file(&L, ui);
		if (u->lex.count == 0 && !L.oom)
			report(&L, R_EMPTY, ui, 0, 1, 0,
				pgm_aprintf("migration %lld has no statement: it runs as an empty migration and only records its version",
					(long long)m->version),
				pgm_strdup("write what the migration does, or say in a comment why it is empty and add "
					"-- pgmigrate:ignore-file PGM017"));
		if (!m->down_file) {
			const char *b = base_name(m->up_file);
			size_t bl = strlen(b);
			int sfx = bl > 7 && strcmp(b + bl - 7, ".up.sql") == 0;
			report(&L, R_NO_DOWN, ui, 0, 1, 0,
				pgm_aprintf("migration %lld has no down migration, so it cannot be rolled back", (long long)m->version),
				sfx ? pgm_aprintf("create %.*s.down.sql that undoes it", (int)(bl - 7), b)
				    : pgm_strdup("create the matching .down.sql that undoes it"));
			continue;
		}
		{
			size_t di = fi++;
			lfile *d = &L.files[di];
			d->display = m->down_file;
			d->text = m->down ? m->down : "";
			d->len = m->down ? m->down_len : 0;
			d->version = m->version;
			L.nfiles = fi;
			lint_file(&L, di);
			if (L.oom)
				break;
			if (!same_description(m->up_file, m->down_file))
				report(&L, R_PAIR_NAME, di, 0, 1, u->file_mask,
					pgm_aprintf("the down file's description is not the up file's (%s): they pair by version, as in "
						"golang-migrate", base_name(m->up_file)),
					pgm_aprintf("rename it %.*s.down.sql", (int)(strlen(base_name(m->up_file)) - 7), base_name(m->up_file)));
			if (d->lex.count == 0)
				report(&L, R_NO_DOWN, di, 0, 1, u->file_mask,
					pgm_aprintf("the down migration of %lld is empty, so rolling back does nothing", (long long)m->version),
					pgm_aprintf("write the statements that undo %s; if it cannot be undone, say why next to "
						"-- pgmigrate:ignore-file PGM004", base_name(m->up_file)));
			else
				check_down(&L, ui, di);
		}
	}

	/* foreign keys against every index of the set */
	for (i = 0; i < L.nfks && !L.oom; i++) {
		const fk_rec *fk = &L.fks[i];
		const char *cols = join_cols(&L, fk->cols, fk->ncols, ", ");
		const char *under = join_cols(&L, fk->cols, fk->ncols, "_");
		if (fk_covered(&L, fk))
			continue;
		report(&L, R_FK_INDEX, fk->file, fk->off, 0, 0,
			pgm_aprintf("foreign key %s (%s) has no index that starts with its column%s: deleting or updating a "
				"referenced row scans the whole table, and joins on it are slow", fk->table.disp, cols,
				fk->ncols > 1 ? "s" : ""),
			pgm_aprintf("CREATE INDEX IF NOT EXISTS idx_%s_%s ON %s (%s);", fk->table.name, under, fk->table.disp, cols));
	}

	if (L.oom) {
		linter_free(&L);
		return PGM_ENOMEM;
	}
	if (!(r = calloc(1, sizeof *r)) || (L.nfound > 0 && !(r->findings = malloc(L.nfound * sizeof *r->findings)))) {
		free(r);
		linter_free(&L);
		return PGM_ENOMEM;
	}
	if (L.nfound > 1)
		qsort(L.found, L.nfound, sizeof *L.found, cmp_pending);
	for (i = 0; i < L.nfound; i++) {
		r->findings[i] = L.found[i].f;
		if (strcmp(r->findings[i].severity, "error") == 0)
			r->errors++;
		else
			r->warnings++;
	}
	r->count = L.nfound;
	L.nfound = 0; /* moved into r */
	r->files = L.nfiles;
	r->migrations = n;
	linter_free(&L);
	*out = r;
	return 0;
}

int pgm_lint(pgm_lint_result **out, pgm_ctx *ctx, const char *const *disabled)
{
	pgm__lint_input *in = NULL;
	size_t i, n;
	uint32_t mask;
	char *bad = NULL;
	int rc;

	*out = NULL;
	/* a wrong rule id is a usage error, reported before anything is read */
	if (parse_disabled(disabled, &mask, &bad) != 0) {
		rc = pgm_fail(ctx, PGM_EUSAGE, "unknown lint rule \"%s\"", bad ? bad : "");
		pgm_set_hint(ctx, "rules are %s to %s, by id or name (see docs/lint.md)", rules[0].id, rules[R_COUNT - 1].id);
		free(bad);
		return rc;
	}
	if (!ctx->src->loaded && (rc = pgm_load(ctx)) != 0)
		return rc;
	n = ctx->src->nmigs;
	if (n > 0 && !(in = calloc(n, sizeof *in)))
		return pgm_fail(ctx, PGM_ENOMEM, "out of memory");
	for (i = 0, rc = 0; i < n && rc == 0; i++) {
		const pgm_mig *m = &ctx->src->migs[i];
		char *body = NULL;
		size_t len = 0;
		in[i].version = m->pub.version;
		in[i].up_file = m->up_display;
		if ((rc = pgm_read_body(ctx, m->up_path, m->up_display, &body, &len)) != 0)
			break;
		in[i].up = body;
		in[i].up_len = len;
		if (m->down_path) {
			in[i].down_file = m->down_display;
			if ((rc = pgm_read_body(ctx, m->down_path, m->down_display, &body, &len)) != 0)
				break;
			in[i].down = body;
			in[i].down_len = len;
		}
	}
	if (rc == 0) {
		rc = pgm__lint_run(out, in, n, disabled, NULL);
		if (rc == PGM_ENOMEM)
			pgm_fail(ctx, rc, "out of memory");
	}
	for (i = 0; i < n; i++) {
		free((char *)in[i].up);
		free((char *)in[i].down);
	}
	free(in);
	return rc;
}
