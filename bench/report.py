#!/usr/bin/env python3
"""Print the table of a bench/run.sh results file.

    report.py RESULTS

Each line of RESULTS is `SHAPE ROWS ORDER INPUT_MB BYTES_PER_ROW FILES TOOL KIND ...`:
`run SECONDS PEAK_KIB`, `rowgroups FILES ROW_GROUPS ROWS OUTPUT_MB`, `rerun SECONDS PEAK_KIB`,
or (tool `all`) `check MATCH|MISMATCH`. Results files from before shapes (lines starting
`ROWS ORDER INPUT_MB FILES`) are read too, as shape `-`.
"""

import statistics
import sys


def parse(line):
    """(case, tool, kind, rest) of a results line, case = (shape, rows, order); None if short."""
    f = line.split()
    if len(f) < 7:
        return None
    if f[0].isdigit():  # before shapes: no SHAPE, no BYTES_PER_ROW
        rows, order, mb, files = f[:4]
        shape, bpr = "-", None
        f = f[4:]
    else:
        if len(f) < 9:
            return None
        shape, rows, order, mb, bpr, files = f[:6]
        bpr = float(bpr)
        f = f[6:]
    return (shape, int(rows), order), (float(mb), bpr, int(files)), f[0], f[1], f[2:]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs, groups, rerun, check, info, shapes = {}, {}, {}, {}, {}, []
    for line in open(sys.argv[1], encoding="utf-8"):
        p = parse(line)
        if p is None:
            continue
        case, inf, tool, kind, v = p
        info[case] = inf
        if case[0] not in shapes:
            shapes.append(case[0])
        if kind == "run":
            runs.setdefault(case, {}).setdefault(tool, []).append((float(v[0]), int(v[1])))
        elif kind == "rowgroups":
            groups.setdefault(case, {})[tool] = (int(v[0]), int(v[1]), int(v[2]), float(v[3]))
        elif kind == "rerun":
            rerun[case] = float(v[0])
        elif kind == "check":
            check[case] = v[0]
    hdr = ["shape", "rows", "order", "input MB", "B/row", "tool", "median s", "runs s",
           "vs DuckDB", "peak MiB", "row groups", "rows/group", "output MB"]
    table = []
    order_key = lambda c: (shapes.index(c[0]), c[1], c[2] != "sorted", c[2])  # noqa: E731
    for case in sorted(runs, key=order_key):
        duck = statistics.median(s for s, _ in runs[case]["duckdb"]) \
            if "duckdb" in runs[case] else None
        mb, bpr, _ = info[case]
        for tool, vals in runs[case].items():
            med = statistics.median(s for s, _ in vals)
            peak = max(r for _, r in vals) / 1024
            g = groups.get(case, {}).get(tool)
            table.append([
                case[0], f"{case[1]:,}", case[2], f"{mb:.0f}",
                f"{bpr:.1f}" if bpr is not None else "-", tool, f"{med:.2f}",
                "/".join(f"{s:.2f}" for s, _ in vals),
                f"{med / duck:.2f}" if duck else "-", f"{peak:.0f}",
                f"{g[1]:,}" if g else "-",
                f"{g[2] // max(g[1], 1):,}" if g else "-", f"{g[3]:.0f}" if g else "-",
            ])
    w = [max(len(h), *(len(r[i]) for r in table)) if table else len(h)
         for i, h in enumerate(hdr)]
    print("  ".join(h.rjust(x) for h, x in zip(hdr, w)))
    for r in table:
        print("  ".join(v.rjust(x) for v, x in zip(r, w)))
    print()
    for case in sorted(rerun, key=order_key):
        bpr = info[case][1]
        print(f"{case[0]} ({bpr if bpr is not None else '-'} B/row) {case[1]:,} {case[2]}: "
              f"rareflow unchanged rerun {rerun[case]:.2f} s; cross-check {check.get(case, '-')}")


if __name__ == "__main__":
    main()
