// What the Embedded Swift module needs from a C runtime beyond wasi-libc's malloc, free and
// memcmp (which import nothing), so the browser module imports nothing at all.
#include <stddef.h>
#include <stdint.h>

// Seeds Swift's Hasher with a fixed seed: WASI's random_get would be an import the page must
// provide. (The query's clauses, which this comment once named as the only Set, are deduped
// without one since session 10; the query core's Sets and Dictionaries hash CIDs, DocRefs,
// terms, group IDs and URLs.)
void arc4random_buf(void *buffer, size_t count) {
    uint64_t x = 0x9E3779B97F4A7C15ull;
    uint8_t *p = buffer;
    for (size_t i = 0; i < count; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)x;
    }
}

// Double(String) in Embedded Swift calls this (JSON numbers that are not integers). wasi-libc's
// strtod would bring stdio, hence WASI imports, into the page's module; manifests and the
// module's other inputs hold only integers, so this reads an optional sign and digits exactly
// (up to 2^53) and refuses anything else (Double(String) is then nil, a JSON number error).
const char *_swift_stdlib_strtod_clocale(const char *nptr, double *outResult) {
    const char *p = nptr;
    int negative = 0;
    if (*p == '-' || *p == '+') negative = *p++ == '-';
    if (*p < '0' || *p > '9') return NULL;
    uint64_t value = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        value = value * 10 + (uint64_t)(*p - '0');
        if (value > (1ull << 53)) return NULL;
    }
    if (*p != 0) return NULL;
    *outResult = negative ? -(double)value : (double)value;
    return p;
}
