// The test driver: a WASI command around the query core's exports, for `wasmkit run` in the
// test suite (Tests/WasmTests). It calls the exports exactly as the page does: qc_alloc, copy
// the UTF-8 in, an operation, then qc_output / qc_output_length.
//
// stdin: requests, each an op byte, a 32-bit little-endian length and that many bytes. Ops: '0',
// '1', '2' qc_analyze in that mode; 'p' qc_parse; 'h' qc_blake2b256; 'v' qc_verify_blake2b256
// (the bytes are the 32-byte digest, then the data); 'z' qc_zstd_decompress (the bytes are the
// limit, 32-bit little-endian, then the frame); 's' qc_snippet (the bytes are the columns and
// the query's length, 32-bit little-endian each, the query, then the text); 'b' qc_block_add and
// 't' qc_tree_get (the bytes are the CID's length, 32-bit little-endian, the binary CID, then
// the block, or the framed keys); 'q' qc_search (the bytes are the manifest's length, the limit
// and the offset, 32-bit little-endian each, the manifest, then the query); 'Q' qc_search_json
// with the same bytes; 'T' qc_trust (the bytes are the framed keys); 'B' qc_bootstrap (the
// bytes are bootstrap.car); 'f' qc_facets (the bytes
// are the manifest's length, the kinds, the limit and the match limit, 32-bit little-endian
// each, the manifest, then the query); 'n' qc_group_names (the bytes are the manifest's length,
// 32-bit little-endian, the manifest, then names.json); 'o' qc_search_order (the bytes are the
// order, 32-bit little-endian). stdout: for each request, the operation's
// return value and the output's length (32-bit little-endian each), then the output.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *qc_alloc(int32_t count);
void qc_free(void *pointer);
const uint8_t *qc_output(void);
int32_t qc_output_length(void);
int32_t qc_analyze(const uint8_t *text, int32_t length, int32_t mode);
int32_t qc_parse(const uint8_t *text, int32_t length);
int32_t qc_blake2b256(const uint8_t *bytes, int32_t length);
int32_t qc_verify_blake2b256(const uint8_t *bytes, int32_t length, const uint8_t *digest);
int32_t qc_zstd_decompress(const uint8_t *bytes, int32_t length, int32_t limit);
int32_t qc_snippet(const uint8_t *query, int32_t queryLength, const uint8_t *text, int32_t textLength, int32_t columns);
int32_t qc_block_add(const uint8_t *cid, int32_t cidLength, const uint8_t *bytes, int32_t length);
int32_t qc_tree_get(const uint8_t *header, int32_t headerLength, const uint8_t *keys, int32_t keysLength);
int32_t qc_search(const uint8_t *manifest, int32_t manifestLength, const uint8_t *query, int32_t queryLength, int32_t limit, int32_t offset);
int32_t qc_trust(const uint8_t *keys, int32_t keysLength);
int32_t qc_bootstrap(const uint8_t *bytes, int32_t length);
int32_t qc_search_json(const uint8_t *manifest, int32_t manifestLength, const uint8_t *query, int32_t queryLength, int32_t limit, int32_t offset);
int32_t qc_search_order(int32_t order);
int32_t qc_group_names(const uint8_t *manifest, int32_t manifestLength, const uint8_t *names, int32_t namesLength);
int32_t qc_facets(const uint8_t *manifest, int32_t manifestLength, const uint8_t *query, int32_t queryLength, int32_t kinds, int32_t limit, int32_t matchLimit);

static int32_t get32(const uint8_t *b) { return (int32_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24); }

// Reads exactly `count` bytes with plain read(2) into one buffer: under wasmkit 0.1.6, fread
// from a pipe gave shifted bytes past 64 KiB (stdio reads into two buffers at once).
static int readFully(uint8_t *into, size_t count) {
    while (count > 0) {
        ssize_t n = read(0, into, count);
        if (n <= 0) return 0;
        into += n;
        count -= (size_t)n;
    }
    return 1;
}

static void put32(int32_t v) {
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, stdout);
}

int main(void) {
    uint8_t header[5];
    while (readFully(header, 5)) {
        int32_t size = get32(header + 1);
        uint8_t *text = qc_alloc(size);
        if (!readFully(text, (size_t)size)) return 2;
        int32_t result;
        switch (header[0]) {
        case 'p': result = qc_parse(text, size); break;
        case 'T': result = qc_trust(text, size); break;
        case 'B': result = qc_bootstrap(text, size); break;
        case 'h': result = qc_blake2b256(text, size); break;
        case 'v': result = size < 32 ? -2 : qc_verify_blake2b256(text + 32, size - 32, text); break;
        case 'z': result = size < 4 ? -2 : qc_zstd_decompress(text + 4, size - 4, get32(text)); break;
        case 's': {
            int32_t queryLength = size < 8 ? -1 : get32(text + 4);
            result = queryLength < 0 || queryLength > size - 8
                ? -2
                : qc_snippet(text + 8, queryLength, text + 8 + queryLength, size - 8 - queryLength, get32(text));
            break;
        }
        case 'b':
        case 't': {
            int32_t cidLength = size < 4 ? -1 : get32(text);
            if (cidLength < 0 || cidLength > size - 4) result = -2;
            else if (header[0] == 'b') result = qc_block_add(text + 4, cidLength, text + 4 + cidLength, size - 4 - cidLength);
            else result = qc_tree_get(text + 4, cidLength, text + 4 + cidLength, size - 4 - cidLength);
            break;
        }
        case 'q':
        case 'Q': {
            int32_t manifestLength = size < 12 ? -1 : get32(text);
            result = manifestLength < 0 || manifestLength > size - 12
                ? -2
                : (header[0] == 'q' ? qc_search : qc_search_json)(text + 12, manifestLength, text + 12 + manifestLength, size - 12 - manifestLength, get32(text + 4), get32(text + 8));
            break;
        }
        case 'f': {
            int32_t manifestLength = size < 16 ? -1 : get32(text);
            result = manifestLength < 0 || manifestLength > size - 16
                ? -2
                : qc_facets(text + 16, manifestLength, text + 16 + manifestLength, size - 16 - manifestLength, get32(text + 4), get32(text + 8), get32(text + 12));
            break;
        }
        case 'o': result = size < 4 ? -2 : qc_search_order(get32(text)); break;
        case 'n': {
            int32_t manifestLength = size < 4 ? -1 : get32(text);
            result = manifestLength < 0 || manifestLength > size - 4
                ? -2
                : qc_group_names(text + 4, manifestLength, text + 4 + manifestLength, size - 4 - manifestLength);
            break;
        }
        default: result = qc_analyze(text, size, header[0] - '0');
        }
        qc_free(text);
        put32(result);
        put32(qc_output_length());
        fwrite(qc_output(), 1, (size_t)qc_output_length(), stdout);
        // A session (the tests' restartable reads) waits for each reply before the next request.
        fflush(stdout);
    }
    return 0;
}
