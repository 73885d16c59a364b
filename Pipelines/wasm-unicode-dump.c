// Prints the Swift standard library's Unicode normalization data for every scalar, as
// Pipelines/gen_wasm_unicode.py reads it (its docstring says how to build and run this).
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
uint16_t _swift_stdlib_getNormData(uint32_t);
uint32_t _swift_stdlib_getDecompositionEntry(uint32_t);
uint32_t _swift_stdlib_getComposition(uint32_t, uint32_t);
extern const uint8_t *const _swift_stdlib_nfd_decompositions;
int main(void) {
    uint16_t prev = 0xFFFF;
    for (uint32_t s = 0; s < 0x110000; s++) {
        uint16_t n = _swift_stdlib_getNormData(s);
        if (n != prev) { printf("N %x %x\n", s, n); prev = n; }
    }
    for (uint32_t s = 0xC0; s < 0x110000; s++) {
        if (s >= 0xAC00 && s <= 0xD7A3) continue;
        uint16_t n = _swift_stdlib_getNormData(s);
        uint32_t e = _swift_stdlib_getDecompositionEntry(s);
        if ((e & 0x3FFFF) != s) { if (n & 1) printf("X %x %x\n", s, n); continue; }
        uint32_t idx = e >> 18;
        const uint8_t *p = _swift_stdlib_nfd_decompositions + idx;
        printf("D %x %x %x", s, idx, n);
        for (int i = 0; i <= p[0]; i++) printf(" %02x", p[i]);
        printf("\n");
    }
    for (uint32_t y = 0x300; y < 0x110000; y++) {
        uint16_t n = _swift_stdlib_getNormData(y);
        if ((n & 6) == 0) continue;
        for (uint32_t x = 0; x < 0x20000; x++) {
            uint32_t c = _swift_stdlib_getComposition(x, y);
            if (c != UINT32_MAX) printf("C %x %x %x\n", x, y, c);
        }
    }
    return 0;
}
