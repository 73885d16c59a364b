#include <nettle/sha1.h>
#include <nettle/sha2.h>

// nettle's names are macros (`sha1_init` → `nettle_sha1_init`); one-shot wrappers keep the
// context on the C stack.
static inline void cnettle_sha1(const uint8_t *data, size_t length, uint8_t *digest) {
    struct sha1_ctx ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, length, data);
    sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
}

static inline void cnettle_sha256(const uint8_t *data, size_t length, uint8_t *digest) {
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, length, data);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
}
