// Compares Wasm/QueryCore/unicode.c with the toolchain's libswiftUnicodeDataTables.a on every
// scalar, as the standard library asks for them: built with unicode.c's functions renamed
// `ours_…` and run with `wasmkit run` by `make wasm-unicode-check`; prints the first
// differences and exits 1 if there are any.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

uint16_t _swift_stdlib_getNormData(uint32_t);
uint32_t _swift_stdlib_getDecompositionEntry(uint32_t);
uint32_t _swift_stdlib_getComposition(uint32_t, uint32_t);
extern const uint8_t *const _swift_stdlib_nfd_decompositions;
uint16_t ours_getNormData(uint32_t);
uint32_t ours_getDecompositionEntry(uint32_t);
uint32_t ours_getComposition(uint32_t, uint32_t);
extern const uint8_t *const ours_nfd_decompositions;

static int failures;

static void fail(const char *what, uint32_t a, uint32_t b, uint32_t theirs, uint32_t ours) {
    if (failures++ < 20) printf("%s %x %x: library %x, ours %x\n", what, a, b, theirs, ours);
}

int main(void) {
    uint32_t checked = 0;
    for (uint32_t s = 0; s < 0x110000; s++) {
        uint16_t n = _swift_stdlib_getNormData(s);
        if (ours_getNormData(s) != n) fail("normData", s, 0, n, ours_getNormData(s));
        checked++;
        if (s < 0xC0 || (s >= 0xAC00 && s <= 0xD7A3)) continue;  // as the library's decompose()
        uint32_t e = _swift_stdlib_getDecompositionEntry(s), o = ours_getDecompositionEntry(s);
        int theirs = (e & 0x3FFFF) == s, mine = (o & 0x3FFFF) == s;
        if (theirs != mine) {
            fail("has decomposition", s, 0, theirs, mine);
        } else if (theirs) {
            const uint8_t *a = _swift_stdlib_nfd_decompositions + (e >> 18), *b = ours_nfd_decompositions + (o >> 18);
            if (a[0] != b[0] || memcmp(a + 1, b + 1, a[0]) != 0) fail("decomposition", s, 0, a[0], b[0]);
        }
    }
    for (uint32_t y = 0x300; y < 0x110000; y++) {
        if ((_swift_stdlib_getNormData(y) & 6) == 0) continue;  // NFC quick check Yes: never composed with
        for (uint32_t x = 0; x < 0x30000; x++) {
            uint32_t c = _swift_stdlib_getComposition(x, y), o = ours_getComposition(x, y);
            if (c != o) fail("composition", x, y, c, o);
            checked++;
        }
    }
    printf("%u checks, %d differences\n", checked, failures);
    return failures != 0;
}
