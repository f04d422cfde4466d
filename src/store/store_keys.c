/* store/store_keys.c - the per-customer keys that seal face templates and photos
 * (crypto-shredding). They live outside the SQLite file, in '<db>-keys' beside it, because
 * SQLite cannot promise that a deleted row is gone: with another connection reading, the
 * deleted page stays in the main file and the WAL until a checkpoint can run. A key here is
 * overwritten in place with zeros and the file synced, and every sealed copy of the data,
 * wherever SQLite left it, is unreadable from then on.
 *
 * The file: a 64-byte header ("SHOPPER-FACE-KEYS 1"), then 64-byte slots: customer id
 * (8 bytes little-endian, 0 = free slot), key (32), check (8: FNV-1a of id and key, catches
 * a torn write), 16 zero bytes. Slots are only ever overwritten in place (never a rename,
 * which would leave the old blocks with the key on the disk); a free slot is reused.
 * Writers take flock(LOCK_EX), readers LOCK_SH. An in-memory store keeps its keys in a
 * memfd. The key bytes never leave this file and store_face.c. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/seal.h"
#include "core/xalloc.h"
#include "store/store_int.h"

#define SLOT 64
#define CHUNK_SLOTS 1024
static const char HEADER[] = "SHOPPER-FACE-KEYS 1";

static uint64_t check_of(int64_t id, const unsigned char *key)
{
    uint64_t h = 0xcbf29ce484222325ULL, u = (uint64_t)id;
    for (int b = 0; b < 8; b++)
        h = (h ^ (unsigned char)(u >> (8 * b))) * 0x100000001b3ULL;
    for (int i = 0; i < SEAL_KEY; i++)
        h = (h ^ key[i]) * 0x100000001b3ULL;
    return h;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int b = 0; b < 8; b++)
        p[b] = (unsigned char)(v >> (8 * b));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int b = 0; b < 8; b++)
        v |= (uint64_t)p[b] << (8 * b);
    return v;
}

void store_keys_path(const struct store *st, char *buf, size_t n)
{
    snprintf(buf, n, "%s-keys", st->path);
}

static int in_memory(const struct store *st)
{
    return st->path[0] == '\0' || strcmp(st->path, ":memory:") == 0;
}

static int io_fail(struct store *st, const char *what)
{
    char path[600];
    store_keys_path(st, path, sizeof(path));
    store_msg(st, "face keys: cannot %s '%s': %s", what, path, strerror(errno));
    return SHOP_EIO;
}

static int sync_dir(const char *path)
{
    char copy[600];
    snprintf(copy, sizeof(copy), "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Opens the key file once per handle. create: make it when missing (a writable store);
 * else a missing file is SHOP_ENOTFOUND (no customer has a key). */
static int keys_open(struct store *st, int create)
{
    if (st->keys_fd >= 0)
        return SHOP_OK;
    if (in_memory(st)) {
        int fd = memfd_create("shopper-face-keys", MFD_CLOEXEC);
        if (fd < 0)
            return io_fail(st, "create");
        st->keys_fd = fd;
    } else {
        char path[600];
        store_keys_path(st, path, sizeof(path));
        int fd = open(path, (st->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT && create && st->writable) {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
            if (fd >= 0 && sync_dir(path) != 0) {
                close(fd);
                return io_fail(st, "sync the folder of");
            }
        }
        if (fd < 0 && errno == ENOENT)
            return SHOP_ENOTFOUND;
        if (fd < 0)
            return io_fail(st, "open");
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            close(fd);
            store_msg(st, "face keys: '%s' is not a regular file", path);
            return SHOP_EIO;
        }
        st->keys_fd = fd;
    }
    /* a new file gets its header; an existing one must have it */
    unsigned char head[SLOT] = {0};
    flock(st->keys_fd, LOCK_EX);
    ssize_t got = pread(st->keys_fd, head, SLOT, 0);
    int rc = SHOP_OK;
    if (got == 0 && st->writable) {
        memcpy(head, HEADER, sizeof(HEADER));
        if (pwrite(st->keys_fd, head, SLOT, 0) != SLOT || fdatasync(st->keys_fd) != 0)
            rc = io_fail(st, "write");
    } else if (got != SLOT || memcmp(head, HEADER, sizeof(HEADER)) != 0) {
        char path[600];
        store_keys_path(st, path, sizeof(path));
        store_msg(st, "face keys: '%s' is not a shopper key file", path);
        rc = SHOP_EDB;
    }
    flock(st->keys_fd, LOCK_UN);
    if (rc != SHOP_OK) {
        close(st->keys_fd);
        st->keys_fd = -1;
    }
    return rc;
}

void store_keys_close(struct store *st)
{
    if (st->keys_fd >= 0)
        close(st->keys_fd);
    st->keys_fd = -1;
}

/* Calls fn(ctx, slot index, id, key) for every valid slot and, when free_slot is given,
 * sets it to the first free slot (or the one past the end). Holds no lock: the caller does. */
static int scan(struct store *st, int (*fn)(void *ctx, int64_t slot, int64_t id,
                                            const unsigned char *key),
                void *ctx, int64_t *free_slot)
{
    unsigned char *buf = xmalloc((size_t)SLOT * CHUNK_SLOTS);
    int64_t slot = 0;
    int rc = SHOP_OK, stop = 0;
    if (free_slot)
        *free_slot = -1;
    for (;;) {
        ssize_t got = pread(st->keys_fd, buf, (size_t)SLOT * CHUNK_SLOTS, SLOT * (slot + 1));
        if (got < 0) {
            rc = io_fail(st, "read");
            break;
        }
        int64_t n = got / SLOT;
        for (int64_t i = 0; i < n && !stop; i++) {
            const unsigned char *p = buf + i * SLOT;
            int64_t id = (int64_t)get64(p);
            if (id == 0 || get64(p + 8 + SEAL_KEY) != check_of(id, p + 8)) {
                if (free_slot && *free_slot < 0) /* free, or torn: reusable */
                    *free_slot = slot + i;
                continue;
            }
            if (fn)
                stop = fn(ctx, slot + i, id, p + 8);
        }
        slot += n;
        if (stop || got < SLOT * CHUNK_SLOTS)
            break;
    }
    if (free_slot && *free_slot < 0)
        *free_slot = slot;
    seal_wipe(buf, (size_t)SLOT * CHUNK_SLOTS);
    free(buf);
    return rc;
}

struct find {
    int64_t id;
    unsigned char *key;
    int found;
};

static int find_one(void *ctx, int64_t slot, int64_t id, const unsigned char *key)
{
    (void)slot;
    struct find *f = ctx;
    if (id != f->id)
        return 0;
    memcpy(f->key, key, SEAL_KEY);
    f->found = 1;
    return 1;
}

int store_keys_get(struct store *st, int64_t customer_id, int create, unsigned char *key)
{
    int rc = keys_open(st, create);
    if (rc != SHOP_OK)
        return rc;
    struct find f = {customer_id, key, 0};
    int64_t free_slot = -1;
    flock(st->keys_fd, create ? LOCK_EX : LOCK_SH);
    rc = scan(st, find_one, &f, create ? &free_slot : NULL);
    if (rc == SHOP_OK && !f.found && create) {
        unsigned char slot[SLOT] = {0};
        seal_keygen(key);
        put64(slot, (uint64_t)customer_id);
        memcpy(slot + 8, key, SEAL_KEY);
        put64(slot + 8 + SEAL_KEY, check_of(customer_id, key));
        if (pwrite(st->keys_fd, slot, SLOT, SLOT * (free_slot + 1)) != SLOT ||
            fdatasync(st->keys_fd) != 0)
            rc = io_fail(st, "write");
        else
            f.found = 1;
        seal_wipe(slot, sizeof(slot));
    }
    flock(st->keys_fd, LOCK_UN);
    if (rc == SHOP_OK && !f.found)
        rc = SHOP_ENOTFOUND;
    if (rc != SHOP_OK)
        seal_wipe(key, SEAL_KEY);
    return rc;
}

struct shred {
    struct store *st;
    int64_t id;
    int64_t n;
    int failed;
};

static int shred_one(void *ctx, int64_t slot, int64_t id, const unsigned char *key)
{
    (void)key;
    struct shred *s = ctx;
    if (id != s->id)
        return 0;
    static const unsigned char zero[SLOT];
    if (pwrite(s->st->keys_fd, zero, SLOT, SLOT * (slot + 1)) != SLOT) {
        s->failed = 1;
        return 1;
    }
    s->n++;
    return 0;
}

int store_keys_shred(struct store *st, int64_t customer_id, int64_t *n)
{
    *n = 0;
    int rc = keys_open(st, 0);
    if (rc == SHOP_ENOTFOUND)
        return SHOP_OK; /* no key file: no key to destroy */
    if (rc != SHOP_OK)
        return rc;
    if (!st->writable) {
        store_msg(st, "face keys: the store is read-only");
        return SHOP_EREADONLY;
    }
    struct shred s = {st, customer_id, 0, 0};
    flock(st->keys_fd, LOCK_EX);
    rc = scan(st, shred_one, &s, NULL);
    if (rc == SHOP_OK && s.failed)
        rc = io_fail(st, "overwrite a key in");
    /* the zeros must be on the disk before the erasure is reported */
    if (rc == SHOP_OK && s.n && fdatasync(st->keys_fd) != 0)
        rc = io_fail(st, "sync");
    flock(st->keys_fd, LOCK_UN);
    *n = s.n;
    return rc;
}

struct collect {
    struct store_key *v;
    size_t n, cap;
};

static int collect_one(void *ctx, int64_t slot, int64_t id, const unsigned char *key)
{
    (void)slot;
    struct collect *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        struct store_key *v = xcalloc(cap, sizeof(*v));
        if (c->n)
            memcpy(v, c->v, c->n * sizeof(*v));
        seal_wipe(c->v, c->cap * sizeof(*v)); /* no stray copy in freed memory */
        free(c->v);
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].customer_id = id;
    memcpy(c->v[c->n].key, key, SEAL_KEY);
    c->n++;
    return 0;
}

static int by_id(const void *a, const void *b)
{
    const struct store_key *x = a, *y = b;
    return (x->customer_id > y->customer_id) - (x->customer_id < y->customer_id);
}

int store_keys_load(struct store *st, struct store_key **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int rc = keys_open(st, 0);
    if (rc == SHOP_ENOTFOUND)
        return SHOP_OK;
    if (rc != SHOP_OK)
        return rc;
    struct collect c = {0};
    flock(st->keys_fd, LOCK_SH);
    rc = scan(st, collect_one, &c, NULL);
    flock(st->keys_fd, LOCK_UN);
    if (rc != SHOP_OK) {
        store_keys_free(c.v, c.cap);
        return rc;
    }
    qsort(c.v, c.n, sizeof(*c.v), by_id);
    *out = c.v;
    *n = c.n; /* entries past n were never written: nothing there to wipe */
    return SHOP_OK;
}

const unsigned char *store_keys_find(const struct store_key *v, size_t n, int64_t customer_id)
{
    struct store_key k = {.customer_id = customer_id};
    const struct store_key *hit = bsearch(&k, v, n, sizeof(*v), by_id);
    return hit ? hit->key : NULL;
}

void store_keys_free(struct store_key *v, size_t n)
{
    if (v)
        seal_wipe(v, n * sizeof(*v));
    free(v);
}
