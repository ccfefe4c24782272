#!/usr/bin/env python3
"""Print the table of a bench/run.sh results file.

    report.py RESULTS

Each line of RESULTS is `ROWS ORDER INPUT_MB FILES TOOL KIND ...`:
`run SECONDS PEAK_KIB`, `rowgroups FILES ROW_GROUPS ROWS OUTPUT_MB`, `rerun SECONDS PEAK_KIB`,
or (tool `all`) `check MATCH|MISMATCH`.
"""

import statistics
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs, groups, rerun, check, info = {}, {}, {}, {}, {}
    for line in open(sys.argv[1], encoding="utf-8"):
        f = line.split()
        if len(f) < 7:
            continue
        rows, order, mb, files, tool, kind = f[:6]
        case = (int(rows), order)
        info[case] = (float(mb), int(files))
        if kind == "run":
            runs.setdefault(case, {}).setdefault(tool, []).append((float(f[6]), int(f[7])))
        elif kind == "rowgroups":
            groups.setdefault(case, {})[tool] = (int(f[6]), int(f[7]), int(f[8]), float(f[9]))
        elif kind == "rerun":
            rerun[case] = float(f[6])
        elif kind == "check":
            check[case] = f[6]
    hdr = ["rows", "order", "input MB", "tool", "median s", "runs s", "vs DuckDB", "peak MiB",
           "row groups", "rows/group", "output MB"]
    table = []
    for case in sorted(runs, key=lambda c: (c[0], c[1] != "sorted", c[1])):
        duck = statistics.median(s for s, _ in runs[case]["duckdb"]) \
            if "duckdb" in runs[case] else None
        for tool, vals in runs[case].items():
            med = statistics.median(s for s, _ in vals)
            peak = max(r for _, r in vals) / 1024
            g = groups.get(case, {}).get(tool)
            table.append([
                f"{case[0]:,}", case[1], f"{info[case][0]:.0f}", tool, f"{med:.2f}",
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
    for case in sorted(rerun):
        print(f"{case[0]:,} {case[1]}: rareflow unchanged rerun {rerun[case]:.2f} s; "
              f"cross-check {check.get(case, '-')}")


if __name__ == "__main__":
    main()
