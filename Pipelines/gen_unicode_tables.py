#!/usr/bin/env python3
"""Generates Sources/Analysis/UnicodeTables.swift: the scalar classes and folding the analyzer
uses outside ASCII, from this Python's `unicodedata` (its Unicode version is recorded in the
output). The tables are part of the analyzer's identity: regenerating them with another Unicode
version changes terms, so it must come with a new `Analyzer.identifier`.

Usage: python3 Pipelines/gen_unicode_tables.py > Sources/Analysis/UnicodeTables.swift
"""
import sys
import unicodedata as ud

SEP, LETTER, MARK, IGNORE, BIGRAM, APOS, HYPHEN = range(7)

# Combining marks that are diacritics on a base letter: generic combining blocks, Hebrew points,
# Arabic harakat. Folding removes them; marks of other scripts (Indic vowel signs) are kept.
DROP_MARKS = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
              (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2), (0x05C4, 0x05C5), (0x05C7, 0x05C7),
              (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC), (0x06DF, 0x06E4),
              (0x06E7, 0x06E8), (0x06EA, 0x06ED)]
# Inside a word these vanish without ending it: soft hyphen, joiners, word joiner, BOM, Arabic
# tatweel, modifier-letter apostrophes (Hawaiʻi = hawaii), variation selectors.
IGNORABLE = {0x00AD, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x0640, 0x02BB, 0x02BC} | set(range(0xFE00, 0xFE10)) \
    | set(range(0xE0100, 0xE01F0))
APOSTROPHES = {0x2019, 0xFF07}
HYPHENS = {0x2010, 0x2011}
# Scripts written without spaces between words (and Hangul, as Lucene's CJK analyzer does):
# indexed as overlapping bigrams of scalars.
BIGRAM_NAMES = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA",
                "HALFWIDTH KATAKANA", "HANGUL", "HALFWIDTH HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")
BIGRAM_EXTRA = {0x3005, 0x3006, 0x3007, 0x303B}  # 々 〆 〇 〻
# Letters that do not decompose but that readers treat as a base letter plus a mark.
SPECIAL = {"æ": "ae", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ł": "l", "œ": "oe", "ŧ": "t",
           "þ": "th", "ƒ": "f", "ĸ": "k"}
# Cyrillic short i is its own letter (мой ≠ мои), unlike ё → е.
KEEP = {"й"}


def dropped(cp):
    return any(a <= cp <= b for a, b in DROP_MARKS)


def klass(cp):
    c = chr(cp)
    cat = ud.category(c)
    if cp in IGNORABLE:
        return IGNORE
    if cp in APOSTROPHES:
        return APOS
    if cp in HYPHENS:
        return HYPHEN
    word = cat[0] in "LM" or cat in ("Nd", "Nl")
    if not word:
        return SEP
    name = ud.name(c, "")
    if cp in BIGRAM_EXTRA or name.startswith(BIGRAM_NAMES):
        return BIGRAM
    return MARK if cat[0] == "M" else LETTER


def fold(cp, k):
    c = chr(cp)
    if k in (IGNORE, APOS, HYPHEN) or (k == MARK and dropped(cp)):
        return ""
    if ud.category(c) == "Nd":
        return str(ud.decimal(c))
    if k == BIGRAM:
        if ud.name(c, "").startswith("HANGUL"):
            return c
        return "".join(ch for ch in ud.normalize("NFKC", c) if ud.category(ch)[0] in "LMN") or c
    out = []
    for ch in ud.normalize("NFKD", ud.normalize("NFKD", c).casefold()):
        if dropped(ord(ch)) or ud.category(ch)[0] not in "LMN":
            continue
        if ch in KEEP:
            out.append(ch)
            continue
        ch = ch.casefold()
        if ud.category(ch) == "Nd":
            ch = str(ud.decimal(ch))
        out.append(SPECIAL.get(ch, ch))
    s = "".join(out)
    if c.casefold() in KEEP:
        s = c.casefold()
    return s


def fold_runs(folds):
    """`folds` as runs, each scalar's gap from the previous run's last written in hex:
    `gap=f` one scalar; `gap*n=f` n consecutive scalars with the same fold; `*n/2` every
    other scalar; a `+` after them when the fold (one scalar) advances with the scalar, as
    case pairs and shifted alphabets do. About a third of the bytes of one entry per scalar."""
    out, prev, i = [], 0, 0
    while i < len(folds):
        cp, f = folds[i]
        best = (1, 1, False)
        if len(f) <= 1:
            for step in (1, 2):
                for shifts in ((False, True) if f else (False,)):
                    j = i + 1
                    while j < len(folds):
                        c, g = folds[j]
                        want = chr(ord(f) + (c - cp)) if shifts else f
                        if c != cp + (j - i) * step or g != want:
                            break
                        j += 1
                    if j - i > best[0]:
                        best = (j - i, step, shifts)
        n, step, shifts = best
        run = "" if n == 1 else f"*{n:x}" + ("/2" if step == 2 else "") + ("+" if shifts else "")
        out.append(f"{cp - prev:x}{run}=" + ".".join(f"{ord(ch):x}" for ch in f))
        prev = cp + (n - 1) * step
        i += n
    return out


def main():
    runs, folds = [], []
    last, last_start = None, 0
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            k = SEP
        else:
            k = klass(cp)
        if k != last:
            runs.append(f"{cp - last_start:x}:{k}")
            last, last_start = k, cp
        if k != SEP and not (0xD800 <= cp <= 0xDFFF):
            f = fold(cp, k)
            if f != chr(cp):
                folds.append((cp, f))
    w = sys.stdout.write
    w("// swift-format-ignore-file\n")
    w("// Generated by Pipelines/gen_unicode_tables.py; do not edit. Part of the analyzer's identity:\n")
    w("// new tables need a new `Analyzer.identifier`.\n\n")
    w(f'/// The Unicode version of `unicodeClassRuns` and `unicodeFolds`.\nlet unicodeTablesVersion = "{ud.unidata_version}"\n\n')
    w("/// `gap:class` for every scalar from U+0080 where the class changes (see `ScalarClass`), the gap\n")
    w("/// in hex from the previous change (from 0 for the first).\n")
    w("let unicodeClassRuns = \"" + ",".join(runs) + "\"\n\n")
    w("/// The fold of every word scalar from U+0080 whose fold differs from itself, as runs (see\n")
    w("/// `fold_runs` in the generator): `gap[*count[/2][+]]=folded`, all hex, folded scalars joined by\n")
    w("/// `.`, empty when the scalar vanishes. Runs, not one entry per scalar: the wasm page ships this.\n")
    # Split the literal into lines so the Swift source stays readable in diffs.
    w("let unicodeFolds = \"\"\"\n")
    entries = fold_runs(folds)
    lines = [",".join(entries[i:i + 16]) for i in range(0, len(entries), 16)]
    w(",\\\n".join(lines) + "\n\"\"\"\n")


main()
