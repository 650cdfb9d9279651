/* The batch matcher's core (alerts.query._matcher), used by alerts.monitor.Monitor.

A Matcher holds compiled queries ("slots"). `match(texts, titles, filters)` tokenises a batch
of documents once, posts each index key (a word, or a prefix) under the documents holding it
as a bitset (one bit per document), picks candidate slots from the keys present (each slot is
listed under one or two groups of keys: the Lucene Monitor idea), evaluates each candidate
ONCE over the batch (AND, OR, NOT on bitsets; a phrase or NEAR checked on the documents
holding its keys, once per batch however many queries share it) and returns, per document,
the slots matching it.

Tokens: ASCII letters and digits (lower-cased) and every byte of a non-ASCII character are
word bytes; anything else separates. The caller hands over a document's text as it is when it
is ASCII, and otherwise its folded words joined by spaces (alerts.query.document), so both
read the same words as `models.text.tokens`.

Programs come from Python as nested tuples (alerts.monitor builds them):
  ("key", field, word, prefix)          a word, or any word starting with `word` if prefix
  ("filter", id)                        the documents passing filter `id` (given per batch)
  ("not", node) ("and", (nodes)) ("or", (nodes))
  ("phrase", field, ((word, prefix), ...))
  ("near", field, ((word, prefix), ...), ((word, prefix), ...), distance)
field: 0 the whole text, 1 the title (the first title-length words). Equal tuples share one
node (and one check per batch).
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

/* ---- growable arrays ------------------------------------------------------------------ */

typedef struct {
    int32_t *at;
    Py_ssize_t len, cap;
} Ints;

static int ints_push(Ints *v, int32_t x) {
    if (v->len == v->cap) {
        Py_ssize_t cap = v->cap ? v->cap * 2 : 8;
        int32_t *at = PyMem_Realloc(v->at, (size_t)cap * sizeof(int32_t));
        if (at == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        v->at = at;
        v->cap = cap;
    }
    v->at[v->len++] = x;
    return 0;
}

static void ints_free(Ints *v) {
    PyMem_Free(v->at);
    v->at = NULL;
    v->len = v->cap = 0;
}

/* ---- byte string -> int map (open addressing), strings kept in a pool ------------------ */

typedef struct {
    uint32_t hash;
    uint32_t len;
    Py_ssize_t offset; /* into the pool; -1 marks an empty slot */
    int32_t value;
} Entry;

typedef struct {
    Entry *slots;
    size_t mask; /* capacity - 1 (a power of two) */
    size_t count;
    char *pool;
    Py_ssize_t pool_len, pool_cap;
} Map;

/* FNV-1a: the hash of s[:n + 1] follows from that of s[:n] (see token_id). */
#define HASH_START 2166136261u

static uint32_t hash_more(uint32_t h, char c) { return (h ^ (unsigned char)c) * 16777619u; }

static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = HASH_START;
    for (size_t i = 0; i < n; i++) {
        h = hash_more(h, s[i]);
    }
    return h;
}

static int map_init(Map *m, size_t capacity) {
    m->slots = PyMem_Malloc(capacity * sizeof(Entry));
    if (m->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < capacity; i++) {
        m->slots[i].offset = -1;
    }
    m->mask = capacity - 1;
    m->count = 0;
    m->pool_len = 0;
    return 0;
}

static void map_free(Map *m) {
    PyMem_Free(m->slots);
    PyMem_Free(m->pool);
    memset(m, 0, sizeof(Map));
}

static int32_t map_get(const Map *m, const char *s, size_t n, uint32_t h) {
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        const Entry *e = &m->slots[i];
        if (e->offset < 0) {
            return -1;
        }
        if (e->hash == h && e->len == n && memcmp(m->pool + e->offset, s, n) == 0) {
            return e->value;
        }
    }
}

static int map_grow(Map *m) {
    Entry *old = m->slots;
    size_t old_capacity = m->mask + 1;
    size_t capacity = old_capacity * 2;
    Entry *slots = PyMem_Malloc(capacity * sizeof(Entry));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < capacity; i++) {
        slots[i].offset = -1;
    }
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].offset >= 0) {
            size_t j = old[i].hash & (capacity - 1);
            while (slots[j].offset >= 0) {
                j = (j + 1) & (capacity - 1);
            }
            slots[j] = old[i];
        }
    }
    PyMem_Free(old);
    m->slots = slots;
    m->mask = capacity - 1;
    return 0;
}

/* Adds `s` (not present) with `value`. */
static int map_put(Map *m, const char *s, size_t n, uint32_t h, int32_t value) {
    if ((m->count + 1) * 2 > m->mask + 1 && map_grow(m) < 0) {
        return -1;
    }
    if (m->pool_len + (Py_ssize_t)n > m->pool_cap) {
        Py_ssize_t cap = m->pool_cap ? m->pool_cap : 4096;
        while (cap < m->pool_len + (Py_ssize_t)n) {
            cap *= 2;
        }
        char *pool = PyMem_Realloc(m->pool, (size_t)cap);
        if (pool == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        m->pool = pool;
        m->pool_cap = cap;
    }
    memcpy(m->pool + m->pool_len, s, n);
    size_t i = h & m->mask;
    while (m->slots[i].offset >= 0) {
        i = (i + 1) & m->mask;
    }
    m->slots[i] = (Entry){h, (uint32_t)n, m->pool_len, value};
    m->pool_len += (Py_ssize_t)n;
    m->count++;
    return 0;
}

/* ---- runs and tokens ------------------------------------------------------------------ */

/* Run bytes: ASCII letters (lower-cased) and digits, and every byte of a non-ASCII
   character; any other ASCII byte separates runs. An ASCII run is one word; a run holding
   other characters is folded by the Python callback (models.text.tokens' rules), once. */
static unsigned char RUN_BYTE[256];

static void init_run_bytes(void) {
    for (int c = 0; c < 256; c++) {
        if (c >= 'A' && c <= 'Z') {
            RUN_BYTE[c] = (unsigned char)(c - 'A' + 'a');
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
            RUN_BYTE[c] = (unsigned char)c;
        }
    }
}

typedef struct {
    Py_ssize_t start, len;
    int ascii;
} Run;

/* The next run of s[*at:n] into `run`; 0 at the end. */
static int next_run(const char *s, Py_ssize_t n, Py_ssize_t *at, Run *run) {
    Py_ssize_t i = *at;
    while (i < n && !RUN_BYTE[(unsigned char)s[i]]) {
        i++;
    }
    if (i == n) {
        *at = n;
        return 0;
    }
    run->start = i;
    run->ascii = 1;
    for (; i < n && RUN_BYTE[(unsigned char)s[i]]; i++) {
        run->ascii &= (unsigned char)s[i] < 0x80;
    }
    run->len = i - run->start;
    *at = i;
    return 1;
}

/* Bytes of a token compared with keys: more than any query word has. alerts.query.parser's
   MAX_LENGTH is 1,000 characters, and folding makes up to 18 bytes of one (NFKD of U+3316 is
   six katakana): 18,000. A longer token is cut there and marked by a NUL byte after the cut:
   its prefixes still count, no word key can equal it. */
#define MAX_WORD 32768

/* s[:n] as a token is compared with keys: itself, or cut and marked into `cut`. */
static const char *comparable(const char *s, Py_ssize_t *n, char *cut) {
    if (*n <= MAX_WORD) {
        return s;
    }
    memcpy(cut, s, MAX_WORD);
    cut[MAX_WORD] = 0;
    *n = MAX_WORD + 1;
    return cut;
}

/* ---- the matcher ----------------------------------------------------------------------- */

enum { N_KEY, N_FILTER, N_NOT, N_AND, N_OR, N_PHRASE, N_NEAR };
enum { TEXT = 0, TITLE = 1 };
enum { ONLY = 1, FIRST = 2, SECOND = 4 }; /* a slot's roles under its groups' keys */

typedef struct {
    int32_t kind, field;
    int32_t value;     /* N_KEY: key id; N_FILTER: filter id; N_NOT: child; N_NEAR: distance */
    int32_t n, offset; /* children (N_AND, N_OR) or keys (N_PHRASE, N_NEAR left) in `kids` */
    int32_t n2, offset2; /* N_NEAR: the right side's keys in `kids` */
    int32_t memo;        /* N_PHRASE, N_NEAR: index of the batch's memo */
} Node;

typedef struct {
    PyObject_HEAD
    Map words;    /* word -> key id */
    Map prefixes; /* prefix -> key id */
    int32_t keys;
    Py_ssize_t shortest_prefix, longest_prefix;
    /* Tokens seen -> the keys each holds (memo across batches, cleared when keys change). */
    Map tokens;
    Ints token_keys;   /* flat */
    Ints token_offset; /* per token: its keys start at token_keys[offset] ... */
    Ints token_count;
    /* Runs holding non-ASCII characters -> their tokens (memo, cleared with the tokens). */
    PyObject *fold; /* run (str) -> its folded words (a sequence of str) */
    Map runs;
    Ints run_tokens, run_offset, run_count;
    /* Compiled nodes, shared by equal program tuples. */
    Node *nodes;
    Py_ssize_t node_len, node_cap;
    Ints kids;
    PyObject *node_ids; /* dict: program tuple -> node id */
    int32_t memos;
    /* Slots. */
    Ints roots;
    Ints always;     /* slots with no groups: candidates in every batch */
    Ints *anchored;  /* per key * 2 + field: slot * 8 + role */
    unsigned char *placed; /* per key: whether phrases or NEAR read its positions */
    Py_ssize_t key_cap;    /* keys the per-key arrays have room for */
    int busy;              /* in add, match or candidates: see guarded() */
} Matcher;

static void Matcher_dealloc(Matcher *self) {
    map_free(&self->words);
    map_free(&self->prefixes);
    map_free(&self->tokens);
    ints_free(&self->token_keys);
    ints_free(&self->token_offset);
    ints_free(&self->token_count);
    Py_XDECREF(self->fold);
    map_free(&self->runs);
    ints_free(&self->run_tokens);
    ints_free(&self->run_offset);
    ints_free(&self->run_count);
    PyMem_Free(self->nodes);
    ints_free(&self->kids);
    Py_XDECREF(self->node_ids);
    ints_free(&self->roots);
    ints_free(&self->always);
    for (Py_ssize_t i = 0; i < 2 * self->key_cap; i++) {
        ints_free(&self->anchored[i]);
    }
    PyMem_Free(self->anchored);
    PyMem_Free(self->placed);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Matcher_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"fold", NULL};
    PyObject *fold;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Matcher", kwlist, &fold)) {
        return NULL;
    }
    if (!PyCallable_Check(fold)) {
        PyErr_SetString(PyExc_TypeError, "fold must be callable");
        return NULL;
    }
    Matcher *self = (Matcher *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    Py_INCREF(fold);
    self->fold = fold;
    self->node_ids = PyDict_New();
    if (self->node_ids == NULL || map_init(&self->words, 64) < 0 ||
        map_init(&self->prefixes, 64) < 0 || map_init(&self->tokens, 1024) < 0 ||
        map_init(&self->runs, 64) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void forget_tokens(Matcher *self) {
    for (size_t i = 0; i <= self->tokens.mask; i++) {
        self->tokens.slots[i].offset = -1;
    }
    self->tokens.count = 0;
    self->tokens.pool_len = 0;
    self->token_keys.len = self->token_offset.len = self->token_count.len = 0;
    for (size_t i = 0; i <= self->runs.mask; i++) {
        self->runs.slots[i].offset = -1;
    }
    self->runs.count = 0;
    self->runs.pool_len = 0;
    self->run_tokens.len = self->run_offset.len = self->run_count.len = 0;
}

/* The id of key (word, prefix), added if new. */
static int32_t key_id(Matcher *self, PyObject *word, int prefix) {
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(word, &n);
    if (s == NULL) {
        return -1;
    }
    if (n == 0 || n > MAX_WORD) {
        PyErr_SetString(PyExc_ValueError, "a key is 1 to 32768 bytes long");
        return -1;
    }
    Map *map = prefix ? &self->prefixes : &self->words;
    uint32_t h = hash_bytes(s, (size_t)n);
    int32_t id = map_get(map, s, (size_t)n, h);
    if (id >= 0) {
        return id;
    }
    id = self->keys;
    if (id == self->key_cap) {
        Py_ssize_t cap = self->key_cap ? self->key_cap * 2 : 64;
        Ints *anchored = PyMem_Realloc(self->anchored, 2 * (size_t)cap * sizeof(Ints));
        if (anchored != NULL) {
            self->anchored = anchored;
            memset(anchored + 2 * self->key_cap, 0, 2 * (size_t)(cap - self->key_cap) * sizeof(Ints));
        }
        unsigned char *placed = anchored != NULL ? PyMem_Realloc(self->placed, (size_t)cap) : NULL;
        if (placed == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->placed = placed;
        memset(placed + self->key_cap, 0, (size_t)(cap - self->key_cap));
        self->key_cap = cap;
    }
    if (map_put(map, s, (size_t)n, h, id) < 0) {
        return -1;
    }
    if (prefix) {
        if (self->shortest_prefix == 0 || n < self->shortest_prefix) {
            self->shortest_prefix = n;
        }
        if (n > self->longest_prefix) {
            self->longest_prefix = n;
        }
    }
    self->keys++;
    forget_tokens(self); /* tokens seen before may hold the new key */
    return id;
}

static int32_t new_node(Matcher *self, Node node) {
    if (self->node_len == self->node_cap) {
        Py_ssize_t cap = self->node_cap ? self->node_cap * 2 : 256;
        Node *nodes = PyMem_Realloc(self->nodes, (size_t)cap * sizeof(Node));
        if (nodes == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->nodes = nodes;
        self->node_cap = cap;
    }
    self->nodes[self->node_len] = node;
    return (int32_t)self->node_len++;
}

static int bad_program(void) {
    PyErr_SetString(PyExc_ValueError, "malformed program tuple");
    return -1;
}

/* A filter id or a NEAR distance: a non-negative int. One past int32 is refused, or taken as
   the largest if `clamp` (a distance: no two positions are further apart). -1 with an error. */
static int32_t natural(PyObject *number, int clamp) {
    int overflow;
    long value = PyLong_AsLongAndOverflow(number, &overflow);
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    int large = overflow > 0 || value > INT32_MAX;
    if (overflow < 0 || (!large && value < 0) || (large && !clamp)) {
        return bad_program();
    }
    return large ? INT32_MAX : (int32_t)value;
}

/* Appends the key ids of ((word, prefix), ...) to `kids`; how many, or -1. */
static int32_t compile_words(Matcher *self, PyObject *words) {
    if (!PyTuple_Check(words) || PyTuple_GET_SIZE(words) == 0) {
        return bad_program();
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(words); i++) {
        PyObject *pair = PyTuple_GET_ITEM(words, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            return bad_program();
        }
        int prefix = PyObject_IsTrue(PyTuple_GET_ITEM(pair, 1));
        int32_t key = prefix < 0 ? -1 : key_id(self, PyTuple_GET_ITEM(pair, 0), prefix);
        if (key < 0 || ints_push(&self->kids, key) < 0) {
            return -1;
        }
        self->placed[key] = 1;
    }
    return (int32_t)PyTuple_GET_SIZE(words);
}

static int32_t compile_node(Matcher *self, PyObject *program);

static int32_t compile_fresh(Matcher *self, PyObject *program) {
    if (!PyTuple_Check(program) || PyTuple_GET_SIZE(program) < 2 ||
        !PyUnicode_Check(PyTuple_GET_ITEM(program, 0))) {
        return bad_program();
    }
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(program, 0));
    Py_ssize_t size = PyTuple_GET_SIZE(program);
    Node node = {0};
    if (kind == NULL) {
        return -1;
    }
    if (strcmp(kind, "filter") == 0 && size == 2) {
        node.kind = N_FILTER;
        node.value = natural(PyTuple_GET_ITEM(program, 1), 0);
        return node.value < 0 ? -1 : new_node(self, node);
    }
    if (strcmp(kind, "not") == 0 && size == 2) {
        node.kind = N_NOT;
        node.value = compile_node(self, PyTuple_GET_ITEM(program, 1));
        return node.value < 0 ? -1 : new_node(self, node);
    }
    if ((strcmp(kind, "and") == 0 || strcmp(kind, "or") == 0) && size == 2) {
        PyObject *children = PyTuple_GET_ITEM(program, 1);
        if (!PyTuple_Check(children) || PyTuple_GET_SIZE(children) == 0) {
            return bad_program();
        }
        Py_ssize_t n = PyTuple_GET_SIZE(children);
        int32_t *ids = PyMem_Malloc((size_t)n * sizeof(int32_t));
        if (ids == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) { /* children first: they append to kids too */
            ids[i] = compile_node(self, PyTuple_GET_ITEM(children, i));
            if (ids[i] < 0) {
                PyMem_Free(ids);
                return -1;
            }
        }
        node.kind = kind[0] == 'a' ? N_AND : N_OR;
        node.n = (int32_t)n;
        node.offset = (int32_t)self->kids.len;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (ints_push(&self->kids, ids[i]) < 0) {
                PyMem_Free(ids);
                return -1;
            }
        }
        PyMem_Free(ids);
        return new_node(self, node);
    }
    long field = PyLong_AsLong(PyTuple_GET_ITEM(program, 1));
    if (field != TEXT && field != TITLE) {
        return PyErr_Occurred() ? -1 : bad_program();
    }
    node.field = (int32_t)field;
    if (strcmp(kind, "key") == 0 && size == 4) {
        int prefix = PyObject_IsTrue(PyTuple_GET_ITEM(program, 3));
        node.kind = N_KEY;
        node.value = prefix < 0 ? -1 : key_id(self, PyTuple_GET_ITEM(program, 2), prefix);
        return node.value < 0 ? -1 : new_node(self, node);
    }
    if ((strcmp(kind, "phrase") == 0 && size == 3) || (strcmp(kind, "near") == 0 && size == 5)) {
        node.kind = kind[0] == 'p' ? N_PHRASE : N_NEAR;
        node.offset = (int32_t)self->kids.len;
        node.n = compile_words(self, PyTuple_GET_ITEM(program, 2));
        if (node.n < 0) {
            return -1;
        }
        if (node.kind == N_NEAR) {
            node.offset2 = (int32_t)self->kids.len;
            node.n2 = compile_words(self, PyTuple_GET_ITEM(program, 3));
            node.value = node.n2 < 0 ? -1 : natural(PyTuple_GET_ITEM(program, 4), 1);
            if (node.value < 0) {
                return -1;
            }
        }
        node.memo = self->memos++;
        return new_node(self, node);
    }
    return bad_program();
}

/* The node of `program`, compiled once however many queries hold it. */
static int32_t compile_node(Matcher *self, PyObject *program) {
    PyObject *known = PyDict_GetItemWithError(self->node_ids, program);
    if (known != NULL) {
        return (int32_t)PyLong_AsLong(known);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    /* A program nested deeper than Python code recurses is refused (RecursionError): compiling
       and evaluating it recurse on the C stack. */
    if (Py_EnterRecursiveCall(" while compiling a program")) {
        return -1;
    }
    int32_t id = compile_fresh(self, program);
    Py_LeaveRecursiveCall();
    if (id < 0) {
        return -1;
    }
    PyObject *number = PyLong_FromLong(id);
    if (number == NULL || PyDict_SetItem(self->node_ids, program, number) < 0) {
        Py_XDECREF(number);
        return -1;
    }
    Py_DECREF(number);
    return id;
}

/* Lists `slot` under every key of `group` (a tuple of (field, word, prefix)) with `role`. */
static int anchor(Matcher *self, PyObject *group, int32_t slot, int role) {
    if (!PyTuple_Check(group) || PyTuple_GET_SIZE(group) == 0) {
        return bad_program();
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(group); i++) {
        PyObject *key = PyTuple_GET_ITEM(group, i);
        if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) != 3) {
            return bad_program();
        }
        long field = PyLong_AsLong(PyTuple_GET_ITEM(key, 0));
        int prefix = PyObject_IsTrue(PyTuple_GET_ITEM(key, 2));
        if ((field != TEXT && field != TITLE) || prefix < 0) {
            return PyErr_Occurred() ? -1 : bad_program();
        }
        int32_t id = key_id(self, PyTuple_GET_ITEM(key, 1), prefix);
        if (id < 0 || ints_push(&self->anchored[2 * id + field], slot * 8 + role) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Drops `slot`, the last one added, from the lists of keys and from `always`: an add that
   failed leaves no entry that a later slot of the same number would inherit. */
static void unlist(Matcher *self, int32_t slot) {
    for (Py_ssize_t i = 0; i < 2 * self->keys; i++) {
        Ints *listed = &self->anchored[i];
        while (listed->len > 0 && listed->at[listed->len - 1] >> 3 == slot) {
            listed->len--;
        }
    }
    if (self->always.len > 0 && self->always.at[self->always.len - 1] == slot) {
        self->always.len--;
    }
}

static PyObject *add(Matcher *self, PyObject *args) {
    PyObject *program, *groups;
    if (!PyArg_ParseTuple(args, "OO!:add", &program, &PyTuple_Type, &groups)) {
        return NULL;
    }
    Py_ssize_t ngroups = PyTuple_GET_SIZE(groups);
    if (ngroups > 2) {
        PyErr_SetString(PyExc_ValueError, "a slot is listed under at most two groups");
        return NULL;
    }
    int32_t slot = (int32_t)self->roots.len;
    int32_t root = compile_node(self, program);
    if (root < 0) {
        return NULL;
    }
    int failed = ngroups == 0 ? ints_push(&self->always, slot)
                 : ngroups == 1
                     ? anchor(self, PyTuple_GET_ITEM(groups, 0), slot, ONLY)
                     : (anchor(self, PyTuple_GET_ITEM(groups, 0), slot, FIRST) < 0 ||
                        anchor(self, PyTuple_GET_ITEM(groups, 1), slot, SECOND) < 0);
    if (failed || ints_push(&self->roots, root) < 0) {
        unlist(self, slot);
        return NULL;
    }
    return PyLong_FromLong(slot);
}

static Py_ssize_t Matcher_len(Matcher *self) { return self->roots.len; }

/* ---- a batch --------------------------------------------------------------------------- */

typedef struct {
    PyObject *texts, *titles, *filter_bytes; /* the lists given, as tuples: a callback may
                                                change the lists */
    Py_ssize_t docs, words; /* documents, and 64-bit words per bitset */
    uint64_t *all, *zero;
    Ints tokens;                 /* every document's tokens (ids in the matcher's memo) */
    Py_ssize_t *start;           /* per document: its first token in `tokens` */
    Py_ssize_t *length, *title;  /* per document: tokens, and how many are the title's */
    uint64_t **postings;         /* per key * 2 + field: the documents holding it, or NULL */
    Ints present;                /* key * 2 + field of the non-NULL postings */
    Ints *positions;             /* per key phrases or NEAR read: (document, position), ... */
    const uint64_t **filters;    /* per filter id */
    Py_ssize_t nfilters;
    uint64_t **memo;             /* per phrase or NEAR node, once checked */
    uint64_t **scratch;          /* per depth of evaluation */
    Py_ssize_t scratch_len;
} Batch;

static void batch_free(Matcher *self, Batch *b) {
    Py_XDECREF(b->texts);
    Py_XDECREF(b->titles);
    Py_XDECREF(b->filter_bytes);
    PyMem_Free(b->all);
    PyMem_Free(b->zero);
    ints_free(&b->tokens);
    PyMem_Free(b->start);
    PyMem_Free(b->length);
    PyMem_Free(b->title);
    if (b->postings != NULL) {
        for (Py_ssize_t i = 0; i < b->present.len; i++) {
            PyMem_Free(b->postings[b->present.at[i]]);
        }
    }
    PyMem_Free(b->postings);
    ints_free(&b->present);
    for (int32_t key = 0; b->positions != NULL && key < self->keys; key++) {
        ints_free(&b->positions[key]);
    }
    PyMem_Free(b->positions);
    PyMem_Free(b->filters);
    if (b->memo != NULL) {
        for (int32_t i = 0; i < self->memos; i++) {
            PyMem_Free(b->memo[i]);
        }
    }
    PyMem_Free(b->memo);
    for (Py_ssize_t i = 0; i < b->scratch_len; i++) {
        PyMem_Free(b->scratch[i]);
    }
    PyMem_Free(b->scratch);
}

static uint64_t *new_bits(const Batch *b) {
    uint64_t *bits = PyMem_Calloc((size_t)b->words ? (size_t)b->words : 1, sizeof(uint64_t));
    if (bits == NULL) {
        PyErr_NoMemory();
    }
    return bits;
}

/* The memo id of token s[:n] (its keys found on first sight), or -1 on error. */
static int32_t token_id(Matcher *self, const char *s, Py_ssize_t n) {
    uint32_t h = hash_bytes(s, (size_t)n);
    int32_t id = map_get(&self->tokens, s, (size_t)n, h);
    if (id >= 0) {
        return id;
    }
    id = (int32_t)self->token_offset.len;
    Py_ssize_t mark = self->token_keys.len;
    if (ints_push(&self->token_offset, (int32_t)mark) < 0) {
        goto undo;
    }
    int32_t count = 0;
    int32_t word = map_get(&self->words, s, (size_t)n, h);
    if (word >= 0) {
        if (ints_push(&self->token_keys, word) < 0) {
            goto undo;
        }
        count++;
    }
    /* Each prefix's hash one byte on from the last: a long token with short and long prefix
       keys costs its length, not its length squared. */
    Py_ssize_t longest = n < self->longest_prefix ? n : self->longest_prefix;
    uint32_t hash = HASH_START;
    for (Py_ssize_t len = 1; len <= longest; len++) {
        hash = hash_more(hash, s[len - 1]);
        int32_t prefix =
            len < self->shortest_prefix ? -1 : map_get(&self->prefixes, s, (size_t)len, hash);
        if (prefix >= 0) {
            if (ints_push(&self->token_keys, prefix) < 0) {
                goto undo;
            }
            count++;
        }
    }
    if (ints_push(&self->token_count, count) < 0 || map_put(&self->tokens, s, (size_t)n, h, id) < 0) {
        goto undo;
    }
    return id;
undo: /* the memo's arrays stay in step (the next token's id is its index in each) */
    self->token_offset.len = self->token_count.len = id;
    self->token_keys.len = mark;
    return -1;
}

static int post(Batch *b, int32_t slot, Py_ssize_t doc) {
    uint64_t *bits = b->postings[slot];
    if (bits == NULL) {
        bits = b->postings[slot] = new_bits(b);
        if (bits == NULL || ints_push(&b->present, slot) < 0) {
            return -1;
        }
    }
    bits[doc >> 6] |= (uint64_t)1 << (doc & 63);
    return 0;
}

/* The tokens of a run holding non-ASCII characters (folded by the callback on first sight):
   *ids, *count. */
static int run_tokens(Matcher *self, const char *s, Py_ssize_t n, const int32_t **ids,
                      int32_t *count) {
    uint32_t h = hash_bytes(s, (size_t)n);
    int32_t run = map_get(&self->runs, s, (size_t)n, h);
    char cut[MAX_WORD + 1];
    if (run < 0) {
        PyObject *piece = PyUnicode_DecodeUTF8(s, n, "surrogatepass");
        PyObject *words = piece != NULL ? PyObject_CallOneArg(self->fold, piece) : NULL;
        Py_XDECREF(piece);
        PyObject *each = words != NULL ? PySequence_Fast(words, "fold returns a sequence") : NULL;
        Py_XDECREF(words);
        if (each == NULL) {
            return -1;
        }
        run = (int32_t)self->run_offset.len;
        Py_ssize_t mark = self->run_tokens.len;
        int failed = ints_push(&self->run_offset, (int32_t)mark) < 0;
        for (Py_ssize_t i = 0; !failed && i < PySequence_Fast_GET_SIZE(each); i++) {
            Py_ssize_t len;
            const char *word = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(each, i), &len);
            if (word != NULL) { /* before token_id reads len: comparable() may cut it */
                word = comparable(word, &len, cut);
            }
            int32_t id = word != NULL ? token_id(self, word, len) : -1;
            failed = id < 0 || ints_push(&self->run_tokens, id) < 0;
        }
        failed = failed ||
                 ints_push(&self->run_count, (int32_t)PySequence_Fast_GET_SIZE(each)) < 0 ||
                 map_put(&self->runs, s, (size_t)n, h, run) < 0;
        Py_DECREF(each);
        if (failed) { /* the memo's arrays stay in step (a run's id is its index in each) */
            self->run_offset.len = self->run_count.len = run;
            self->run_tokens.len = mark;
            return -1;
        }
    }
    *ids = self->run_tokens.at + self->run_offset.at[run];
    *count = self->run_count.at[run];
    return 0;
}

/* Token `id`, the next of document `doc`, appended and its keys posted (in the title too,
   among the first `title` tokens). */
static int add_token(Matcher *self, Batch *b, Py_ssize_t doc, int32_t id, Py_ssize_t title) {
    if (ints_push(&b->tokens, id) < 0) {
        return -1;
    }
    const int32_t *keys = self->token_keys.at + self->token_offset.at[id];
    Py_ssize_t position = b->tokens.len - b->start[doc] - 1;
    for (int32_t k = 0; k < self->token_count.at[id]; k++) {
        int32_t key = keys[k];
        if (post(b, 2 * key + TEXT, doc) < 0 ||
            (position < title && post(b, 2 * key + TITLE, doc) < 0)) {
            return -1;
        }
        if (self->placed[key] && (ints_push(&b->positions[key], (int32_t)doc) < 0 ||
                                  ints_push(&b->positions[key], (int32_t)position) < 0)) {
            return -1;
        }
    }
    return 0;
}

/* `text` as UTF-8 (lone surrogates kept as their bytes, as alerts.query.document reads
   them), in *s and *n; *holder keeps the bytes alive when a copy was needed. */
static int utf8_of(PyObject *text, const char **s, Py_ssize_t *n, PyObject **holder) {
    *holder = NULL;
    *s = PyUnicode_AsUTF8AndSize(text, n);
    if (*s != NULL) {
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        return -1;
    }
    PyErr_Clear();
    *holder = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    if (*holder == NULL) {
        return -1;
    }
    *s = PyBytes_AS_STRING(*holder);
    *n = PyBytes_GET_SIZE(*holder);
    return 0;
}

/* The tokens of `text`: into document `doc` if `b` is given (its first `title` the title's),
   else only counted. How many, or -1. */
static Py_ssize_t read_text(Matcher *self, Batch *b, Py_ssize_t doc, PyObject *text,
                            Py_ssize_t title) {
    Py_ssize_t n, at = 0, count = 0;
    const char *s;
    PyObject *holder;
    char word[MAX_WORD + 1];
    Run run;
    if (utf8_of(text, &s, &n, &holder) < 0) {
        return -1;
    }
    while (count >= 0 && next_run(s, n, &at, &run)) {
        if (run.ascii) {
            Py_ssize_t len = run.len < MAX_WORD ? run.len : MAX_WORD;
            for (Py_ssize_t i = 0; b != NULL && i < len; i++) {
                word[i] = (char)RUN_BYTE[(unsigned char)s[run.start + i]];
            }
            if (run.len > MAX_WORD) {
                word[len++] = 0; /* cut: see comparable() */
            }
            int32_t id = b != NULL ? token_id(self, word, len) : 0;
            count = id < 0 || (b != NULL && add_token(self, b, doc, id, title) < 0) ? -1 : count + 1;
            continue;
        }
        const int32_t *ids;
        int32_t tokens;
        if (run_tokens(self, s + run.start, run.len, &ids, &tokens) < 0) {
            count = -1;
            break;
        }
        for (int32_t k = 0; b != NULL && k < tokens; k++) {
            if (add_token(self, b, doc, ids[k], title) < 0) {
                count = -1;
                break;
            }
        }
        count = count < 0 ? -1 : count + tokens;
    }
    Py_XDECREF(holder);
    return count;
}

/* The batch of `texts` (their first len(titles[i]'s tokens) words being the title), with the
   filters' documents as given (bytes, 8 per 64 documents, little-endian). */
static int batch_read(Matcher *self, Batch *b, PyObject *texts, PyObject *titles,
                      PyObject *filters) {
    memset(b, 0, sizeof(Batch));
    if (!PyList_Check(texts) || !PyList_Check(titles) || !PyList_Check(filters) ||
        PyList_GET_SIZE(texts) != PyList_GET_SIZE(titles)) {
        PyErr_SetString(PyExc_TypeError, "texts, titles: lists of one length; filters: a list");
        return -1;
    }
    b->texts = PyList_AsTuple(texts);
    b->titles = PyList_AsTuple(titles);
    b->filter_bytes = PyList_AsTuple(filters);
    if (b->texts == NULL || b->titles == NULL || b->filter_bytes == NULL) {
        return -1;
    }
    b->docs = PyTuple_GET_SIZE(b->texts);
    b->words = (b->docs + 63) / 64;
    b->all = new_bits(b);
    b->zero = new_bits(b);
    b->start = PyMem_Calloc((size_t)b->docs + 1, sizeof(Py_ssize_t));
    b->length = PyMem_Calloc((size_t)b->docs + 1, sizeof(Py_ssize_t));
    b->title = PyMem_Calloc((size_t)b->docs + 1, sizeof(Py_ssize_t));
    b->postings = PyMem_Calloc((size_t)self->keys * 2 + 1, sizeof(uint64_t *));
    b->positions = PyMem_Calloc((size_t)self->keys + 1, sizeof(Ints));
    b->memo = PyMem_Calloc((size_t)self->memos + 1, sizeof(uint64_t *));
    b->nfilters = PyTuple_GET_SIZE(b->filter_bytes);
    b->filters = PyMem_Calloc((size_t)b->nfilters + 1, sizeof(uint64_t *));
    if (b->all == NULL || b->zero == NULL || b->start == NULL || b->length == NULL || b->title == NULL ||
        b->postings == NULL || b->positions == NULL || b->memo == NULL || b->filters == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t doc = 0; doc < b->docs; doc++) {
        b->all[doc >> 6] |= (uint64_t)1 << (doc & 63);
    }
    for (Py_ssize_t i = 0; i < b->nfilters; i++) {
        PyObject *bits = PyTuple_GET_ITEM(b->filter_bytes, i);
        if (!PyBytes_Check(bits) || PyBytes_GET_SIZE(bits) != b->words * 8) {
            PyErr_SetString(PyExc_ValueError, "a filter is 8 bytes per 64 documents");
            return -1;
        }
        b->filters[i] = (const uint64_t *)PyBytes_AS_STRING(bits);
        /* A result is a document number: a bit past the last document would name none. */
        if (b->words > 0 && (b->filters[i][b->words - 1] & ~b->all[b->words - 1])) {
            PyErr_SetString(PyExc_ValueError, "a filter holds documents past the batch");
            return -1;
        }
    }
    if (self->tokens.count > (1 << 21) || self->tokens.pool_len + self->runs.pool_len > (1 << 26)) {
        forget_tokens(self); /* a bound on the memo (and on its bytes: runs can be long): words
                                seen once are most of it */
    }
    for (Py_ssize_t doc = 0; doc < b->docs; doc++) {
        PyObject *text = PyTuple_GET_ITEM(b->texts, doc), *title = PyTuple_GET_ITEM(b->titles, doc);
        if (!PyUnicode_Check(text) || !PyUnicode_Check(title)) {
            PyErr_SetString(PyExc_TypeError, "texts and titles are str");
            return -1;
        }
        Py_ssize_t title_length = read_text(self, NULL, doc, title, 0);
        b->start[doc] = b->tokens.len;
        Py_ssize_t length = title_length < 0 ? -1 : read_text(self, b, doc, text, title_length);
        if (length < 0) {
            return -1;
        }
        b->length[doc] = length;
        b->title[doc] = title_length < length ? title_length : length;
    }
    return 0;
}

/* ---- evaluation ------------------------------------------------------------------------ */

static int is_empty(const uint64_t *bits, Py_ssize_t words) {
    for (Py_ssize_t i = 0; i < words; i++) {
        if (bits[i]) {
            return 0;
        }
    }
    return 1;
}

static int has_key(const Matcher *self, int32_t token, int32_t key) {
    const int32_t *keys = self->token_keys.at + self->token_offset.at[token];
    for (int32_t k = 0; k < self->token_count.at[token]; k++) {
        if (keys[k] == key) {
            return 1;
        }
    }
    return 0;
}

/* Where the term of `keys` (n words) starts in document `doc`'s first `length` tokens,
   ascending, into `found` (NULL: the first is enough); how many. A start is a position of its
   first key, the others checked on the tokens after it. */
static Py_ssize_t term_starts(const Matcher *self, const Batch *b, Py_ssize_t doc,
                              const int32_t *keys, int32_t n, Py_ssize_t length, Ints *found) {
    const Ints *placed = &b->positions[keys[0]];
    Py_ssize_t low = 0, high = placed->len / 2, count = 0;
    while (low < high) { /* the document's first entry: entries go by document */
        Py_ssize_t middle = (low + high) / 2;
        if (placed->at[2 * middle] < doc) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    const int32_t *tokens = b->tokens.at + b->start[doc];
    for (Py_ssize_t i = low; i < placed->len / 2 && placed->at[2 * i] == doc; i++) {
        Py_ssize_t start = placed->at[2 * i + 1];
        if (start + n > length) {
            break;
        }
        int32_t k = 1;
        while (k < n && has_key(self, tokens[start + k], keys[k])) {
            k++;
        }
        if (k == n) {
            count++;
            if (found == NULL) {
                return count;
            }
            if (ints_push(found, (int32_t)start) < 0) {
                return -1;
            }
        }
    }
    return count;
}

/* Whether a left hit and a right hit are at most `distance` words apart (0 when adjacent or
   overlapping): evaluate.near_hits. 1, 0, or -1 on error. */
static int near_found(const Matcher *self, const Batch *b, const Node *node, Py_ssize_t doc,
                      Py_ssize_t length) {
    const int32_t *kids = self->kids.at;
    Ints lefts = {0}, rights = {0};
    int found = 0;
    if (term_starts(self, b, doc, kids + node->offset, node->n, length, &lefts) < 0 ||
        term_starts(self, b, doc, kids + node->offset2, node->n2, length, &rights) < 0) {
        found = -1;
    }
    for (Py_ssize_t i = 0; found == 0 && i < lefts.len; i++) {
        for (Py_ssize_t j = 0; j < rights.len; j++) {
            Py_ssize_t left = lefts.at[i], right = rights.at[j];
            Py_ssize_t gap = right - (left + node->n) > left - (right + node->n2)
                                 ? right - (left + node->n)
                                 : left - (right + node->n2);
            if (gap <= node->value) {
                found = 1;
                break;
            }
        }
    }
    ints_free(&lefts);
    ints_free(&rights);
    return found;
}

/* The documents a phrase or NEAR matches: those holding all its keys, checked one by one. */
static const uint64_t *positional(Matcher *self, Batch *b, const Node *node) {
    uint64_t *found = b->memo[node->memo];
    if (found != NULL) {
        return found;
    }
    found = b->memo[node->memo] = new_bits(b);
    if (found == NULL) {
        return NULL;
    }
    const int32_t *kids = self->kids.at;
    const uint64_t *first = b->postings[2 * kids[node->offset] + node->field];
    for (Py_ssize_t w = 0; first != NULL && w < b->words; w++) {
        uint64_t candidates = first[w];
        for (int32_t k = 0; candidates && k < node->n + node->n2; k++) {
            int32_t key = kids[k < node->n ? node->offset + k : node->offset2 + k - node->n];
            const uint64_t *bits = b->postings[2 * key + node->field];
            candidates &= bits != NULL ? bits[w] : 0;
        }
        while (candidates) {
            Py_ssize_t doc = w * 64 + __builtin_ctzll(candidates);
            Py_ssize_t length = node->field == TITLE ? b->title[doc] : b->length[doc];
            int match = node->kind == N_PHRASE
                            ? (int)term_starts(self, b, doc, kids + node->offset, node->n,
                                               length, NULL)
                            : near_found(self, b, node, doc, length);
            if (match < 0) {
                return NULL;
            }
            if (match) {
                found[w] |= candidates & -candidates;
            }
            candidates &= candidates - 1;
        }
    }
    return found;
}

static uint64_t *scratch(Batch *b, Py_ssize_t depth) {
    if (depth >= b->scratch_len) {
        uint64_t **more = PyMem_Realloc(b->scratch, (size_t)(depth + 1) * sizeof(uint64_t *));
        if (more == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        b->scratch = more;
        while (b->scratch_len <= depth) {
            b->scratch[b->scratch_len] = new_bits(b);
            if (b->scratch[b->scratch_len++] == NULL) {
                return NULL;
            }
        }
    }
    return b->scratch[depth];
}

static int evaluate(Matcher *self, Batch *b, int32_t id, uint64_t *dst, Py_ssize_t depth);

/* The documents node `id` matches: a key's posting, a filter's or a phrase's documents as
   they are, others evaluated into the scratch bitset of `depth`. NULL on error. */
static const uint64_t *operand(Matcher *self, Batch *b, int32_t id, Py_ssize_t depth) {
    const Node *node = &self->nodes[id];
    switch (node->kind) {
    case N_KEY: {
        const uint64_t *bits = b->postings[2 * node->value + node->field];
        return bits != NULL ? bits : b->zero;
    }
    case N_FILTER:
        if (node->value >= b->nfilters) {
            PyErr_SetString(PyExc_ValueError, "a filter's documents were not given");
            return NULL;
        }
        return b->filters[node->value];
    case N_PHRASE:
    case N_NEAR:
        return positional(self, b, node);
    default: {
        uint64_t *bits = scratch(b, depth);
        return bits == NULL || evaluate(self, b, id, bits, depth + 1) < 0 ? NULL : bits;
    }
    }
}

/* Writes the documents node `id` matches into `dst`: AND stops at the first empty result
   (children come cheapest first). */
static int evaluate(Matcher *self, Batch *b, int32_t id, uint64_t *dst, Py_ssize_t depth) {
    const Node *node = &self->nodes[id];
    Py_ssize_t words = b->words;
    if (node->kind == N_NOT) {
        const uint64_t *child = operand(self, b, node->value, depth);
        if (child == NULL) {
            return -1;
        }
        for (Py_ssize_t i = 0; i < words; i++) {
            dst[i] = ~child[i] & b->all[i];
        }
        return 0;
    }
    if (node->kind != N_AND && node->kind != N_OR) {
        const uint64_t *bits = operand(self, b, id, depth);
        if (bits == NULL) {
            return -1;
        }
        memcpy(dst, bits, (size_t)words * sizeof(uint64_t));
        return 0;
    }
    const int32_t *kids = self->kids.at + node->offset;
    for (int32_t k = 0; k < node->n; k++) {
        if (k > 0 && node->kind == N_AND && is_empty(dst, words)) {
            return 0;
        }
        const uint64_t *bits = operand(self, b, kids[k], depth);
        if (bits == NULL) {
            return -1;
        }
        if (k == 0) {
            memcpy(dst, bits, (size_t)words * sizeof(uint64_t));
        } else if (node->kind == N_AND) {
            for (Py_ssize_t i = 0; i < words; i++) {
                dst[i] &= bits[i];
            }
        } else {
            for (Py_ssize_t i = 0; i < words; i++) {
                dst[i] |= bits[i];
            }
        }
    }
    return 0;
}

/* ---- candidates and matching ----------------------------------------------------------- */

/* Per slot, whether it is a candidate for the batch: listed ONLY under a key present, or
   FIRST under one and SECOND under another, or under none (always evaluated). */
static unsigned char *candidate_flags(Matcher *self, Batch *b) {
    unsigned char *flags = PyMem_Calloc((size_t)self->roots.len + 1, 1);
    if (flags == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t p = 0; p < b->present.len; p++) {
        const Ints *listed = &self->anchored[b->present.at[p]];
        for (Py_ssize_t i = 0; i < listed->len; i++) {
            flags[listed->at[i] >> 3] |= (unsigned char)(listed->at[i] & 7);
        }
    }
    for (Py_ssize_t i = 0; i < self->always.len; i++) {
        flags[self->always.at[i]] |= ONLY;
    }
    for (Py_ssize_t slot = 0; slot < self->roots.len; slot++) {
        unsigned char f = flags[slot];
        flags[slot] = (f & ONLY) || ((f & FIRST) && (f & SECOND));
    }
    return flags;
}

static int read_args(Matcher *self, PyObject *args, const char *format, Batch *b) {
    PyObject *texts, *titles, *filters;
    if (!PyArg_ParseTuple(args, format, &texts, &titles, &filters)) {
        memset(b, 0, sizeof(Batch));
        return -1;
    }
    return batch_read(self, b, texts, titles, filters);
}

/* Whether some document passes the filters at the top of slot's query (all, if none). */
static int passes_top_filters(Matcher *self, Batch *b, int32_t slot) {
    const Node *root = &self->nodes[self->roots.at[slot]];
    const int32_t *kids = root->kind == N_AND ? self->kids.at + root->offset : NULL;
    int32_t n = root->kind == N_AND ? root->n : 1;
    for (Py_ssize_t w = 0; w < b->words; w++) {
        uint64_t passing = b->all[w];
        for (int32_t k = 0; k < n; k++) {
            const Node *part = kids != NULL ? &self->nodes[kids[k]] : root;
            if (part->kind == N_FILTER && part->value < b->nfilters) {
                passing &= b->filters[part->value][w];
            }
        }
        if (passing) {
            return 1;
        }
    }
    return 0;
}

static PyObject *candidates(Matcher *self, PyObject *args) {
    Batch b;
    PyObject *found = NULL;
    unsigned char *flags = NULL;
    if (read_args(self, args, "OOO:candidates", &b) == 0 &&
        (flags = candidate_flags(self, &b)) != NULL && (found = PyList_New(0)) != NULL) {
        for (Py_ssize_t slot = 0; slot < self->roots.len; slot++) {
            if (!flags[slot] || !passes_top_filters(self, &b, (int32_t)slot)) {
                continue;
            }
            PyObject *number = PyLong_FromSsize_t(slot);
            if (number == NULL || PyList_Append(found, number) < 0) {
                Py_XDECREF(number);
                Py_CLEAR(found);
                break;
            }
            Py_DECREF(number);
        }
    }
    PyMem_Free(flags);
    batch_free(self, &b);
    return found;
}

/* Per document, the slots (ascending) of `pairs` (document, slot, ...) naming it, as the
   bytes of native ints: no object per match, none the garbage collector tracks. */
static PyObject *per_document(const Batch *b, const Ints *pairs) {
    Py_ssize_t *filled = PyMem_Calloc((size_t)b->docs + 1, sizeof(Py_ssize_t));
    PyObject *found = filled != NULL ? PyList_New(b->docs) : NULL;
    if (found == NULL) {
        PyMem_Free(filled);
        return filled == NULL ? PyErr_NoMemory() : NULL;
    }
    for (Py_ssize_t i = 0; i < pairs->len; i += 2) {
        filled[pairs->at[i]]++;
    }
    for (Py_ssize_t doc = 0; doc < b->docs; doc++) {
        PyObject *slots = PyBytes_FromStringAndSize(NULL, filled[doc] * (Py_ssize_t)sizeof(int32_t));
        if (slots == NULL) {
            PyMem_Free(filled);
            Py_DECREF(found);
            return NULL;
        }
        PyList_SET_ITEM(found, doc, slots);
        filled[doc] = 0;
    }
    for (Py_ssize_t i = 0; i < pairs->len; i += 2) {
        int32_t doc = pairs->at[i];
        int32_t *slots = (int32_t *)PyBytes_AS_STRING(PyList_GET_ITEM(found, doc));
        slots[filled[doc]++] = pairs->at[i + 1];
    }
    PyMem_Free(filled);
    return found;
}

static PyObject *match(Matcher *self, PyObject *args) {
    Batch b;
    PyObject *found = NULL;
    unsigned char *flags = NULL;
    uint64_t *bits = NULL;
    Ints pairs = {0};
    if (read_args(self, args, "OOO:match", &b) < 0 || (flags = candidate_flags(self, &b)) == NULL ||
        (bits = new_bits(&b)) == NULL) {
        goto done;
    }
    for (Py_ssize_t slot = 0; slot < self->roots.len; slot++) {
        if (!flags[slot]) {
            continue;
        }
        if (evaluate(self, &b, self->roots.at[slot], bits, 0) < 0) {
            goto done;
        }
        for (Py_ssize_t w = 0; w < b.words; w++) {
            for (uint64_t word = bits[w]; word; word &= word - 1) {
                if (ints_push(&pairs, (int32_t)(w * 64 + __builtin_ctzll(word))) < 0 ||
                    ints_push(&pairs, (int32_t)slot) < 0) {
                    goto done;
                }
            }
        }
    }
    found = per_document(&b, &pairs);
done:
    ints_free(&pairs);
    PyMem_Free(bits);
    PyMem_Free(flags);
    batch_free(self, &b);
    return found;
}

/* ---- the type and the module ----------------------------------------------------------- */

typedef PyObject *(*Method)(Matcher *, PyObject *);

/* `method` with the matcher marked busy: Python code it calls (the fold callback, a program's
   __hash__, __eq__, __bool__ or __index__) cannot add to the matcher or match with it meanwhile,
   which would change the keys, nodes and memo under the batch or program being read. */
static PyObject *guarded(Matcher *self, PyObject *args, Method method) {
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the matcher is in use (called back from within it)");
        return NULL;
    }
    self->busy = 1;
    PyObject *result = method(self, args);
    self->busy = 0;
    return result;
}

static PyObject *Matcher_add(Matcher *self, PyObject *args) { return guarded(self, args, add); }

static PyObject *Matcher_match(Matcher *self, PyObject *args) { return guarded(self, args, match); }

static PyObject *Matcher_candidates(Matcher *self, PyObject *args) {
    return guarded(self, args, candidates);
}

static PyMethodDef Matcher_methods[] = {
    {"add", (PyCFunction)Matcher_add, METH_VARARGS,
     "add(program, groups) -> slot: a query compiled, listed under up to two groups of keys "
     "((field, word, prefix), ...); none: a candidate for every batch."},
    {"match", (PyCFunction)Matcher_match, METH_VARARGS,
     "match(texts, titles, filters) -> per document, the slots matching it (ascending), as "
     "the bytes of native ints."},
    {"candidates", (PyCFunction)Matcher_candidates, METH_VARARGS,
     "candidates(texts, titles, filters) -> the slots a batch evaluates: picked by the keys "
     "present, some document passing their top-level filters."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Matcher_as_sequence = {.sq_length = (lenfunc)Matcher_len};

static PyTypeObject MatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "alerts.query._matcher.Matcher",
    .tp_basicsize = sizeof(Matcher),
    .tp_dealloc = (destructor)Matcher_dealloc,
    .tp_as_sequence = &Matcher_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Compiled queries matched against batches of documents at once.",
    .tp_methods = Matcher_methods,
    .tp_new = Matcher_new,
};

static struct PyModuleDef matcher_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "alerts.query._matcher",
    .m_doc = "The batch matcher's core: see alerts/query/_matcher.c.",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__matcher(void) {
    init_run_bytes();
    if (PyType_Ready(&MatcherType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&matcher_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&MatcherType);
    if (PyModule_AddObject(module, "Matcher", (PyObject *)&MatcherType) < 0) {
        Py_DECREF(&MatcherType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
