#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

// Swift cannot define C variadic functions, so the do-nothing error handlers live here.
static inline void indexer_xml_ignore_generic(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static inline void indexer_xml_ignore_structured(void *ctx, xmlErrorPtr error) { (void)ctx; (void)error; }

/// Silences libxml2's error printing on the calling thread: its handlers are per-thread, and
/// errors raised outside a parser context (encoding, I/O, memory) bypass the SAX `serror`.
static inline void indexer_xml_silence_errors(void) {
    xmlSetGenericErrorFunc(NULL, indexer_xml_ignore_generic);
    xmlSetStructuredErrorFunc(NULL, indexer_xml_ignore_structured);
}
