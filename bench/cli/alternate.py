#!/usr/bin/env python3
"""Runs commands in alternation (A B C A B C ...) and prints a Markdown table of wall and CPU medians.

Alternating spreads the machine's noise (other builds, other benchmarks) over every command alike, which
back-to-back batches do not. Usage: alternate.py RUNS WARMUP NAME COMMAND [NAME COMMAND ...]; COMMAND is run with
`sh -c`, its output discarded; a failing command stops the run.
"""
import os
import statistics
import subprocess
import sys
import time


def run(command):
    start = time.perf_counter()
    process = subprocess.Popen(
        ["sh", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    err = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({os.waitstatus_to_exitcode(status)}): {command}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime


def main():
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    pairs = sys.argv[3:]
    commands = list(zip(pairs[0::2], pairs[1::2]))
    for _ in range(warmup):
        for _, command in commands:
            run(command)
    walls = {name: [] for name, _ in commands}
    cpus = {name: [] for name, _ in commands}
    for _ in range(runs):
        for name, command in commands:
            wall, cpu = run(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    first = commands[0][0]
    base = statistics.median(walls[first])
    print(f"{runs} alternating runs each after {warmup} warm-up rounds; load average at the end: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print()
    print(f"| variant | wall median | wall p25-p75 | CPU (user+sys) median | wall vs {first} |")
    print("|---|---|---|---|---|")
    for name, _ in commands:
        w = sorted(walls[name])
        q = statistics.quantiles(w, n=4)
        median = statistics.median(w)
        print(f"| {name} | {median:.3f} s | {q[0]:.3f}-{q[2]:.3f} s | "
              f"{statistics.median(cpus[name]):.3f} s | {median / base:.2f}x |")


if __name__ == "__main__":
    main()
