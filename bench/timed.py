#!/usr/bin/env python3
"""Run a command, print "<wall seconds> <peak RSS KiB>" on the last line of stdout.

    timed.py LOG -- CMD ARGS...

Uses `/usr/bin/time -v` when it exists (its report goes to LOG, the command's own output to
LOG.out); otherwise measures the child with os.wait4 (ru_maxrss of that child, KiB on Linux).
Wall time is measured here with a monotonic clock in both cases. Exits with the command's
status when it fails.
"""

import os
import re
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    if len(argv) < 3 or argv[1] != "--":
        sys.exit(__doc__)
    log, cmd = argv[0], argv[2:]
    gnu_time = "/usr/bin/time"
    with open(log + ".out", "wb") as out:
        if os.access(gnu_time, os.X_OK) and not os.environ.get("BENCH_NO_GNU_TIME"):
            t0 = time.perf_counter()
            rc = subprocess.call([gnu_time, "-v", "-o", log] + cmd, stdout=out, stderr=out)
            wall = time.perf_counter() - t0
            with open(log, encoding="utf-8", errors="replace") as f:
                m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
            rss = int(m.group(1)) if m else 0
        else:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=out)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            rc = os.waitstatus_to_exitcode(status)
            rss = ru.ru_maxrss
            with open(log, "w") as f:
                f.write(f"wall {wall:.3f}s\nMaximum resident set size (kbytes): {rss}\n")
    if rc != 0:
        sys.stderr.write(f"command failed ({rc}): {' '.join(cmd)}; see {log}.out\n")
        with open(log + ".out", encoding="utf-8", errors="replace") as f:
            sys.stderr.write(f.read()[-4000:])
        sys.exit(rc)
    print(f"{wall:.3f} {rss}")


if __name__ == "__main__":
    main()
