// What the Embedded Swift module needs from a C runtime beyond wasi-libc's malloc, free and
// memcmp (which import nothing), so the browser module imports nothing at all.
#include <stddef.h>
#include <stdint.h>

// Seeds Swift's Hasher. WASI's random_get would be an import the page must provide; a fixed
// seed is enough here: the only Set in the query core dedupes one query's clauses (at most 256,
// typed by the person whose browser runs it) and never decides an order.
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

// Double(String) in Embedded Swift (JSON numbers in manifests) calls this; wasi-libc's strtod
// reads the C locale, which is the only one it has.
#include <stdlib.h>
const char *_swift_stdlib_strtod_clocale(const char *nptr, double *outResult) {
    char *end;
    *outResult = strtod(nptr, &end);
    return end;
}
