"""Runs a command and measures what it writes to stdout: the time from the
start to its first byte, the total time, and the byte count. Peak RSS comes
from /usr/bin/time -f %M when the command is wrapped in it (its last stderr
line), and its CPU time from -f '%M %U %S'. Prints one line: ttfb_ms=...
total_s=... bytes=... rss_kib=... [cpu_s=...]

    python3 benches/ttfb.py [/usr/bin/time -f '%M %U %S'] CMD ARGS...
"""
import os
import subprocess
import sys
import time

start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
fd = proc.stdout.fileno()
first = None
total = 0
while True:
    chunk = os.read(fd, 1 << 20)
    if not chunk:
        break
    if first is None:
        first = time.perf_counter()
    total += len(chunk)
end = time.perf_counter()
err = proc.stderr.read().decode(errors="replace").strip().splitlines()
code = proc.wait()
if code != 0:
    sys.exit(f"ttfb: {sys.argv[1:]} exited {code}: {' / '.join(err[-3:])}")
# /usr/bin/time -f '%M' prints the peak RSS; -f '%M %U %S' adds the
# command's user and system CPU seconds.
last = err[-1].split() if err else []
rss, cpu = "0", None
if last and all(f.replace(".", "", 1).isdigit() for f in last):
    rss = last[0]
    if len(last) == 3:
        cpu = float(last[1]) + float(last[2])
ttfb = ((first or end) - start) * 1000
line = f"ttfb_ms={ttfb:.2f} total_s={end - start:.4f} bytes={total} rss_kib={rss}"
print(line if cpu is None else f"{line} cpu_s={cpu:.2f}")
