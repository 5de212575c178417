#!/usr/bin/env python3
"""JVM set-ups side by side on the deploy path (docs/benchmarks.md, "JVM set-ups on the deploy path").

Runs the same slipway jar under several JVM set-ups (JDK 17 + class-data archive from --help or from a
deploy, JDK 25 + AOT cache from --version or from a deploy), alternating set-ups run by run so that a
change in machine load hits all of them alike, and reports median wall time and median user+sys CPU of:
a first deploy of examples/acme-web to 3 clusters (a fresh namespace each time), the no-op redeploy
right after it, and `--version`.

Usage: bench/deploy/jvm-ab.py KUBECONFIG ROUNDS   (clusters already running, e.g. from MockClustersMain)
  SETUPS=a,b,...   which set-ups (default: the four JVM ones); "old jar: j17 cds(--help)" with OLD_JAR=path
                   compares another build of the CLI under the launcher's JVM set-up before it archived a deploy;
                   "old jar: j17 cds(deploy)" under today's launcher set-up (an archive made from a deploy)
  JAR=path         the CLI jar (default cli/target/slipway.jar)
"""
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
jar = os.environ.get("JAR", os.path.join(root, "cli/target/slipway.jar"))
kubeconfig, rounds = sys.argv[1], int(sys.argv[2])
work = tempfile.mkdtemp(prefix="slipway-jvm-ab.")
java17 = "java"
java25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
flags = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss1m"]
env = dict(os.environ, KUBECONFIG=kubeconfig, SLIPWAY_CLUSTERS=os.path.join(root, "examples/clusters.yaml"),
           SLIPWAY_SECRETS_DIR=os.path.join(work, "secrets"), SLIPWAY_SECRETS_KEY=os.path.join(work, "key"),
           NO_COLOR="1")
counter = 0


def app():
    """A copy of acme-web with a namespace nobody used before."""
    global counter
    counter += 1
    d = os.path.join(work, f"app-{counter}")
    shutil.copytree(os.path.join(root, "examples/acme-web"), d)
    p = os.path.join(d, "slipway.yaml")
    with open(p) as f:
        text = f.read()
    with open(p, "w") as f:
        f.write(text.replace("namespace: acme-web}", f"namespace: ab-{counter}}}"))
    return d


phases = {}  # (set-up, measurement, phase) -> [ms], with PHASES=1 (SLIPWAY_TIMINGS output)
if os.environ.get("PHASES"):
    env["SLIPWAY_TIMINGS"] = "1"


def note_phases(key, out):
    """Sums the SLIPWAY_TIMINGS spans of each phase over the clusters (e.g. "health wait" of all three)."""
    totals = {}
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[0].isdigit() and parts[2].isdigit():
            name = parts[3].split(": ", 1)[-1].split(" (")[0]
            totals[name] = totals.get(name, 0) + int(parts[2])
    for name, ms in totals.items():
        phases.setdefault((*key, name), []).append(ms)


def run(cmd, check_out=None, key=None):
    """Wall time and the child's user+sys CPU of one command."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    if status != 0 or (check_out and check_out not in out):
        sys.exit(f"{' '.join(cmd)} failed or did not say {check_out!r}:\n{out}")
    if key:
        note_phases(key, out)
    return wall, usage.ru_utime + usage.ru_stime


def train(name, java, train_flags, args, jar=jar):
    """Makes a set-up's archive or cache by running one command with the training flags."""
    cmd = [java, *train_flags, *flags, "-jar", jar, *args]
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    print(f"trained {name}", flush=True)


def deploy_args():
    return ["deploy", app(), "--env", "production"]


setups = {}  # name -> (JVM and its flags, jar)
only = os.environ.get("SETUPS", "j17 cds(--help),j17 cds(deploy),j25 aot(--version),j25 aot(deploy)").split(",")

def cds(name, java_jar, args):
    jsa = os.path.join(work, f"{len(setups)}.jsa")
    train(name, java17, [f"-XX:ArchiveClassesAtExit={jsa}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"], args, java_jar)
    setups[name] = ([java17, f"-XX:SharedArchiveFile={jsa}", "-Xshare:auto", "-Xlog:cds=off"], java_jar)


def aot(name, args):
    cache = os.path.join(work, f"{len(setups)}.aot")
    train(name, java25, [f"-XX:AOTCacheOutput={cache}", "-Xlog:aot=off", "-Xlog:cds=off"], args)
    setups[name] = ([java25, f"-XX:AOTCache={cache}", "-Xlog:aot=off", "-Xlog:cds=off"], jar)


for name in only:
    if name == "j17 cds(--help)":
        cds(name, jar, ["--help"])
    elif name == "j17 cds(deploy)":
        cds(name, jar, deploy_args())
    elif name == "j25 aot(--version)":
        aot(name, ["--version"])
    elif name == "j25 aot(deploy)":
        aot(name, deploy_args())
    elif name == "old jar: j17 cds(--help)":
        cds(name, os.environ["OLD_JAR"], ["--help"])
    elif name == "old jar: j17 cds(deploy)":
        cds(name, os.environ["OLD_JAR"], deploy_args())
    else:
        sys.exit(f"unknown set-up {name}")

results = {(s, m): [] for s in setups for m in ("first", "noop", "version")}
print(f"load average before: {open('/proc/loadavg').read().split()[:3]}", flush=True)
for i in range(rounds):
    order = list(setups)
    random.shuffle(order)
    for s in order:
        jvm, setup_jar = setups[s]
        base = [*jvm, *flags, "-jar", setup_jar]
        d = app()
        results[(s, "first")].append(run([*base, "deploy", d, "--env", "production"], key=(s, "first")))
        results[(s, "noop")].append(run([*base, "deploy", d, "--env", "production"], "nothing written", (s, "noop")))
        results[(s, "version")].append(run([*base, "--version"]))
    print(f"round {i + 1}/{rounds} done", flush=True)
print(f"load average after: {open('/proc/loadavg').read().split()[:3]}")
print("| set-up | first deploy wall / CPU | no-op wall / CPU | no-op / first (wall) | --version wall / CPU |")
print("|---|---|---|---|---|")
for s in setups:
    med = {m: (statistics.median(w for w, _ in results[(s, m)]), statistics.median(c for _, c in results[(s, m)]))
           for m in ("first", "noop", "version")}
    print(f"| {s} | {med['first'][0]:.2f} s / {med['first'][1]:.2f} s | {med['noop'][0]:.2f} s / {med['noop'][1]:.2f} s"
          f" | {med['noop'][0] / med['first'][0]:.2f}x | {med['version'][0]:.3f} s / {med['version'][1]:.3f} s |")
if phases:
    print("\nphases, median ms summed over the clusters (SLIPWAY_TIMINGS):")
    for (s, m, name), values in sorted(phases.items()):
        print(f"  {s} / {m} / {name}: {statistics.median(values):.0f}")
shutil.rmtree(work)
