#!/usr/bin/env python3
"""Summarise a `make bench` console log (scripts/bench.sh).

    bench-report.py [--plots DIR] CONSOLE_LOG OUT.json [TABLE.md]

Reads the "AOBJ-BENCH {json}" lines the guest printed, keeps the runs that
verified their data (ok), and prints one table: per metric the median and
min-max of aobj and of memfd + Linux swap, the ratio aobj/Linux of the
medians, the ratio to the raw disk where it applies, and the target.  The
JSON file gets every run, the summary and the host facts (from the
BENCH_* environment that bench.sh sets).  With TABLE.md the table also goes
there, as markdown.  With --plots DIR, gnuplot draws DIR/scaling.svg
(microseconds per page against the object size, swap-in and swapoff, aobj
and Linux) and DIR/throughput.svg (the throughput rows as bars, aobj and
Linux side by side, whiskers from the fastest to the slowest run), and
TABLE.md links them (relative paths).
"""
import json
import os
import re
import statistics
import subprocess
import sys

args = sys.argv[1:]
plot_dir = None
if args[:1] == ["--plots"]:
    plot_dir, args = args[1], args[2:]
if len(args) not in (2, 3):
    sys.exit("usage: bench-report.py [--plots DIR] CONSOLE_LOG OUT.json [TABLE.md]")
log, out = args[0], args[1]
md_path = args[2] if len(args) > 2 else None

runs, fails, traces, info, stats = [], [], [], {}, ""
for line in open(log, encoding="utf-8", errors="replace"):
    line = line.replace("\r", "").strip()
    m = re.search(r"AOBJ-BENCH(-FAIL|-INFO)? (\{.*\})\s*$", line)
    if m:
        try:
            d = json.loads(m.group(2))
        except json.JSONDecodeError:
            continue  # a line cut by a kernel message
        if m.group(1) == "-FAIL":
            fails.append(d)
        elif m.group(1) == "-INFO":
            info = d
        else:
            runs.append(d)
        continue
    m = re.search(r"AOBJ-TRACE(-BLK|-GRAPH)? (\{.*\})\s*$", line)
    if m:
        try:
            d = json.loads(m.group(2))
            d["kind"] = {"-BLK": "block", "-GRAPH": "function_graph"}.get(m.group(1), "aobj")
            traces.append(d)
        except json.JSONDecodeError:
            pass
    m = re.search(r"AOBJ-BENCH-STATS (.*)$", line)
    if m:
        stats = m.group(1).strip()


def values(tag, metric, sysname, key="value"):
    return [r[key] for r in runs
            if r.get("tag") == tag and r["metric"] == metric and
            r["sys"] == sysname and r.get("ok") and key in r]


def summary(vals):
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals), "values": vals}


raw_w = summary([r["value"] for r in runs if r["metric"] == "raw_seq_write" and r["ok"]])
raw_r = summary([r["value"] for r in runs if r["metric"] == "raw_seq_read" and r["ok"]])

# metric, tag, label, unit, higher is better, linux target, raw target, raw kind
ROWS = [
    ("zerofill", "main", "1. first-touch zero-fill", "pages/s", True, 1.0, None, None),
    ("refault_read", "main", "2. resident refault, read touch", "pages/s", True, 1.0, None, None),
    ("refault_write", "main", "2. resident refault, write touch", "pages/s", True, 1.0, None, None),
    ("pageout_seq", "main", "3. pageout, sequential writes", "MB/s", True, 1.5, 0.7, "w"),
    ("pageout_rand", "main", "3. pageout, random writes", "MB/s", True, 1.5, 0.7, "w"),
    ("swapin_seq", "main", "4. swap-in, sequential reads", "MB/s", True, 1.5, 0.6, "r"),
    ("swapin_rand", "main", "4. swap-in, random reads", "MB/s", True, 1.0, None, None),
    ("swapoff", "main", "5. swapoff", "s/GiB", False, 0.5, None, None),
    ("meta_bytes_per_page", "main", "6. kmem per swapped page", "bytes", False, 1.0, None, None),
    ("swapon_kmem", "setup", "6. kmem of swapon (whole device)", "bytes", False, None, None, None),
    ("hotset_majflt", "main", "8. hot set: major faults per 1000 accesses", "faults/1000", False, 1.0, None, None),
]


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1e5:
        return "%.3g" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def cell(s):
    if not s:
        return "n/a"
    return "%s [%s-%s]" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


table, results = [], []
for metric, tag, label, unit, higher, tgt, raw_tgt, raw_kind in ROWS:
    lin_sys = "linux" if metric == "swapon_kmem" else "memfd"
    a = summary(values(tag, metric, "aobj"))
    b = summary(values(tag, metric, lin_sys))
    ratio = a["median"] / b["median"] if a and b and b["median"] else None
    raw = raw_w if raw_kind == "w" else raw_r if raw_kind == "r" else None
    raw_ratio = a["median"] / raw["median"] if a and raw else None
    verdicts = []
    if tgt is not None and ratio is not None:
        ok = ratio >= tgt if higher else ratio <= tgt
        verdicts.append("%s %s%.2gx Linux" % ("met" if ok else "MISSED", ">=" if higher else "<=", tgt))
    elif tgt is not None:
        verdicts.append("no data")
    if raw_tgt is not None and raw_ratio is not None:
        ok = raw_ratio >= raw_tgt
        verdicts.append("%s >=%.2gx raw" % ("met" if ok else "MISSED", raw_tgt))
    row = {"metric": metric, "tag": tag, "label": label, "unit": unit,
           "aobj": a, "linux": b, "ratio_aobj_linux": ratio,
           "raw": raw, "ratio_aobj_raw": raw_ratio,
           "target_vs_linux": tgt, "target_vs_raw": raw_tgt,
           "higher_is_better": higher, "verdict": "; ".join(verdicts) or "info"}
    results.append(row)
    if info.get("remote") and not a and not b:
        continue  # a workload REMOTE=1 does not run
    table.append((label, unit, cell(a), cell(b),
                  "%.2f" % ratio if ratio is not None else "-",
                  "%.2f" % raw_ratio if raw_ratio is not None else "-",
                  row["verdict"]))

# Scaling: per-page swap-in and swapoff cost against the object size.
scaling = []
tags = sorted({r["tag"] for r in runs if r["tag"].startswith("scale")} | {"main"},
              key=lambda t: int(t[5:]) if t.startswith("scale") else info.get("big_mb", 0))
for tag in tags:
    mb = int(tag[5:]) if tag.startswith("scale") else info.get("big_mb")
    for metric, key, label in (("swapin_seq", "us_per_page", "swap-in seq"),
                               ("swapoff", "us_per_page", "swapoff")):
        a = summary(values(tag, metric, "aobj", key))
        b = summary(values(tag, metric, "memfd", key))
        ratio = a["median"] / b["median"] if a and b and b["median"] else None
        scaling.append({"object_mb": mb, "metric": metric, "unit": "us/page",
                        "aobj": a, "linux": b, "ratio_aobj_linux": ratio})
        table.append(("7. %s, %s MiB object" % (label, mb), "us/page", cell(a), cell(b),
                      "%.2f" % ratio if ratio is not None else "-", "-", "info (lower is better)"))

head = ("workload", "unit", "aobj median [min-max]", "memfd+swap median [min-max]",
        "aobj/Linux", "aobj/raw", "target")
widths = [max(len(str(r[i])) for r in table + [head]) for i in range(len(head))]
lines = [" | ".join(str(c).ljust(w) for c, w in zip(head, widths)),
         "-+-".join("-" * w for w in widths)]
lines += [" | ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in table]
raw_line = "raw disk (O_DIRECT, 1 MiB, sequential): write %s MB/s, read %s MB/s (median [min-max] over both disks)" % (
    cell(raw_w), cell(raw_r))
host = {k[6:].lower(): v for k, v in os.environ.items() if k.startswith("BENCH_") and k[6:] in
        ("HOST_NPROC", "HOST_CPU", "ACCEL", "SECS", "LOAD", "OTHER_VMS", "DATE")}
print("\n".join(lines))
print(raw_line)
print("runs: %d measurements, %d failed runs (not counted); guest: %s" % (len(runs), len(fails), json.dumps(info)))
for t in traces:
    print("trace:", json.dumps(t))

doc = {"host": host, "guest": info, "summary": results, "scaling": scaling,
       "raw": {"seq_write_MBps": raw_w, "seq_read_MBps": raw_r},
       "traces": traces, "aobj_stats_at_end": stats, "failed_runs": fails,
       "runs": runs}
with open(out, "w") as f:
    json.dump(doc, f, indent=1)



def gp_str(t):
    return '"%s"' % t.replace("\\", "\\\\").replace('"', '\\"')


def plot_scaling(path):
    """us/page against object size, swap-in and swapoff, aobj and Linux."""
    series = []  # (title, color, dash, [(mb, median, min, max)])
    for metric, what in (("swapin_seq", "sequential swap-in"), ("swapoff", "swapoff")):
        for side, name, color in (("aobj", "aobj", "#1f77b4" if metric == "swapin_seq" else "#17becf"),
                                  ("linux", "memfd + Linux swap",
                                   "#d62728" if metric == "swapin_seq" else "#ff7f0e")):
            pts = [(r["object_mb"], r[side]["median"], r[side]["min"], r[side]["max"])
                   for r in scaling if r["metric"] == metric and r[side] and r["object_mb"]]
            if pts:
                series.append(("%s, %s" % (name, what), color,
                               1 if metric == "swapin_seq" else 2, sorted(pts)))
    if not series:
        return False
    sizes = sorted({p[0] for s_ in series for p in s_[3]})
    gp = ["set terminal svg size 760,500 dynamic font 'sans,12' background '#ffffff'",
          "set output %s" % gp_str(path),
          "set title 'Cost per page against object size, lower is better "
          "(median; whiskers: min-max of the runs)'",
          "set xlabel 'object size (MiB, log scale)'",
          "set ylabel 'microseconds per page'",
          "set logscale x 2", "set grid", "set yrange [0:*]",
          "set xrange [%g:%g]" % (sizes[0] / 1.5, sizes[-1] * 1.5),
          "set key below box maxrows 2 width 1 spacing 1.2", "set xlabel offset 0,0.5",
          "set xtics (%s)" % ", ".join('"%d" %d' % (m, m) for m in sizes)]
    plots = []
    for i, (title, color, dash, pts) in enumerate(series):
        gp.append("$S%d << EOD" % i)
        gp += ["%d %g %g %g" % p for p in pts]
        gp.append("EOD")
        pt = 7 if dash == 1 else 5
        plots.append("$S%d using 1:2:3:4 with yerrorlines lc rgb '%s' lw 2 pt %d ps 1.2 "
                     "title %s" % (i, color, pt, gp_str(title)))
    gp.append("plot " + ", \\\n     ".join(plots))
    return gnuplot(gp)


# Bar labels, "|" for a line break.
SHORT = {"zerofill": "zero-fill", "refault_read": "refault|read",
         "refault_write": "refault|write", "pageout_seq": "pageout|sequential",
         "pageout_rand": "pageout|random", "swapin_seq": "swap-in|sequential",
         "swapin_rand": "swap-in|random"}


def plot_throughput(path):
    """The throughput rows (pages/s and MB/s) as bars with min-max whiskers."""
    panels = []
    for unit in ("pages/s", "MB/s"):
        rows = [r for r in results if r["unit"] == unit and r["aobj"] and r["linux"]]
        if rows:
            panels.append((unit, rows))
    if not panels:
        return False
    gp = ["set terminal svg size %d,460 dynamic font 'sans,12' background '#ffffff'"
          % (440 * len(panels) + 40),
          "set output %s" % gp_str(path),
          "set multiplot layout 1,%d title 'Throughput, higher is better "
          "(bar: median; whiskers: min-max of the runs)'" % len(panels),
          "set style data histogram",
          "set style histogram errorbars gap 1 lw 1.5",
          "set style fill solid 0.85 border -1",
          "set boxwidth 0.9", "set grid ytics", "set yrange [0:*]",
          "set key below box", "set xtics scale 0 font ',10'", "set xlabel ' '"]
    for i, (unit, rows) in enumerate(panels):
        gp.append("$T%d << EOD" % i)
        for r in rows:
            label = SHORT.get(r["metric"], r["metric"])
            a, b = r["aobj"], r["linux"]
            gp.append("%s %g %g %g %g %g %g" % (gp_str(label).replace("|", "\\n"), a["median"], a["min"], a["max"],
                                                b["median"], b["min"], b["max"]))
        gp.append("EOD")
        gp.append("set ylabel %s" % gp_str(unit))
        gp.append("set format y '%.0s%c'" if unit == "pages/s" else "set format y '%g'")
        gp.append("plot $T%d using 2:3:4:xtic(1) lc rgb '#1f77b4' title 'aobj', "
                  "'' using 5:6:7 lc rgb '#d62728' title 'memfd + Linux swap'" % i)
    gp.append("unset multiplot")
    return gnuplot(gp)


def gnuplot(lines):
    try:
        r = subprocess.run(["gnuplot"], input="\n".join(lines) + "\n", text=True,
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        sys.exit("bench-report: gnuplot failed: %s" % e)
    if r.returncode or r.stderr.strip():
        sys.exit("bench-report: gnuplot failed (status %d): %s" % (r.returncode, r.stderr.strip()))
    return True


plots = []
# The REMOTE run's rows have their own table, without plots: the local
# run's plots stay.
if plot_dir and not info.get("remote"):
    os.makedirs(plot_dir, exist_ok=True)
    for name, fn, alt in (("throughput.svg", plot_throughput, "throughput, aobj and Linux"),
                          ("scaling.svg", plot_scaling, "microseconds per page against object size")):
        path = os.path.join(plot_dir, name)
        if fn(path):
            plots.append((path, alt))
            print("plot:", path)

if md_path:
    # The table goes between the markers of TABLE.md (the text around
    # them, the analysis, stays); a new file gets just the table.
    mark = os.environ.get("BENCH_MD_MARK", "bench-table")
    BEGIN, END = "<!-- %s-begin -->" % mark, "<!-- %s-end -->" % mark
    mdl = [BEGIN, "",
           "Measured %s: host %s x %s, QEMU %s; guest kernel %s, %s kB RAM, %s vCPUs; "
           "host load average %s, %s other QEMU VM(s) running at the start; VM run %s s."
           % (host.get("date", "?"), host.get("host_nproc", "?"), host.get("host_cpu", "?"),
              host.get("accel", "?"), info.get("kernel", "?"), info.get("mem_kb", "?"),
              info.get("cpus", "?"), host.get("load", "?"), host.get("other_vms", "?"),
              host.get("secs", "?")),
           "",
           "Resident limit %s MiB (aobj max_resident_mb = memcg memory.max), page-cluster 5; "
           "zero-fill/refault object %s MiB, pageout/swap-in object %s MiB, %s A/B rounds; "
           "each cell: median [min-max] of the runs that verified their data."
           % (info.get("limit_mb"), info.get("small_mb"), info.get("big_mb"), info.get("reps")),
           "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    mdl += ["| " + " | ".join(str(c) for c in r) + " |" for r in table]
    mdl += ["", raw_line + ".", ""]
    if info.get("remote"):
        # Does aobj keep enough I/O in flight to hide the network?
        mdl += ["aobj's swap device (%s) during one traced pass of each workload:" % info.get("aobj_disk"), ""]
        for t in traces:
            if t.get("kind") != "block":
                continue
            parts = []
            for op, name in (("W", "writes"), ("R", "reads")):
                if "%s_reqs" % op in t:
                    parts.append("%d %s of %.0f KiB on average, %.0f us each" % (
                        t["%s_reqs" % op], name, t["%s_kb_per_req" % op], t["%s_avg_lat_us" % op]))
            mdl.append("- %s: %s; at most %d request(s) in flight" % (
                t["workload"], "; ".join(parts) or "no request", t.get("max_inflight", 0)))
        mdl.append("")
    mdl += ["%d measurements, %d failed runs (not counted)." % (len(runs), len(fails)), ""]
    for path, alt in plots:
        rel = os.path.relpath(path, os.path.dirname(os.path.abspath(md_path)))
        mdl += ["![%s](%s)" % (alt, rel), ""]
    mdl += [END]
    block = "\n".join(mdl)
    try:
        old = open(md_path).read()
    except FileNotFoundError:
        old = ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    elif mark != "bench-table":
        # A table of its own (make bench REMOTE=1): a section at the end.
        new = old.rstrip("\n") + "\n\n## Far memory: swap on NBD (make bench REMOTE=1)\n\n" + block + "\n"
    else:
        new = block + "\n" + old
    with open(md_path, "w") as f:
        f.write(new)
