#!/usr/bin/env python3
"""Sums, from a GNU ld map file, the bytes each input archive or object put into the image
after --gc-sections, by output section kind (text, rodata, data, bss).

    map_sizes.py fw.map [ARCHIVE_SUBSTRING [--total]]

With an archive name, prints that archive's totals and its largest symbols (only the totals
with --total); without, one line per input file."""
import re
import signal
import sys
from collections import defaultdict

KINDS = (("text", (".text",)), ("rodata", (".rodata",)), ("data", (".data",)), ("bss", (".bss", "COMMON")))


def kind_of(section):
    for kind, prefixes in KINDS:
        if any(section == p or section.startswith(p + ".") for p in prefixes):
            return kind
    return None


def entries(path):
    """(section, size, input file) of every input section kept in the image."""
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("Linker script and memory map"))
    except StopIteration:
        start = 0
    pending = None
    for line in lines[start:]:
        if line.startswith(" ") and not line.startswith("  "):
            parts = line.split()
            if len(parts) == 1:
                pending = parts[0]
                continue
            if len(parts) >= 4 and parts[1].startswith("0x") and parts[2].startswith("0x"):
                yield parts[0], int(parts[2], 16), " ".join(parts[3:])
            pending = None
        elif pending and line.startswith("  "):
            parts = line.split()
            if len(parts) >= 3 and parts[0].startswith("0x") and parts[1].startswith("0x"):
                yield pending, int(parts[1], 16), " ".join(parts[2:])
            pending = None


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    path = sys.argv[1]
    want = sys.argv[2] if len(sys.argv) > 2 else None
    total_only = "--total" in sys.argv[3:]
    totals = defaultdict(lambda: defaultdict(int))
    symbols = defaultdict(int)
    for section, size, origin in entries(path):
        kind = kind_of(section)
        if kind is None or size == 0 or int(size) == 0:
            continue
        key = re.sub(r"\(.*\)$", "", origin)
        totals[key][kind] += size
        if want and want in origin and "compiler_builtins" in origin:
            totals[key]["builtins"] += size
        if want and want in origin:
            symbols[section] += size
    if want:
        t = defaultdict(int)
        for key, kinds in totals.items():
            if want in key:
                for k, v in kinds.items():
                    t[k] += v
        flash = t["text"] + t["rodata"] + t["data"]
        print(f"flash {flash} (of which compiler_builtins {t['builtins']}), "
              f"text {t['text']} rodata {t['rodata']}, RAM {t['data'] + t['bss']}")
        if total_only:
            return
        for name, size in sorted(symbols.items(), key=lambda kv: -kv[1])[:40]:
            print(f"  {size:6d}  {name}")
    else:
        for key, kinds in sorted(totals.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"{sum(kinds.values()):7d}  {key}")


if __name__ == "__main__":
    main()
