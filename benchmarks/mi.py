"""Benchmark ibnotes.mi against peer libraries on distributions with known MI.

    python benchmarks/mi.py                      # full run, writes book/benchmarks.md
    python benchmarks/mi.py --tasks binormal-1x1 --seeds 1 --no-peers

Every estimator sees the same samples: the driver draws them once per task
and seed from ``ibnotes.mi.tasks``, runs the in-process estimators (ibnotes,
scikit-learn, a scipy-tree KSG), and hands the same sample files to the
peers that live in their own virtual environments (``setup_peers.sh``):
benchmark-mi (bmi) and torch-mist. As in Czyz et al. (Beyond Normal,
NeurIPS 2023), an estimator passes a task when its mean over seeds lies
within a factor of 1.5 of the true MI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from scipy.spatial import cKDTree
from scipy.special import digamma

from ibnotes import mi
from ibnotes.mi import tasks

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FACTOR = 1.5
SPEED_TASK = "multinormal-sparse-5x5-no-noise"

Estimator = Callable[[np.ndarray, np.ndarray], float]


def scipy_ksg(x: np.ndarray, y: np.ndarray, k: int = 3) -> float:
    """KSG estimator 1 with scipy's k-d tree and the max-norm, in the style of NPEET.

    Written here from Kraskov et al. (2004), eq. 8: the counts include the
    point itself, so digamma(count) is digamma(n_x + 1).
    """
    rng = np.random.default_rng(0)
    x = x + 1e-10 * rng.standard_normal(x.shape)
    y = y + 1e-10 * rng.standard_normal(y.shape)
    joint = np.hstack([x, y])
    radius = cKDTree(joint).query(joint, k + 1, p=np.inf)[0][:, k]
    count_x = cKDTree(x).query_ball_point(x, radius - 1e-15, p=np.inf, return_length=True)
    count_y = cKDTree(y).query_ball_point(y, radius - 1e-15, p=np.inf, return_length=True)
    return float(digamma(k) + digamma(len(x)) - np.mean(digamma(count_x) + digamma(count_y)))


def sklearn_ksg(x: np.ndarray, y: np.ndarray) -> float:
    """scikit-learn's KSG: one feature against a scalar target, so 1+1 tasks only."""
    from sklearn.feature_selection import mutual_info_regression

    if x.shape[1] != 1 or y.shape[1] != 1:
        raise ValueError("scikit-learn estimates MI of single features with a scalar target")
    return float(mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)[0])


IN_PROCESS: dict[str, Estimator] = {
    "ibnotes-ksg": lambda x, y: mi.ksg(x, y, k=3),
    "ibnotes-ksg-max": lambda x, y: mi.ksg(x, y, k=3, norm="max"),
    "ibnotes-gaussian": mi.gaussian,
    "ibnotes-infonce": mi.infonce,
    "ibnotes-smile": mi.smile,
    "scipy-ksg": scipy_ksg,
    "sklearn-ksg": sklearn_ksg,
}
PEERS = {
    "bmi": (HERE / ".venvs/bmi/bin/python", HERE / "peers/bmi_worker.py", ("bmi-ksg", "bmi-cca")),
    "mist": (HERE / ".venvs/mist/bin/python", HERE / "peers/mist_worker.py", ()),
}
# Neural peers take 10 s or more per estimate (bmi's InfoNCE trains 10,000 steps),
# so they run on the speed task only.
SPEED_ONLY = {"bmi": ("bmi-infonce",), "mist": ("mist-infonce",)}


def draw_samples(task_names: list[str], seeds: int, n: int, folder: Path) -> dict[tuple[str, int], Path]:
    """Draw each task's samples once and save them as .npz files."""
    files = {}
    for name in task_names:
        for seed in range(seeds):
            x, y = tasks.get_task(name).sample(n, seed=seed)
            path = folder / f"{name}__{seed}__{n}.npz"
            np.savez(path, x=x, y=y)
            files[(name, seed)] = path
    return files


def run_in_process(jobs: list[dict]) -> list[dict]:
    results = []
    for job in jobs:
        samples = np.load(job["samples"])
        result = dict(job)
        start = time.perf_counter()
        try:
            result["estimate"] = float(IN_PROCESS[job["estimator"]](samples["x"], samples["y"]))
        except ValueError as error:
            result["error"] = str(error)
        result["seconds"] = time.perf_counter() - start
        results.append(result)
        print(_progress(result), file=sys.stderr)
    return results


def run_peer(peer: str, jobs: list[dict], folder: Path) -> list[dict]:
    """Run ``jobs`` in the peer's environment; an absent environment yields no results."""
    python, worker, _ = PEERS[peer]
    if not python.exists():
        print(f"skipping {peer}: {python} not found, run benchmarks/setup_peers.sh", file=sys.stderr)
        return []
    jobs_file = folder / f"jobs-{peer}.json"
    jobs_file.write_text(json.dumps(jobs))
    process = subprocess.Popen([str(python), str(worker), str(jobs_file)], stdout=subprocess.PIPE, text=True)
    results = []
    for line in process.stdout:
        if not line.startswith("RESULT "):
            continue
        result = json.loads(line.removeprefix("RESULT "))
        results.append(result)
        print(_progress(result), file=sys.stderr)
    process.wait()
    return results


def _progress(result: dict) -> str:
    value = f"{result['estimate']:.3f}" if "estimate" in result else result.get("error", "?")[:60]
    return f"{result['estimator']:18s} {result['task']:38s} seed {result['seed']} n {result['n']}: {value} ({result['seconds']:.2f} s)"


def jobs_for(files: dict, estimators: list[str], n: int) -> list[dict]:
    return [{"samples": str(path), "task": task, "seed": seed, "n": n, "estimator": estimator}
            for (task, seed), path in files.items() for estimator in estimators]


def summarise(results: list[dict]) -> dict[str, dict[str, dict]]:
    """Mean estimate, pass flag and mean time per task and estimator."""
    grouped = defaultdict(list)
    for result in results:
        grouped[(result["task"], result["estimator"])].append(result)
    summary: dict[str, dict[str, dict]] = defaultdict(dict)
    for (task, estimator), runs in grouped.items():
        truth = tasks.get_task(task).mutual_information
        estimates = [run["estimate"] for run in runs if "estimate" in run]
        seconds = statistics.mean(run["seconds"] for run in runs)
        if len(estimates) < len(runs):
            summary[task][estimator] = {"error": next(run["error"] for run in runs if "error" in run), "seconds": seconds}
            continue
        mean = statistics.mean(estimates)
        passed = truth / FACTOR <= mean <= truth * FACTOR
        summary[task][estimator] = {"mean": mean, "truth": truth, "passed": passed, "seconds": seconds,
                                    "seeds": len(estimates)}
    return summary


def speed_rows(results: list[dict]) -> list[dict]:
    """Median time and estimate per estimator and n on the speed task."""
    grouped = defaultdict(list)
    for result in results:
        if result["task"] == SPEED_TASK and "estimate" in result:
            grouped[(result["estimator"], result["n"])].append(result)
    rows = []
    for (estimator, n), runs in sorted(grouped.items(), key=lambda item: (item[0][1], item[0][0])):
        rows.append({"estimator": estimator, "n": n, "runs": len(runs),
                     "seconds": statistics.median(run["seconds"] for run in runs),
                     "estimate": statistics.mean(run["estimate"] for run in runs)})
    return rows


def page(summary: dict, speed: list[dict], estimators: list[str], meta: dict) -> str:
    """Return the book's benchmark page in MyST markdown."""
    task_names = list(summary)
    lines = [
        "# Benchmarks: mutual-information estimators",
        "",
        "Generated by `python benchmarks/mi.py` (see `benchmarks/README.md`); do not edit by hand.",
        f"Machine: {meta['machine']}. Samples: n = {meta['n']:,}, {meta['seeds']} seeds per task. "
        "torch runs with one thread, as in the `ci` profile; the peers use their libraries' defaults.",
        "",
        "Tasks come from `ibnotes.mi.tasks`, written from the definitions of Czyz et al. (Beyond Normal, "
        "NeurIPS 2023). The constants of the wiggly, bimodal, spiral and Swiss-roll maps are this "
        "package's own, so the tasks are close to, not identical with, the paper's. An estimator passes "
        f"a task when its mean over seeds lies within a factor of {FACTOR} of the true MI.",
        "",
        "## Tasks passed",
        "",
        "| estimator | tasks passed | tasks run | mean time per estimate |",
        "| --- | --- | --- | --- |",
    ]
    for estimator in estimators:
        cells = [summary[t][estimator] for t in task_names if estimator in summary[t]]
        ran = [c for c in cells if "passed" in c]
        if not cells:
            continue
        passed = sum(c["passed"] for c in ran)
        seconds = statistics.mean(c["seconds"] for c in cells)
        lines.append(f"| {estimator} | {passed} | {len(ran)} of {len(task_names)} | {seconds:.2f} s |")
    ibnotes = [e for e in estimators if e.startswith("ibnotes")]
    union = sum(any(summary[t].get(e, {}).get("passed") for e in ibnotes) for t in task_names)
    lines += ["", f"The ibnotes estimators together pass {union} of {len(task_names)} tasks.", ""]

    lines += ["## Per task", "", "Mean estimate in nats over seeds; a pass is marked ✓, a fail ✗.", "",
              "| task | true MI | " + " | ".join(estimators) + " |",
              "| --- | --- | " + " | ".join("---" for _ in estimators) + " |"]
    for task in task_names:
        truth = tasks.get_task(task).mutual_information
        cells = []
        for estimator in estimators:
            cell = summary[task].get(estimator)
            if cell is None:
                cells.append("")
            elif "error" in cell:
                cells.append("n/a")
            else:
                cells.append(f"{cell['mean']:.2f} {'✓' if cell['passed'] else '✗'}")
        lines.append(f"| {task} | {truth:.3f} | " + " | ".join(cells) + " |")

    truth = tasks.get_task(SPEED_TASK).mutual_information
    lines += ["", "## Speed", "",
              f"Task `{SPEED_TASK}` (5+5 dimensions, true MI {truth:.3f} nats). Median wall time over runs, "
              "in one process per library, on the machine above.", "",
              "| estimator | n | runs | median time | mean estimate |", "| --- | --- | --- | --- | --- |"]
    for row in speed:
        lines.append(f"| {row['estimator']} | {row['n']:,} | {row['runs']} | {row['seconds']:.2f} s | {row['estimate']:.3f} |")
    lines += ["", "```{figure} figures/mi-benchmark.png", ":width: 90%", "",
              "Mean estimate against true MI per task. The band marks the factor-of-1.5 criterion.", "```", ""]
    return "\n".join(lines)


def figure(summary: dict, estimators: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ibnotes import plot

    plot.use_style()
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    top = max(tasks.get_task(t).mutual_information for t in summary) * 1.6
    grid = np.linspace(0, top, 50)
    ax.fill_between(grid, grid / FACTOR, grid * FACTOR, color="grey", alpha=0.15, label=f"within ×{FACTOR}")
    ax.plot(grid, grid, color="grey", linewidth=1)
    for index, estimator in enumerate(estimators):
        points = [(tasks.get_task(t).mutual_information, c["mean"])
                  for t, cells in summary.items() for e, c in cells.items() if e == estimator and "mean" in c]
        if points:
            truth, mean = zip(*points)
            # Filled circles for ibnotes, crosses for bmi, triangles for the other peers.
            library = estimator.split("-")[0]
            marker = {"ibnotes": "o", "bmi": "x"}.get(library, "^")
            ax.scatter(truth, mean, s=14, marker=marker, label=estimator, color=plot.COLORS[index % len(plot.COLORS)])
    ax.set_xlabel("true MI [nats]")
    ax.set_ylabel("mean estimate [nats]")
    ax.set_ylim(bottom=min(0, ax.get_ylim()[0]))
    ax.legend(fontsize=7, ncols=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=None, help="task names (default: all)")
    parser.add_argument("--estimators", nargs="*", default=list(IN_PROCESS), help="in-process estimators to run")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per task")
    parser.add_argument("-n", type=int, default=5000, help="samples per task and seed")
    parser.add_argument("--speed-repeats", type=int, default=3, help="runs per estimator in the speed section")
    parser.add_argument("--no-peers", action="store_true", help="skip bmi and torch-mist")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the page and figure from the results in --output, running nothing")
    parser.add_argument("--speed-only", action="store_true",
                        help="rerun the speed section only, reusing the accuracy results in --output")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "mi.json", help="raw results (JSON)")
    parser.add_argument("--page", type=Path, default=ROOT / "book" / "benchmarks.md", help="book page to write")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    load_average = os.getloadavg()[0]
    task_names = args.tasks or list(tasks.TASKS)
    if args.speed_only and not args.output.is_file():
        parser.error(f"--speed-only needs the results of a full run in {args.output}")
    unknown = [name for name in task_names if name not in tasks.TASKS]
    if unknown:
        parser.error(f"unknown task(s) {unknown}: see ibnotes.mi.tasks.TASKS")
    results: list[dict] = []
    if args.report_only:
        if not args.output.is_file():
            parser.error(f"--report-only needs the results of a full run in {args.output}")
        results = json.loads(args.output.read_text())["results"]
        args.estimators = [e for e in args.estimators if any(r["estimator"] == e for r in results)]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        peers = [] if args.no_peers or args.report_only else list(PEERS)
        if args.report_only:
            pass
        elif args.speed_only:
            previous = json.loads(args.output.read_text())["results"]
            results += [r for r in previous if r.get("section") != "speed"]
        else:
            files = draw_samples(task_names, args.seeds, args.n, folder)
            results += run_in_process(jobs_for(files, args.estimators, args.n))
            for peer in peers:
                results += run_peer(peer, jobs_for(files, list(PEERS[peer][2]), args.n), folder)

        # Speed: the 5+5 task at n and 2n, repeated; neural peers here only.
        for n in () if args.report_only else (args.n, 2 * args.n):
            speed_files = draw_samples([SPEED_TASK], args.speed_repeats, n, folder)
            fast = [e for e in ("ibnotes-ksg", "ibnotes-ksg-max", "scipy-ksg") if e in args.estimators]
            results += [dict(r, section="speed") for r in run_in_process(jobs_for(speed_files, fast, n))]
            for peer in peers:
                names = ("bmi-ksg",) if peer == "bmi" else ()
                results += [dict(r, section="speed") for r in run_peer(peer, jobs_for(speed_files, list(names), n), folder)]
        neural_files = {} if args.report_only else draw_samples([SPEED_TASK], args.speed_repeats, args.n, folder)
        for peer in peers:
            first = {k: v for k, v in neural_files.items() if k[1] == 0} if peer == "mist" else neural_files
            results += [dict(r, section="speed") for r in run_peer(peer, jobs_for(first, list(SPEED_ONLY[peer]), args.n), folder)]

    accuracy = [r for r in results if r.get("section") != "speed"]
    neural_speed = [r for r in results if r.get("section") == "speed" and r["n"] == args.n]
    summary = summarise(accuracy)
    speed = speed_rows([r for r in results if r.get("section") == "speed"] +
                       [r for r in accuracy if r["task"] == SPEED_TASK and r["estimator"] in ("ibnotes-infonce", "ibnotes-smile")])
    estimators = [e for e in [*args.estimators, "bmi-ksg", "bmi-cca"] if any(e in cells for cells in summary.values())]
    meta = {"machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread, "
                       f"{os.cpu_count()} cores, load average {load_average:.1f} when the run started",
            "n": args.n, "seeds": args.seeds}
    if args.report_only:
        meta = json.loads(args.output.read_text())["meta"]

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"meta": meta, "results": results, "neural_speed": neural_speed}, indent=1))
    figure(summary, estimators, args.page.parent / "figures" / "mi-benchmark.png")
    args.page.write_text(page(summary, speed, estimators, meta))
    print(f"wrote {args.output} and {args.page}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
