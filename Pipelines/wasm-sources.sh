#!/usr/bin/env bash
# Fetches the C sources the wasm query core compiles (`make wasm`): libzstd (decompression) and
# libsodium (BLAKE2b), Debian's source packages pinned to the versions the native build linked,
# so the browser decodes and verifies blocks with the same libraries as the CLI. Idempotent.
set -euo pipefail
dest=${1:?usage: wasm-sources.sh DEST}
packages=(libzstd=1.5.4+dfsg2-5 libsodium=1.0.18-1+deb12u1)
# Said on every run while the native -dev packages are other versions (a security update of
# libzstd, 1.5.4+dfsg2-5+deb12u1, whose sources the mirror may not serve): the pin is then
# behind what the CLI links, and the browser decompresses blocks from anyone's hub.
native=$(dpkg-query -W -f='${source:Package}=${source:Version} ' libzstd-dev libsodium-dev 2>/dev/null || true)
for p in "${packages[@]}"; do
    case " $native " in
    *" $p "*) ;;
    *) echo "wasm-sources: warning: the wasm module compiles $p; the native build links ${native:-nothing installed}" >&2 ;;
    esac
done
mkdir -p "$dest"
cd "$dest"
# Done when the same versions were fetched; .fetched is left as it is, so make rebuilds nothing.
if [ -f .fetched ] && [ "$(cat .fetched)" = "${packages[*]}" ]; then exit 0; fi
echo "wasm-sources: fetching ${packages[*]}"

# `apt-get source` needs deb-src entries; add them for the machine's own Debian suites (the
# same mirror as its binary packages) when there are none anywhere (a second copy of entries
# the machine has would make apt warn on every run), then refresh the lists.
if ! apt-get source --print-uris "${packages[@]}" >/dev/null 2>&1; then
    if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        list=/etc/apt/sources.list.d/debian.sources
        [ -f "$list" ] || { echo "wasm-sources: no $list to derive deb-src entries from" >&2; exit 1; }
        sed 's/^Types: deb$/Types: deb-src/' "$list" >/etc/apt/sources.list.d/indexer-deb-src.sources
    fi
    apt-get update -qq
fi
command -v dpkg-source >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null
rm -rf libzstd-* libsodium-*
apt-get source -qq "${packages[@]}" 2>&1 | grep -v -e 'unsandboxed as root' -e '^dpkg-source: info' || true
[ -d libzstd-1.5.4+dfsg2/lib/decompress ] && [ -d libsodium-1.0.18/src/libsodium ] || {
    echo "wasm-sources: apt-get source did not unpack ${packages[*]}" >&2
    exit 1
}
# libsodium's configure writes version.h; only the version macros matter to BLAKE2b.
sed -e 's/@VERSION@/1.0.18/' -e 's/@SODIUM_LIBRARY_VERSION_MAJOR@/10/' -e 's/@SODIUM_LIBRARY_VERSION_MINOR@/3/' \
    -e 's/@SODIUM_LIBRARY_MINIMAL_DEF@//' libsodium-1.0.18/src/libsodium/include/sodium/version.h.in \
    >libsodium-1.0.18/src/libsodium/include/sodium/version.h
echo "${packages[*]}" >.fetched
