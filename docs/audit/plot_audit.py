#!/usr/bin/env python3
"""Figures of a jlattn audit, written by `jlattn audit` next to its results.

    python3 plot_audit.py DIR     # reads DIR/results.json, writes DIR/*.svg and DIR/*.png

Needs matplotlib (Debian: python3-matplotlib). Three figures, one panel per
series (all cell parameters but L):
  d_vs_L          d against L (log axes): every proved bound (and the proved
                  lower bound when the cells carry one), the measured
                  d_(1-delta) and d_50 with the range of grid d consistent with
                  the counts (95%; an arrow where it is open above), and the
                  trivial baseline d = L.
  success_vs_d    the fraction of the T trials certified against d, one curve
                  per L, with Clopper-Pearson 95% intervals.
  norm_vs_d       the largest input row norm max_i ||x_i|| over the T inputs
                  against d, one curve per L, and Lemma 4's reference
                  sqrt(beta_sharp^2 + 1): the norms that buy the dimension.
This file is the one source of the figures: `jlattn audit` embeds it at build
time and writes it next to its results (docs/audit/plot_audit.py in the
repository); edit it there.
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.lines  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "jlattn-audit"  # deterministic SVG ids
plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, editable for a paper
plt.rcParams["font.size"] = 9

STYLES = {  # name: colour, line style (a bound not listed gets a colour of its own, dashed)
    "d_star": ("tab:red", (0, (6, 2))),
    "d_star_paper": ("tab:pink", (0, (2, 2))),
    "d_star_exact": ("tab:orange", (0, (6, 2))),
    "d_pair": ("tab:green", (0, (6, 2))),
    "d_polar": ("tab:olive", (0, (3, 1, 1, 1))),
    "d_star_u": ("tab:purple", (0, (6, 2))),
    "d_star_u_exact": ("tab:brown", (0, (3, 1, 1, 1))),
}
SPARE_COLOURS = ["tab:cyan", "tab:blue", "tab:gray", "darkgoldenrod", "teal"]


def bound_styles(cells):
    """(name, label, colour, style) of every bound the cells carry but d = L, in their order."""
    out, spare = [], list(SPARE_COLOURS)
    for c in cells:
        for b in c["bounds"]:
            if b["name"] == "trivial" or any(b["name"] == o[0] for o in out):
                continue
            colour, style = STYLES.get(b["name"], (spare.pop(0) if spare else "black", (0, (4, 1, 1, 1))))
            out.append((b["name"], "%s (%s)" % (b["label"], b["theorem"]), colour, style))
    return out


def statistics_of(results, cell):
    return results.get("statistics", {}).get("cells", {}).get(cell["cell"]["id"])


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


def measured_cells(ax, group):
    """The cells of a series that were measured; titles the series' panel and
    says so on it when none was."""
    cells = [c for c in group if c["search"]["probes"]]
    ax.set_title(series_title(group[0]))
    if not cells:
        ax.text(0.5, 0.5, "no cell of this series was measured\n(--max-work)", ha="center", va="center",
                transform=ax.transAxes)
    return cells


def measured_panels(results):
    """The figure of one panel per series, and the panels with measured cells:
    (panel, its measured cells) for each (measured_cells() titles every panel)."""
    groups = grouped(results["cells"])
    fig, axes = panels(len(groups))
    pairs = [(ax, measured_cells(ax, group)) for ax, group in zip(axes, groups)]
    return fig, [(ax, cells) for ax, cells in pairs if cells]


def d_vs_L(results, directory):
    groups = grouped(results["cells"])
    max_d = results["parameters"]["max_d"]
    delta = results["parameters"]["delta"]
    fig, axes = panels(len(groups), extra=1.2)
    handles = {}
    for ax, cells in zip(axes, groups):
        Ls = [c["cell"]["L"] for c in cells]
        for name, label, colour, style in bound_styles(cells):
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
            # The grid d consistent with the counts (95%): a bar, or an arrow where it is open above.
            for c in cells:
                st = statistics_of(results, c)
                if not st or not st.get(key) or st[key]["from"] is None:
                    continue
                L, lo, hi = c["cell"]["L"], st[key]["from"], st[key]["to"]
                shift = 1.04 if key == "d_50" else 1.0
                if hi is not None:
                    ax.plot([L * shift] * 2, [lo, hi], color=colour, linewidth=4, alpha=0.25, solid_capstyle="butt")
                else:
                    ax.annotate("", xy=(L * shift, lo * 1.6), xytext=(L * shift, lo),
                                arrowprops=dict(arrowstyle="->", color=colour, alpha=0.5, linewidth=1.2))
                    ax.plot([L * shift], [lo], marker="_", color=colour, alpha=0.5, markersize=8)
        lower = [(c["cell"]["L"], c["lower_bound"]["d"]) for c in cells
                 if c.get("lower_bound") and c["lower_bound"].get("d") is not None]
        if lower:
            h, = ax.plot(*zip(*lower), color="black", linestyle=(0, (1, 1)), linewidth=1.3, marker="v", markersize=4)
            handles["d_lower (proved lower bound at the norm budget)"] = h
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
        handles.setdefault("95% range of grid d consistent with the counts (arrow: open above)",
                           matplotlib.lines.Line2D([], [], color="0.4", linewidth=4, alpha=0.3))
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
    fig.suptitle("Proved bounds (dashed) against the measured d (solid); faded: not proved for this R"
                 + gap_note(results), fontsize=10)
    fig.tight_layout(rect=(0, bottom, 1, 0.95))
    save(fig, directory, "d_vs_L")


def success_vs_d(results, directory):
    delta = results["parameters"]["delta"]
    fig, measured = measured_panels(results)
    cmap = plt.get_cmap("viridis")
    for ax, cells in measured:
        n = len(cells)
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
            T = c.get("trials", results["parameters"]["trials"])
            xs = [p["d"] for p in probes]
            ys = [p["certified"] / T for p in probes]
            colour = cmap(i / max(1, n - 1) * 0.9)
            ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.2, color=colour, label="L = %d" % c["cell"]["L"])
            st = statistics_of(results, c)
            if st:  # Clopper-Pearson 95% interval of each probe's fraction
                cp = {p["d"]: (p["cp_lower"], p["cp_upper"]) for p in st["probes"]}
                low = [y - cp[x][0] for x, y in zip(xs, ys)]
                high = [cp[x][1] - y for x, y in zip(xs, ys)]
                ax.errorbar(xs, ys, yerr=[low, high], fmt="none", ecolor=colour, alpha=0.35, capsize=1.5,
                            linewidth=0.8)
        ax.axhline(1 - delta, color="black", linestyle="--", linewidth=0.9, label="1 - delta = %g" % (1 - delta))
        ax.axhline(0.5, color="0.5", linestyle=":", linewidth=0.9, label="1/2")
        ax.set_xscale("log")
        ax.set_xlim(left=left)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("d (log scale)")
        ax.set_ylabel("fraction of the T trials certified")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=7)
    fig.suptitle("Fraction of trials certified against d, with Clopper-Pearson 95% intervals "
                 "(refuted and undecided count as failures)" + gap_note(results), fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, directory, "success_vs_d")


def norm_vs_d(results, directory):
    fig, measured = measured_panels(results)
    cmap = plt.get_cmap("viridis")
    for ax, cells in measured:
        n = len(cells)
        for i, c in enumerate(cells):
            probes = sorted(c["search"]["probes"], key=lambda p: p["d"])
            ax.plot([p["d"] for p in probes], [p["max_input_row_norm"] for p in probes], marker="o", markersize=2.5,
                    linewidth=1.1, color=cmap(i / max(1, n - 1) * 0.9), label="L = %d" % c["cell"]["L"])
            hi = c["search"]["d_1_minus_delta"]
            if hi["found"] and c.get("max_input_row_norm_at_d_1_minus_delta") is not None:
                ax.plot([hi["d"]], [c["max_input_row_norm_at_d_1_minus_delta"]], marker="o", markersize=6,
                        markerfacecolor="none", color="black")
        reference = cells[0]["derived"]["row_norm_reference"]  # the same for every L of a series
        ax.axhline(reference, color="tab:red", linestyle="--", linewidth=1.0,
                   label="Lemma 4: sqrt(beta_sharp^2 + 1) = %.3g" % reference)
        ax.plot([], [], marker="o", markersize=6, markerfacecolor="none", color="black", linestyle="none",
                label="at the measured d_(1-delta)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("d (log scale)")
        ax.set_ylabel("max_i ||x_i|| over the T inputs")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
    fig.suptitle("Input row norms against d (double-precision evaluation): the norms the dimension is bought with"
                 + gap_note(results), fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, directory, "norm_vs_d")


def gap_note(results):
    """The suptitle's note of a run at another gap (--gap-Delta-factor); empty at the default gap."""
    factor = results["parameters"].get("gap_Delta_factor")
    return "" if factor is None else "\nLemma 1's gap: %g (ln(1/gamma) + eps), --gap-Delta-factor" % factor


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
    norm_vs_d(results, directory)


if __name__ == "__main__":
    main()
