// The test driver: a WASI command around the query core's exports, for `wasmkit run` in the
// test suite (Tests/WasmTests). It calls the exports exactly as the page does: qc_alloc, copy
// the UTF-8 in, an operation, then qc_output / qc_output_length.
//
// stdin: requests, each an op byte, a 32-bit little-endian length and that many bytes. Ops: '0',
// '1', '2' qc_analyze in that mode; 'p' qc_parse; 'h' qc_blake2b256; 'v' qc_verify_blake2b256
// (the bytes are the 32-byte digest, then the data); 'z' qc_zstd_decompress (the bytes are the
// limit, 32-bit little-endian, then the frame). stdout: for each request, the operation's
// return value and the output's length (32-bit little-endian each), then the output.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *qc_alloc(int32_t count);
void qc_free(void *pointer);
const uint8_t *qc_output(void);
int32_t qc_output_length(void);
int32_t qc_analyze(const uint8_t *text, int32_t length, int32_t mode);
int32_t qc_parse(const uint8_t *text, int32_t length);
int32_t qc_blake2b256(const uint8_t *bytes, int32_t length);
int32_t qc_verify_blake2b256(const uint8_t *bytes, int32_t length, const uint8_t *digest);
int32_t qc_zstd_decompress(const uint8_t *bytes, int32_t length, int32_t limit);

static int32_t get32(const uint8_t *b) { return (int32_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24); }

static void put32(int32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, stdout);
}

int main(void) {
    uint8_t header[5];
    while (fread(header, 1, 5, stdin) == 5) {
        int32_t size = get32(header + 1);
        uint8_t *text = qc_alloc(size);
        if (fread(text, 1, (size_t)size, stdin) != (size_t)size) return 2;
        int32_t result;
        switch (header[0]) {
        case 'p': result = qc_parse(text, size); break;
        case 'h': result = qc_blake2b256(text, size); break;
        case 'v': result = size < 32 ? -2 : qc_verify_blake2b256(text + 32, size - 32, text); break;
        case 'z': result = size < 4 ? -2 : qc_zstd_decompress(text + 4, size - 4, get32(text)); break;
        default: result = qc_analyze(text, size, header[0] - '0');
        }
        qc_free(text);
        put32(result);
        put32(qc_output_length());
        fwrite(qc_output(), 1, (size_t)qc_output_length(), stdout);
    }
    return 0;
}
