#!/usr/bin/env python3
"""Figures of a jlattn audit, written by `jlattn audit` next to its results.

    python3 plot_audit.py DIR     # reads DIR/results.json, writes DIR/*.svg and DIR/*.png

Needs matplotlib (Debian: python3-matplotlib). Two figures, one panel per
series (all cell parameters but L):
  d_vs_L          d against L (log axes): every proved bound, the measured
                  d_(1-delta) and d_50, and the trivial baseline d = L.
  success_vs_d    the fraction of the T trials certified against d, one curve per L.
Edit freely: the audit rewrites this file only when it writes the figures.
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "jlattn-audit"  # deterministic SVG ids
plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, editable for a paper
plt.rcParams["font.size"] = 9

BOUNDS = [  # name, label, colour, line style
    ("d_star", "d* (Theorem 1)", "tab:red", (0, (6, 2))),
    ("d_star_paper", "d*, paper beta (Theorem 1)", "tab:pink", (0, (2, 2))),
    ("d_star_exact", "d*_exact (Theorem 1, exact tail)", "tab:orange", (0, (6, 2))),
    ("d_pair", "d_pair (Theorem 1')", "tab:green", (0, (6, 2))),
    ("d_polar", "d_polar (Theorem 1')", "tab:olive", (0, (3, 1, 1, 1))),
    ("d_star_u", "d*_u (Theorem 2)", "tab:purple", (0, (6, 2))),
    ("d_star_u_exact", "d*_u,exact (Theorem 2)", "tab:brown", (0, (3, 1, 1, 1))),
]


def series_title(c):
    cell = c["cell"]
    rho = "" if cell["k"] == 1 else ", rho=%.4g" % cell["rho"]
    return "%s, k=%d%s\neps=%g, gamma=%g, %s R" % (
        cell["family"], cell["k"], rho, cell["eps"], cell["gamma"], cell["projection"])


def grouped(cells):
    groups, order = {}, []
    for c in cells:
        key = c["cell"]["series"]
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(c)
    return [sorted(groups[k], key=lambda c: c["cell"]["L"]) for k in order]


def panels(n, extra=0.0):
    cols = min(3, n)
    rows = int(math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.9 * rows + 0.6 + extra), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def save(fig, directory, stem):
    fig.savefig(os.path.join(directory, stem + ".svg"), metadata={"Date": None})
    fig.savefig(os.path.join(directory, stem + ".png"), dpi=130, metadata={"Software": None})
    plt.close(fig)


def d_vs_L(results, directory):
    groups = grouped(results["cells"])
    max_d = results["parameters"]["max_d"]
    delta = results["parameters"]["delta"]
    fig, axes = panels(len(groups), extra=1.2)
    handles = {}
    for ax, cells in zip(axes, groups):
        Ls = [c["cell"]["L"] for c in cells]
        for name, label, colour, style in BOUNDS:
            pts = []
            for c in cells:
                b = next(b for b in c["bounds"] if b["name"] == name)
                if b["d"] is not None:
                    pts.append((c["cell"]["L"], b["d"]))
            if pts:
                proved = next(b for b in cells[0]["bounds"] if b["name"] == name)["proved_for_projection"]
                h, = ax.plot(*zip(*pts), color=colour, linestyle=style, linewidth=1.3, marker="_",
                             markersize=7, alpha=1.0 if proved else 0.45)
                if proved or label not in handles:
                    handles[label] = h
        for key, label, colour, marker in (
                ("d_1_minus_delta", "measured d_(1-delta), delta=%g" % delta, "black", "o"),
                ("d_50", "measured d_50", "tab:blue", "s")):
            found = [(c["cell"]["L"], c["search"][key]["d"]) for c in cells if c["search"][key]["found"]]
            missing = [c["cell"]["L"] for c in cells
                       if c["status"] == "measured" and not c["search"][key]["found"]]
            if found:
                h, = ax.plot(*zip(*found), color=colour, marker=marker, markersize=4.5, linewidth=1.8)
                handles[label] = h
            if missing:
                h, = ax.plot(missing, [max_d] * len(missing), linestyle="none", marker="^", color=colour,
                             markersize=7)
                handles["not reached at d <= max_d (marker at max_d)"] = h
        skipped = [c["cell"]["L"] for c in cells if c["status"] != "measured"]
        if skipped:
            ax.text(0.98, 0.03, "not measured at L >= %d\n(estimated work above --max-work)" % min(skipped),
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.35")
        lo, hi = min(Ls), max(Ls)
        xs = [lo / 1.2, hi * 1.2]
        h, = ax.plot(xs, xs, color="0.3", linestyle=":", linewidth=1.6)
        handles["d = L (trivial baseline, exact)"] = h
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(Ls)
        ax.set_xticklabels([str(L) for L in Ls])
        ax.set_xlim(xs)
        ax.set_xlabel("L (tokens, log scale)")
        ax.set_ylabel("d (log scale)")
        ax.set_title(series_title(cells[0]))
        ax.grid(True, which="major", alpha=0.3)
    ncol = 2 if len(axes) == 1 else (3 if len(axes) == 2 else 4)
    legend_rows = int(math.ceil(len(handles) / ncol))
    height = fig.get_size_inches()[1]
    bottom = (0.25 * legend_rows + 0.2) / height
    fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", ncol=ncol, frameon=False,
               fontsize=8, handlelength=4)
    fig.suptitle("Proved bounds (dashed) against the measured d (solid); faded: not proved for this R",
                 fontsize=10)
    fig.tight_layout(rect=(0, bottom, 1, 0.95))
    save(fig, directory, "d_vs_L")


def success_vs_d(results, directory):
    groups = grouped(results["cells"])
    T = results["parameters"]["trials"]
    delta = results["parameters"]["delta"]
    fig, axes = panels(len(groups))
    cmap = plt.get_cmap("viridis")
    for ax, group in zip(axes, groups):
        cells = [c for c in group if c["search"]["probes"]]
        n = len(cells)
        ax.set_title(series_title(group[0]))
        if n == 0:
            ax.text(0.5, 0.5, "no cell of this series was measured\n(--max-work)", ha="center", va="center",
                    transform=ax.transAxes)
            continue
        # Start the axis a little below the largest d at which no trial of any L was certified.
        firsts = []
        for c in cells:
            probes = sorted(c["search"]["probes"], key=lambda p: p["d"])
            zero = [p["d"] for p in probes if p["certified"] == 0 and
                    all(q["certified"] == 0 for q in probes if q["d"] <= p["d"])]
            firsts.append(zero[-1] if zero else probes[0]["d"])
        left = max(1, min(firsts) / 1.5)
        for i, c in enumerate(cells):
            probes = sorted(c["search"]["probes"], key=lambda p: p["d"])
            xs = [p["d"] for p in probes]
            ys = [p["certified"] / T for p in probes]
            ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.2, color=cmap(i / max(1, n - 1) * 0.9),
                    label="L = %d" % c["cell"]["L"])
        ax.axhline(1 - delta, color="black", linestyle="--", linewidth=0.9, label="1 - delta = %g" % (1 - delta))
        ax.axhline(0.5, color="0.5", linestyle=":", linewidth=0.9, label="1/2")
        ax.set_xscale("log")
        ax.set_xlim(left=left)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("d (log scale)")
        ax.set_ylabel("fraction of %d trials certified" % T)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=7)
    fig.suptitle("Fraction of trials certified against d (refuted and undecided count as failures)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, directory, "success_vs_d")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_audit.py DIR")
    directory = sys.argv[1]
    with open(os.path.join(directory, "results.json"), encoding="utf-8") as f:
        results = json.load(f)
    if not results["cells"]:
        print("plot_audit.py: no finished cells, no figures", file=sys.stderr)
        return
    d_vs_L(results, directory)
    success_vs_d(results, directory)


if __name__ == "__main__":
    main()
