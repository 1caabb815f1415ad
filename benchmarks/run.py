#!/usr/bin/env python3
"""Time archcheck against lint-imports and bare grimp, and check that they agree.

    python benchmarks/run.py [--runs 5] [--trees a,b] [--tools a,b] [--modes cold,warm,edit]
    python benchmarks/run.py --check [--trees a,b]

Run ``benchmarks/prepare.py`` first.  Whole processes are timed (``subprocess`` +
``time.perf_counter``) and each child's peak RSS is read from its own ``os.wait4`` rusage.

Tools (each run from the tree folder, so paths in reports are relative to it):

* ``archcheck-imports``: ``archcheck PKG --config archcheck.toml --select ARC001,ARC002,ARC003,ARC004``
* ``archcheck-all``:     ``archcheck PKG --config archcheck.toml`` (every default rule)
* ``lint-imports``:      ``lint-imports --config .importlinter`` (the same layers, see trees.py)
* ``grimp``:             ``grimp.build_graph(PKG)`` in a bare ``python -c``

Modes:

* ``cold``: each tool's cache folder deleted before every run (grimp: ``cache_dir=None``);
* ``warm``: one untimed warm-up, then runs on the filled cache with nothing changed;
* ``edit``: after the warm runs, before every run one module gets new content (a function
  appended to a clean module), so each run sees exactly one changed file.

"Cold" is about the tools' own caches; the OS page cache stays warm (the trees are read
before the first timed run), which is what a developer or a CI job re-running sees.

``--check`` times nothing: it compares archcheck's import findings with lint-imports'
broken chains on every tree, and on synthetic trees archcheck's findings (all rules) and
lint-imports' chains with ``planted.json``.  Exit status 1 when something disagrees.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bytecode  # noqa: E402
import trees  # noqa: E402
from trees import Tree  # noqa: E402

IMPORT_CODES = ("ARC001", "ARC002", "ARC003", "ARC004")
TOOLS = ("archcheck-imports", "archcheck-all", "lint-imports", "grimp")
MODES = ("cold", "warm", "edit")
OK_EXIT = {"archcheck-imports": {0, 1}, "archcheck-all": {0, 1}, "lint-imports": {0, 1}, "grimp": {0}}

# Targets from DESIGN.md ("Targets"): (numerator tool, denominator tool, mode, max ratio, trees)
TARGETS = [
    ("archcheck-imports", "lint-imports", "cold", 1.0, None),
    ("archcheck-imports", "lint-imports", "warm", 1.0, None),
    ("archcheck-all", "lint-imports", "cold", 2.0, ("synth-layered-1k", "synth-feature-1k")),
    ("archcheck-all", "lint-imports", "warm", 1.2, ("synth-layered-1k", "synth-feature-1k")),
]

GRIMP_SCRIPT = (
    "import sys, grimp\n"
    "cache = sys.argv[2] if len(sys.argv) > 2 else None\n"
    "graph = grimp.build_graph(sys.argv[1], cache_dir=cache)\n"
    "print(len(graph.modules), graph.count_imports())\n"
)


# =============================================================================== tools
@dataclass
class Toolset:
    python: str
    lint_imports: list[str] | None
    archcheck: list[str] | None
    archcheck_note: str = ""


def find_tools(archcheck_cmd: str | None) -> Toolset:
    bindir = Path(sys.executable).parent
    py = sys.executable
    li = bindir / "lint-imports"
    lint_imports = [str(li)] if li.exists() else ([shutil.which("lint-imports")] if shutil.which("lint-imports") else None)

    candidates: list[tuple[str, list[str]]] = []
    if archcheck_cmd or os.environ.get("ARCHCHECK_CMD"):
        cmd = archcheck_cmd or os.environ["ARCHCHECK_CMD"]
        candidates.append((f"--archcheck {cmd!r}", shlex.split(cmd)))
    else:
        if (bindir / "archcheck").exists():
            candidates.append((str(bindir / "archcheck"), [str(bindir / "archcheck")]))
        candidates.append((f"{py} -m archcheck", [py, "-m", "archcheck"]))
    archcheck = None
    notes = []
    for label, cmd in candidates:
        try:
            proc = subprocess.run(cmd + ["--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            notes.append(f"{label}: {error}")
            continue
        if proc.returncode == 0:
            archcheck = cmd
            notes = [f"archcheck: {label} ({proc.stdout.strip() or proc.stderr.strip()})"]
            break
        notes.append(f"{label}: exit {proc.returncode}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    note = "; ".join(notes)
    if archcheck is None:
        note = ("archcheck not available, its rows are skipped (install it with "
                "`pip install -e /work/main`, or pass --archcheck CMD). Tried: " + note)
    return Toolset(python=py, lint_imports=lint_imports, archcheck=archcheck, archcheck_note=note)


def cache_dir(tree: Tree, tool: str) -> Path:
    return trees.CACHE_ROOT / tree.name / tool


def tree_env(tree: Tree, tool: str = "") -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ARCHCHECK_CACHE_DIR", None)
    if tool.startswith("archcheck"):
        return env  # archcheck finds packages on disk by itself, as a user would run it
    # lint-imports and grimp find the package through sys.path: the tree must come before
    # an installed distribution of the same name (fastapi, sqlalchemy are in the venv)
    env["PYTHONPATH"] = str(tree.dir) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def command(tools: Toolset, tool: str, tree: Tree, mode: str, extra: tuple[str, ...] = ()) -> list[str] | None:
    """argv for one run of ``tool`` on ``tree``; None when the tool is not available."""
    cache = str(cache_dir(tree, tool))
    if tool.startswith("archcheck"):
        if tools.archcheck is None:
            return None
        argv = tools.archcheck + [tree.package, "--config", tree.archcheck_config_path.name,
                                  "--cache-dir", cache, "-q"]
        if tool == "archcheck-imports":
            argv += ["--select", ",".join(IMPORT_CODES)]
        return argv + list(extra)
    if tool == "lint-imports":
        if tools.lint_imports is None:
            return None
        return tools.lint_imports + ["--config", tree.importlinter_path.name, "--cache-dir", cache] + list(extra)
    if tool == "grimp":
        argv = [tools.python, "-c", GRIMP_SCRIPT, tree.package]
        return argv + ([cache] if mode != "cold" else [])
    raise KeyError(tool)


# =============================================================================== timing
@dataclass
class Sample:
    seconds: float
    rss_kb: int
    exit_code: int


def run_once(argv: list[str], cwd: Path, env: dict[str, str], timeout: float,
             keep_output: bool = False) -> tuple[Sample, str, str]:
    """Run one process; wall time, its own peak RSS (wait4), exit code, and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        deadline = t0 + timeout
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.002)
        except BaseException:  # interrupted: leave no orphan behind
            proc.kill()
            os.wait4(proc.pid, 0)
            raise
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout = stderr = ""
        if keep_output or proc.returncode not in (0, 1):
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
    return Sample(seconds, usage.ru_maxrss, proc.returncode), stdout, stderr


class EditedFile:
    """Gives one clean module new content before each "edit" run; restores it after."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = path.read_bytes()
        self.count = 0

    def change(self) -> None:
        self.count += 1
        snippet = f"\n\ndef _benchmark_edit_{self.count}() -> int:\n    return {self.count}\n"
        self.path.write_bytes(self.original + snippet.encode())

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def measure_tree(tools: Toolset, tool_list: list[str], tree: Tree, modes: list[str], runs: int,
                 timeout: float, log) -> dict:
    """All runs of the tools on one tree: {tool: {mode: summary}}.

    Tools are interleaved within each round (round i runs every tool once), so a burst of
    load from elsewhere on the machine hits all of them alike and the ratios stay fair.
    """
    samples: dict[str, dict[str, list[Sample]]] = {t: {} for t in tool_list}
    failed: dict[str, set[str]] = {t: set() for t in tool_list}

    def one(tool: str, mode: str) -> None:
        if mode in failed[tool] or (mode != "cold" and "warm-up" in failed[tool]):
            return
        argv = command(tools, tool, tree, mode)
        assert argv is not None
        sample, out, err = run_once(argv, tree.dir, tree_env(tree, tool), timeout)
        if sample.exit_code not in OK_EXIT[tool]:
            log(f"    {tool} {mode}: exit {sample.exit_code}\n      $ {shlex.join(argv)}\n"
                + "".join(f"      | {line}\n" for line in (err or out).strip().splitlines()[-8:]))
            failed[tool].add(mode)
            return
        if mode != "warm-up":
            samples[tool].setdefault(mode, []).append(sample)

    def clear(tool: str) -> None:
        shutil.rmtree(cache_dir(tree, tool), ignore_errors=True)

    if "cold" in modes:
        for _ in range(runs):
            for tool in tool_list:
                clear(tool)
                one(tool, "cold")
    if "warm" in modes or "edit" in modes:
        for tool in tool_list:
            clear(tool)
            one(tool, "warm-up")
        if "warm" in modes:
            for _ in range(runs):
                for tool in tool_list:
                    one(tool, "warm")
        if "edit" in modes and tree.edit_file:
            edited = EditedFile(tree.dir / tree.edit_file)
            try:
                for _ in range(runs):
                    edited.change()  # one changed file since every tool's previous run
                    for tool in tool_list:
                        one(tool, "edit")
            finally:
                edited.restore()
    for tool in tool_list:
        clear(tool)

    result: dict[str, dict] = {}
    for tool in tool_list:
        result[tool] = {}
        for mode in modes:
            if mode in failed[tool] or (mode != "cold" and "warm-up" in failed[tool]):
                result[tool][mode] = {"error": True, "samples": []}
            elif samples[tool].get(mode):
                result[tool][mode] = summarise(samples[tool][mode])
                if mode == "edit":
                    result[tool][mode]["file"] = tree.edit_file
    return result


def summarise(samples: list[Sample]) -> dict:
    times = [s.seconds for s in samples]
    return {
        "samples": [round(t, 4) for t in times],
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "peak_rss_mib": max(s.rss_kb for s in samples) / 1024,
        "exit_codes": sorted({s.exit_code for s in samples}),
    }


# =============================================================================== reporting
def fmt_s(x: float | None) -> str:
    return "-" if x is None else (f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s")


def tree_table(tree: Tree, res: dict, tools_order: list[str], modes: list[str]) -> list[str]:
    lines = [
        "| tool | mode | median | min | max | peak RSS |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for tool in tools_order:
        for mode in modes:
            r = res.get(tool, {}).get(mode)
            if r is None:
                continue
            if r.get("error"):
                lines.append(f"| {tool} | {mode} | error | | | |")
                continue
            lines.append(f"| {tool} | {mode} | {fmt_s(r['median'])} | {fmt_s(r['min'])} | "
                         f"{fmt_s(r['max'])} | {r['peak_rss_mib']:.0f} MiB |")
    return lines


def ratio(res: dict, num: str, den: str, mode: str) -> float | None:
    a = res.get(num, {}).get(mode, {})
    b = res.get(den, {}).get(mode, {})
    if "median" in a and "median" in b and b["median"] > 0:
        return a["median"] / b["median"]
    return None


def ratio_lines(tree: Tree, res: dict) -> list[str]:
    out = []
    for num in ("archcheck-imports", "archcheck-all"):
        parts = []
        for mode in MODES:
            r = ratio(res, num, "lint-imports", mode)
            if r is None:
                continue
            target = next((t for t in TARGETS if t[0] == num and t[2] == mode
                           and (t[4] is None or tree.name in t[4])), None)
            mark = ""
            if target:
                mark = f" (target <= {target[3]:g}: {'ok' if r <= target[3] else 'MISSED'})"
            parts.append(f"{mode} {r:.2f}x{mark}")
        if parts:
            out.append(f"- {num} / lint-imports: " + ", ".join(parts))
    return out


def scale_lines(all_res: dict, tree_objs: dict[str, Tree]) -> list[str]:
    rows = []
    names = [n for n in trees.SCALE_TREES if n in all_res]
    if not names:
        return []
    rows.append("| tree | modules | tool (cold) | median | per module | peak RSS |")
    rows.append("|---|---:|---|---:|---:|---:|")
    per_module: dict[str, dict[str, float]] = {}
    for name in names:
        n = tree_objs[name].module_count()
        for tool in ("archcheck-all", "archcheck-imports", "lint-imports", "grimp"):
            r = all_res[name].get(tool, {}).get("cold")
            if not r or r.get("error"):
                continue
            pm = r["median"] / n
            per_module.setdefault(tool, {})[name] = pm
            rows.append(f"| {name} | {n} | {tool} | {fmt_s(r['median'])} | {pm * 1e6:.0f} us | "
                        f"{r['peak_rss_mib']:.0f} MiB |")
    notes = []
    for tool, pms in per_module.items():
        if len(pms) >= 2:
            first, last = names[0], [n for n in names if n in pms][-1]
            if first in pms:
                notes.append(f"- {tool}: time per module {last} / {first} = {pms[last] / pms[first]:.2f} "
                             f"(1.0 = linear)")
    return rows + [""] + notes


# =============================================================================== agreement
_TEXT_FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+) (?P<message>.*)$")


def parse_archcheck_findings(stdout: str, tree: Tree) -> list[dict]:
    """archcheck's report -> [{"code", "path", "line", "importer", "imported", "chain", "end"}].

    The one place that knows archcheck's output format; adapt it when the format moves.
    Accepts ``--format json`` as an object with "findings" (or a bare list), each finding
    with code/path/line at the top level or under "location"; else the text format
    ``path:line:col: CODE message``.  Paths come back relative to the tree folder, posix.
    ``importer`` falls back to the module of ``path``; ``end`` is the last module of
    ``chain`` (ARC003) or else ``imported``, None when the output does not say.
    """
    findings: list[dict] = []
    data = None
    text = stdout.strip()
    if text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if data is not None:
        items = data.get("findings", data.get("results", [])) if isinstance(data, dict) else data
        for item in items:
            loc = item.get("location") or {}
            code = item.get("code") or item.get("rule") or item.get("id")
            path = item.get("path") or item.get("filename") or loc.get("path")
            line = item.get("line") or item.get("row") or loc.get("line")
            chain = item.get("chain") or []
            findings.append({
                "code": code, "path": path, "line": int(line) if line is not None else None,
                "importer": item.get("importer"), "imported": item.get("imported"),
                "chain": list(chain),
            })
    else:
        for raw in stdout.splitlines():
            m = _TEXT_FINDING.match(raw.strip())
            if m:
                findings.append({"code": m["code"], "path": m["path"], "line": int(m["line"]),
                                 "importer": None, "imported": None, "chain": []})
    for f in findings:
        if f["path"]:
            p = Path(f["path"])
            p = p if p.is_absolute() else (tree.dir / p)
            try:
                f["path"] = p.resolve().relative_to(tree.dir.resolve()).as_posix()
            except ValueError:
                f["path"] = p.as_posix()
        if not f["importer"] and f["chain"]:
            f["importer"] = f["chain"][0]
        if not f["importer"] and f["path"]:
            f["importer"] = path_to_module(f["path"])
        # where the offending chain ends: the chain's last module, else the direct import
        f["end"] = f["chain"][-1] if len(f["chain"]) >= 2 else f["imported"]
    return findings


def path_to_module(path: str) -> str:
    p = path[:-3] if path.endswith(".py") else path
    parts = p.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


LINT_IMPORTS_SCRIPT = r'''
import json, sys
from importlinter import api  # noqa: F401  (wires the adapters)
from importlinter.application import use_cases

options = use_cases.read_user_options(config_filename=sys.argv[1])
# lint_imports() registers the built-in contract types before reading; so must we
register = getattr(use_cases, "_register_built_in_contract_types", None)
if register is not None:
    register()
report = use_cases.create_report(options, cache_dir=None)
chains = []
for contract, check in report.get_contracts_and_checks():
    md = check.metadata or {}
    for dep in md.get("invalid_dependencies", []):          # layers
        for route in dep["routes"]:
            links = route["chain"]
            heads = [(links[0]["importer"], links[0]["line_numbers"])] + [
                (l["importer"], l["line_numbers"]) for l in route["extra_firsts"]]
            if len(links) == 1:
                chains.append({"contract": contract.name, "modules": [links[0]["importer"], links[0]["imported"]],
                               "lines": list(links[0]["line_numbers"]),
                               "link_lines": [list(links[0]["line_numbers"])]})
                continue
            middle = [l["imported"] for l in links[:-1]]
            inner = [list(l["line_numbers"]) for l in links[1:-1]]
            tails = [(links[-1]["imported"], links[-1]["line_numbers"])] + [
                (l["imported"], l["line_numbers"]) for l in route["extra_lasts"]]
            for head, lines in heads:
                for tail, tail_lines in tails:
                    chains.append({"contract": contract.name, "modules": [head, *middle, tail],
                                   "lines": list(lines),
                                   "link_lines": [list(lines), *inner, list(tail_lines)]})
    for data in md.get("invalid_chains", []):               # forbidden
        for links in data["chains"]:
            chains.append({"contract": contract.name,
                           "modules": [links[0]["importer"]] + [l["imported"] for l in links],
                           "lines": list(links[0]["line_numbers"]),
                           "link_lines": [list(l["line_numbers"]) for l in links]})
print(json.dumps({"modules": report.module_count, "chains": chains}))
'''


def lint_imports_chains(tools: Toolset, tree: Tree) -> dict:
    argv = [tools.python, "-c", LINT_IMPORTS_SCRIPT, tree.importlinter_path.name]
    proc = subprocess.run(argv, cwd=tree.dir, env=tree_env(tree), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"lint-imports API failed on {tree.name}:\n{proc.stderr[-1500:]}")
    return json.loads(proc.stdout)


def _diff(name: str, a: set, b: set, a_label: str, b_label: str, show: int = 8) -> tuple[bool, list[str]]:
    only_a, only_b = sorted(a - b, key=str), sorted(b - a, key=str)
    lines = [f"  {name}: {a_label} {len(a)}, {b_label} {len(b)}, common {len(a & b)}"]
    for label, items in ((f"only {a_label}", only_a), (f"only {b_label}", only_b)):
        if items:
            lines.append(f"    {label} ({len(items)}):")
            lines += [f"      {x}" for x in items[:show]]
            if len(items) > show:
                lines.append(f"      ... {len(items) - show} more")
    return not only_a and not only_b, lines


def _flag_keys(tree: Tree, modules: list[str], lines: list, link_lines: list | None = None) -> list[tuple]:
    """What a reported chain flags, comparable across tools.

    A direct import: (importer, line, imported), one key per import statement.  An indirect
    chain: (importer, "~>", layer it reaches).  Both tools report one representative chain
    per offending route and may pick different ones (grimp: the shortest to any module of
    the layer), and may cite different lines of the first hop, so those are not compared.

    A chain is first cut to start where it leaves its first module's layer: the forbidden
    contract that stands in for the closed services layer reports router -> router ->
    unlayered -> repository from the first router, a closed layer from the last one.
    """
    layer = tree.layer_of(modules[0])
    start = 0
    while layer is not None and start + 2 < len(modules) and tree.layer_of(modules[start + 1]) == layer:
        start += 1
    if start:
        modules = modules[start:]
        lines = (link_lines[start] if link_lines and len(link_lines) > start else [None])
    if len(modules) <= 2:
        return [(modules[0], line, modules[-1]) for line in (lines or [None])]
    return [(modules[0], "~>", tree.layer_of(modules[-1]))]


CHAINS_SCRIPT = r"""
import json, sys, grimp
# An oracle independent of archcheck: grimp's own chain search, over grimp's own graph,
# with archcheck's constraint that a chain's middle holds modules of no layer only.
request = json.loads(sys.stdin.read())
layered = set(request["layered"])
graph = grimp.build_graph(sys.argv[1], cache_dir=None)
pairs = [tuple(p) for p in request["pairs"]]
heads = {h for h, _ in pairs}
tails = {t for _, t in pairs}
out_edges = {h: graph.find_modules_directly_imported_by(h) for h in heads}
in_edges = {t: graph.find_modules_that_directly_import(t) for t in tails}
for module in layered & graph.modules:
    graph.remove_module(module)
found = []
for head, tail in pairs:
    for module in (head, tail):
        graph.add_module(module)
    for imported in out_edges[head]:
        if imported not in layered:
            graph.add_import(importer=head, imported=imported)
    for importer in in_edges[tail]:
        if importer not in layered:
            graph.add_import(importer=importer, imported=tail)
    chain = graph.find_shortest_chain(importer=head, imported=tail)
    found.append(list(chain) if chain else None)
    for module in (head, tail):
        graph.remove_module(module)
print(json.dumps(found))
"""


def grimp_chains(tools: Toolset, tree: Tree, pairs: list[tuple[str, str]], modules: list[str]) -> list:
    """grimp's shortest chain from head to tail through modules of no layer, per pair (None
    when grimp finds none)."""
    layered = [m for m in modules if tree.layer_of(m)]
    request = json.dumps({"layered": layered, "pairs": pairs})
    proc = subprocess.run([tools.python, "-c", CHAINS_SCRIPT, tree.package], cwd=tree.dir,
                          env=tree_env(tree), input=request, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"grimp failed on {tree.name}:\n{proc.stderr[-1500:]}")
    return json.loads(proc.stdout)


def explain_differences(tools: Toolset, tree: Tree, only_ac: set, only_li: set,
                        ac_chains: dict, li_chains: list, ac_keys: set) -> tuple[dict, list]:
    """Sort the flagged imports that one tool reports and the other does not into the
    differences of meaning between the two contracts; what fits none is returned last.

    * ``schemas -> models``: lint-imports' ``models | schemas`` forbids any import between
      the siblings, archcheck's ARC004 only a schema importing an ORM class;
    * ``through layers``: a lint-imports chain whose middle passes through layered modules
      (the forbidden contract standing in for closed services follows router -> service ->
      ... -> repository); archcheck checks each of those steps on its own;
    * ``direct import too``: archcheck reports the head's direct import of that layer
      (ARC001/ARC002), not also a chain to it;
    * ``chain import-linter left out``: an archcheck chain through modules of no layer
      for which grimp's own chain search (``find_shortest_chain`` over grimp's graph with
      every layered module but the two ends removed: the same constraint, an independent
      search) finds a chain; import-linter reports a subset of the chains between two
      layers (shortest chains, with edges removed between searches). A chain grimp does
      not find is unexplained: the check fails;
    * ``not carried by name``: a lint-imports chain through modules of no layer that
      archcheck does not report; ARC003 reports a chain only where the names used carry
      the dependency. Reported, not a failure.
    """
    reasons: dict[str, int] = {}
    unexplained = []

    def note(reason: str) -> None:
        reasons[reason] = reasons.get(reason, 0) + 1

    direct_reach = {(k[0], tree.layer_of(k[2])) for k in ac_keys if k[1] != "~>"}
    for key in sorted(only_li, key=str):
        head, reached = key[0], (key[2] if key[1] == "~>" else tree.layer_of(key[2]))
        chains = [c["modules"] for c in li_chains if key in _flag_keys(tree, c["modules"], c["lines"], c.get("link_lines"))]
        if tree.layer_of(head) == "schemas" and reached == "models":
            note("schemas -> models (ARC004 is class-level)")
        elif chains and all(any(tree.layer_of(m) for m in c[1:-1]) for c in chains):
            note("lint-imports chain through layered modules")
        elif key[1] == "~>" and (head, reached) in direct_reach:
            note("archcheck reports the direct import instead")
        elif key[1] == "~>" and any(not any(tree.layer_of(m) for m in c[1:-1]) for c in chains):
            note("module-level chain through no-layer modules that archcheck judged not carried by name")
        else:
            unexplained.append(("only lint-imports", key))
    candidates = []
    for key in sorted(only_ac, key=str):
        chain = ac_chains.get(key)
        if key[1] == "~>" and chain and not any(tree.layer_of(m) for m in chain[1:-1]):
            candidates.append((key, chain))
        else:
            unexplained.append(("only archcheck", key))
    pairs = sorted({(chain[0], chain[-1]) for _, chain in candidates})
    modules = sorted({m for c in li_chains for m in c["modules"]} | set(tree.all_modules()))
    oracle = dict(zip(pairs, grimp_chains(tools, tree, pairs, modules))) if pairs else {}
    for key, chain in candidates:
        if oracle.get((chain[0], chain[-1])):
            note("archcheck chain through modules of no layer, found by grimp's own chain search, not in lint-imports' subset")
        else:
            unexplained.append(("only archcheck, no such chain in grimp's own search", key))
    return reasons, unexplained


def check_tree(tools: Toolset, tree: Tree, log) -> bool:
    """Agreement on one tree; True when nothing differs (see ``_flag_keys``).  The chains'
    end modules and middles are shown for information only."""
    ok = True
    log(f"\n== {tree.name} ==")
    li = lint_imports_chains(tools, tree)
    li_chains = li["chains"]
    li_keys = {key for c in li_chains
               for key in _flag_keys(tree, c["modules"], c["lines"], c.get("link_lines"))}
    li_lines = {(c["modules"][0], line) for c in li_chains for line in (c["lines"] or [None])}
    li_pairs = {(c["modules"][0], c["modules"][-1]) for c in li_chains}
    li_middles = {tuple(c["modules"][1:-1]) for c in li_chains if len(c["modules"]) > 2}
    log(f"  lint-imports: {len(li_chains)} broken chains "
        f"({sum(len(c['modules']) == 2 for c in li_chains)} direct) over {li['modules']} modules")

    planted = None
    if tree.kind == "synthetic" and tree.planted_path.is_file():
        records = json.loads(tree.planted_path.read_text())
        planted = {(p["code"], p["path"], p["line"]) for p in records}
        # self-test of the tree and the contracts: lint-imports' chains = planted import leaks
        # (an ARC003 chain starts at the router's import: "via")
        planted_imports = {(path_to_module(p.get("via", p)["path"]), p.get("via", p)["line"])
                           for p in records if p["code"] in IMPORT_CODES}
        same, lines = _diff("lint-imports vs planted ARC001-ARC004 (importer, line)",
                            li_lines, planted_imports, "lint-imports", "planted")
        log("\n".join(lines))
        ok &= same

    if tools.archcheck is None:
        log(f"  archcheck: skipped ({tools.archcheck_note})")
        return ok
    env = tree_env(tree, "archcheck")
    argv = command(tools, "archcheck-imports", tree, "cold", ("--no-cache", "--exit-zero", "--format", "json"))
    argv = [a for a in argv if a != "-q"]
    sample, out, err = run_once(argv, tree.dir, env, 600, keep_output=True)
    if sample.exit_code != 0:
        log(f"  archcheck --format json failed (exit {sample.exit_code}): {err.strip()[-500:]}")
        argv = [a for a in argv if a not in ("--format", "json")]
        sample, out, err = run_once(argv, tree.dir, env, 600, keep_output=True)
        if sample.exit_code != 0:
            log(f"  archcheck failed (exit {sample.exit_code}): {err.strip()[-1500:]}")
            return False
        log("  (text output: comparing by importer and line only)")
    found = [f for f in parse_archcheck_findings(out, tree) if f["code"] in IMPORT_CODES]
    by_code: dict[str, int] = {}
    for f in found:
        by_code[f["code"]] = by_code.get(f["code"], 0) + 1
    log(f"  archcheck: {len(found)} import findings {dict(sorted(by_code.items()))}")
    if found and all(f["end"] for f in found):
        ac_keys = {key for f in found
                   for key in _flag_keys(tree, f["chain"] or [f["importer"], f["end"]], [f["line"]])}
        same, lines = _diff("flagged imports (direct: importer, line, imported; "
                            "indirect: importer, layer reached)", ac_keys, li_keys,
                            "archcheck", "lint-imports")
        log("\n".join(lines))
        if not same and tree.kind == "real":
            ac_chains = {}
            for f in found:
                for key in _flag_keys(tree, f["chain"] or [f["importer"], f["end"]], [f["line"]]):
                    ac_chains.setdefault(key, f["chain"] or [f["importer"], f["end"]])
            reasons, unexplained = explain_differences(
                tools, tree, ac_keys - li_keys, li_keys - ac_keys, ac_chains, li_chains, ac_keys)
            log("  differences of meaning between the two contracts (see explain_differences):")
            log("\n".join(f"    {count} {reason}" for reason, count in sorted(reasons.items())))
            log(f"  unexplained differences: {len(unexplained)}")
            log("\n".join(f"    {where}: {key}" for where, key in unexplained[:12]))
            same = not unexplained
        ok &= same
        ac_pairs = {(f["importer"], f["end"]) for f in found}
        ac_middles = {tuple(f["chain"][1:-1]) for f in found if len(f["chain"]) > 2}
        if ac_pairs != li_pairs or ac_middles != li_middles:
            log("  for information (representative chains may differ):")
            for name, a, b in (("chain ends (first, last module)", ac_pairs, li_pairs),
                               ("indirect chains (middle modules)", ac_middles, li_middles)):
                log("\n".join("  " + x for x in _diff(name, a, b, "archcheck", "lint-imports", show=4)[1]))
    else:
        ac_lines = {(f["importer"], f["line"]) for f in found}
        same, lines = _diff("(importer, line)", ac_lines, li_lines, "archcheck", "lint-imports")
        log("\n".join(lines))
        ok &= same

    if planted is not None:
        argv = command(tools, "archcheck-all", tree, "cold", ("--no-cache", "--exit-zero", "--format", "json"))
        argv = [a for a in argv if a != "-q"]
        sample, out, err = run_once(argv, tree.dir, env, 600, keep_output=True)
        if sample.exit_code != 0:
            argv = [a for a in argv if a not in ("--format", "json")]
            sample, out, err = run_once(argv, tree.dir, env, 600, keep_output=True)
        if sample.exit_code != 0:
            log(f"  archcheck (all rules) failed (exit {sample.exit_code}): {err.strip()[-1500:]}")
            return False
        allf = parse_archcheck_findings(out, tree)
        got = {(f["code"], f["path"], f["line"]) for f in allf}
        dupes = len(allf) - len(got)
        same, lines = _diff("archcheck (all rules) vs planted (code, path, line)", got, planted,
                            "archcheck", "planted")
        log("\n".join(lines) + (f"\n  ({dupes} duplicate findings on the same line)" if dupes else ""))
        per_code = {}
        for code, _p, _l in planted:
            per_code.setdefault(code, [0, 0])[0] += 1
        for code, p, l in got & planted:
            per_code[code][1] += 1
        log("  planted found per code: " + ", ".join(f"{c} {v[1]}/{v[0]}" for c, v in sorted(per_code.items())))
        ok &= same
    return ok


# =============================================================================== main
def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark archcheck against lint-imports and grimp.")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool and mode (default 5)")
    ap.add_argument("--trees", help=f"comma-separated (default: every prepared one of {', '.join(trees.ALL_TREES)})")
    ap.add_argument("--tools", help=f"comma-separated subset of {', '.join(TOOLS)}")
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of cold,warm,edit")
    ap.add_argument("--archcheck", help="archcheck command line (default: the venv's archcheck, "
                                        "else `python -m archcheck`; env ARCHCHECK_CMD)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run")
    ap.add_argument("--check", action="store_true", help="agreement checks instead of timings")
    ap.add_argument("--out", help="results JSON (default benchmarks/results/<time>.json and latest.json)")
    args = ap.parse_args(argv)

    names = args.trees.split(",") if args.trees else [n for n in trees.ALL_TREES if trees.load_tree(n).exists()]
    tree_objs = {}
    for n in names:
        if n not in trees.ALL_TREES:
            ap.error(f"unknown tree {n!r}")
        t = trees.load_tree(n)
        if not t.exists():
            ap.error(f"tree {n} is not prepared: run benchmarks/prepare.py")
        trees.write_configs(t)  # cheap; keeps configs in step with trees.py
        tree_objs[n] = t
    if not tree_objs:
        ap.error("no trees prepared: run benchmarks/prepare.py")
    tools_order = args.tools.split(",") if args.tools else list(TOOLS)
    for t in tools_order:
        if t not in TOOLS:
            ap.error(f"unknown tool {t!r}")
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r}")

    # SIGTERM unwinds like Ctrl-C: the edited module is restored, the running child killed
    signal.signal(signal.SIGTERM, _interrupt)
    tools = find_tools(args.archcheck)

    def log(msg: str) -> None:
        print(msg, flush=True)

    log(tools.archcheck_note)
    if tools.archcheck is not None and not (args.archcheck or os.environ.get("ARCHCHECK_CMD")):
        # As pip installs it: compiled (see bytecode.py); a given command is the caller's.
        compiled = bytecode.compile_archcheck(tools.python)
        tools.archcheck_note += "; bytecode compiled" if compiled else "; bytecode NOT compiled"
        log(f"archcheck's bytecode: {'compiled' if compiled else 'could not be compiled'}")
    if tools.lint_imports is None:
        log("lint-imports not found next to this python nor on PATH: its rows are skipped")

    if args.check:
        ok = True
        for tree in tree_objs.values():
            try:
                ok &= check_tree(tools, tree, log)
            except RuntimeError as error:
                log(f"  {error}")
                ok = False
        log("\nagreement: " + ("OK" if ok else "DIFFERENCES (see above)"))
        return 0 if ok else 1

    started = time.strftime("%Y%m%d-%H%M%S")
    all_res: dict[str, dict] = {}
    report: list[str] = [f"# archcheck benchmarks, {time.strftime('%Y-%m-%d %H:%M')}", "",
                         f"{args.runs} runs per cell; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}",
                         f"{tools.archcheck_note}", ""]
    for tree in tree_objs.values():
        log(f"\n== {tree.name}: {tree.kind}, {tree.module_count()} modules ==")
        available = [t for t in tools_order if command(tools, t, tree, "cold") is not None]
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        res = measure_tree(tools, available, tree, modes, args.runs, args.timeout, log)
        load_after = os.getloadavg()[0]
        for tool in available:
            log(f"  {tool}: " + ", ".join(
                f"{m} {fmt_s(r.get('median'))}" for m, r in res[tool].items() if not r.get("error")))
        log(f"  [{time.perf_counter() - t0:.0f}s; load average {load_before:.2f} -> {load_after:.2f}]")
        res["_load"] = [round(load_before, 2), round(load_after, 2)]
        all_res[tree.name] = res
        table = [f"## {tree.name} ({tree.kind}, {tree.module_count()} modules)", ""]
        table += tree_table(tree, res, tools_order, modes)
        table += ["", f"load average (1 min) {res['_load'][0]:.2f} before, {res['_load'][1]:.2f} after"]
        rl = ratio_lines(tree, res)
        if rl:
            table += ["", *rl]
        if "edit" in modes and tree.edit_file:
            table += ["", f"edit runs change `{tree.edit_file}`"]
        log("")
        log("\n".join(table))
        report += table + [""]
    scale = scale_lines(all_res, tree_objs)
    if scale:
        section = ["## Scale (cold)", "", *scale]
        log("\n" + "\n".join(section))
        report += section + [""]

    trees.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {
        "started": started, "runs": args.runs, "modes": modes, "cpus": os.cpu_count(),
        "python": sys.version, "archcheck": tools.archcheck, "note": tools.archcheck_note,
        "trees": {n: {"kind": t.kind, "modules": t.module_count()} for n, t in tree_objs.items()},
        "results": all_res,
    }
    # Scratch runs go to results/scratch/ (git-ignored); a run meant to be quoted is named
    # with --out results/NAME.json and committed with its .md, which the READMEs cite.
    out = Path(args.out) if args.out else trees.RESULTS_DIR / "scratch" / f"{started}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=trees.BENCH_DIR, capture_output=True, text=True)
    payload["archcheck_commit"] = commit.stdout.strip() or None
    payload["load_average"] = os.getloadavg()
    out.write_text(json.dumps(payload, indent=1) + "\n")
    md = out.with_suffix(".md")
    md.write_text("\n".join(report) + "\n")
    if not args.out:
        shutil.copyfile(out, trees.RESULTS_DIR / "latest.json")
        shutil.copyfile(md, trees.RESULTS_DIR / "latest.md")
    log(f"\nresults: {out} and {md}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
