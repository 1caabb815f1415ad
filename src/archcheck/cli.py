"""The ``archcheck`` command: click in, the engine, a report out; errors become exit 2.

``archcheck [PATHS]`` checks (the ``check`` command is implied); ``rules``, ``explain``,
``init`` and ``graph`` are the other commands. Nothing here decides what a finding is or
when a run fails: the engine finds, ``reporting.Result`` owns the exit status.
"""

from __future__ import annotations

import difflib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import click

from archcheck import __version__
from archcheck.baseline import compare, load_baseline, write_baseline
from archcheck.engine import Options, check, layer_imports, load
from archcheck.errors import ArchcheckError, UsageError
from archcheck.reporting import FORMATS, Result, render, statistics_lines
from archcheck.rules import RULES, docs_url, rule_for

__all__ = ["main"]


def _codes(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


def _fail(error: ArchcheckError) -> None:
    click.echo(f"archcheck: error: {error}", err=True)
    sys.exit(error.exit_code)


def _colour(stream: TextIO) -> bool:
    """Colour on a terminal only; ``NO_COLOR`` turns it off, ``FORCE_COLOR`` on
    (https://no-color.org, https://force-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def _emit(text: str, output_file: Path | None, colour: bool = False) -> None:
    """The report on stdout, or in ``output_file``."""
    if output_file is None:
        click.echo(text, nl=False, color=colour)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(UsageError(f"{output_file}: cannot write: {error.strerror}"))


class _Progress:
    """How far a long run has got, on a terminal's stderr, rewritten in place.

    Silent unless stderr is a terminal and not in CI; quiet on small, fast runs.
    """

    INTERVAL = 0.1  # seconds between two redraws
    DELAY = 0.5  # seconds before a run counts as long ...
    LARGE = 500  # ... unless it has at least this many files

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    @classmethod
    def for_terminal(cls, stream: TextIO | None = None) -> _Progress | None:
        stream = stream or sys.stderr
        if os.environ.get("CI") or os.environ.get("TERM") == "dumb":
            return None
        try:
            return cls(stream) if stream.isatty() else None
        except (AttributeError, ValueError):
            return None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if total < self.LARGE and now - self.start < self.DELAY:
            return
        if stage == "read" and now - self.last < self.INTERVAL:
            return
        self.last = now
        if stage == "read":
            text = f"archcheck: parsed {done}/{total} files"
        else:
            text = f"archcheck: building the import graph ({total} files)"
        self.stream.write(f"\r{text}\033[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def _run_engine(call: Callable[[Options], Any], options: Options) -> Any:
    """``call(options)`` with a progress display when stderr is a terminal."""
    progress = _Progress.for_terminal()
    if progress is not None:
        options = replace(options, progress=progress)
    try:
        return call(options)
    except (ArchcheckError, KeyboardInterrupt):
        raise
    except Exception as error:
        raise ArchcheckError(
            f"internal error, please report it: {type(error).__name__}: {error}"
        ) from error
    finally:
        if progress is not None:
            progress.clear()


class _Group(click.Group):
    """``archcheck PATH...`` runs the check; ``archcheck rules`` etc. are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            self._refuse_typo(args[0])
            args = ["check", *args]
        elif not args:
            args = ["check"]
        return super().parse_args(ctx, args)

    def _refuse_typo(self, word: str) -> None:
        """``archcheck grpah``: a word that is no path and reads like a command is a typo
        of one, not a path to check."""
        if word.startswith("-") or Path(word).exists() or any(c in word for c in "/\\."):
            return
        commands = sorted(self.commands)
        nearest = difflib.get_close_matches(word, commands, n=1, cutoff=0.6)
        hint = (
            f"did you mean `archcheck {nearest[0]}`?"
            if nearest
            else f"commands: {', '.join(commands)}"
        )
        _fail(UsageError(f"{word}: no such file or directory, nor a command; {hint}"))


def _engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that runs the engine takes."""
    for option in reversed(
        (
            click.option(
                "--config",
                "config_path",
                type=click.Path(path_type=Path),
                help="Config file (pyproject.toml or archcheck.toml); default: the nearest above the first PATH.",
            ),
            click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
            click.option(
                "--cache-dir",
                type=click.Path(path_type=Path),
                help="Cache folder (default: $ARCHCHECK_CACHE_DIR, else .archcheck_cache beside the config).",
            ),
        )
    ):
        command = option(command)
    return command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archcheck")
def main() -> None:
    """Architecture linter for FastAPI projects.

    Run `archcheck PATH...` to check router -> service -> repository layering and
    ORM/schema separation (`archcheck check --help` for its options: formats, baseline,
    statistics). Exit status: 0 clean, 1 findings, 2 usage or config error.

    New here? `archcheck init` writes the layout it detects into pyproject.toml,
    `archcheck graph` draws it.
    """


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_engine_options
@click.option(
    "--select", help="Comma-separated rule codes or prefixes to enable (replaces the config's)."
)
@click.option("--extend-select", help="Comma-separated rule codes or prefixes to enable on top.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format: text for people, json for scripts, sarif for code scanning, github for Actions annotations.",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to FILE instead of stdout.",
)
@click.option(
    "--statistics",
    is_flag=True,
    help="Count findings per rule (text: instead of the findings; other formats: on stderr).",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    "write_baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record every current finding in this baseline file, and exit 0.",
)
@click.option(
    "--no-baseline", is_flag=True, help="Report every finding, whatever baseline the config names."
)
@click.option(
    "--show-source", is_flag=True, help="Show each finding's line, with a caret under it."
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary line.")
def check_command(
    paths,
    config_path,
    no_cache,
    cache_dir,
    select,
    extend_select,
    ignore,
    output_format,
    output_file,
    statistics,
    baseline_path,
    write_baseline_path,
    no_baseline,
    show_source,
    exit_zero,
    quiet,
):
    """Check PATHS (package directories, or folders holding packages; default: .)."""
    options = Options(
        config_path=config_path,
        select=_codes(select),
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        use_cache=not no_cache,
        cache_dir=cache_dir,
    )
    targets = list(paths) or [Path(".")]
    try:
        baseline = None
        config = load(targets, options)
        if baseline_path is None and write_baseline_path is None and not no_baseline:
            baseline_path = _relative(config.baseline)  # `baseline = ...`
        if baseline_path is not None and write_baseline_path is None and not no_baseline:
            baseline = load_baseline(baseline_path)  # a bad baseline fails before the work
        report = _run_engine(lambda opts: check(targets, opts, config=config), options)
        if write_baseline_path is not None:
            count = write_baseline(write_baseline_path, report.findings)
            noun = "finding" if count == 1 else "findings"
            click.echo(f"Wrote {count} {noun} to the baseline {write_baseline_path}.")
            sys.exit(0)
        comparison = None
        if baseline is not None:
            comparison = compare(report.findings, baseline, root=baseline_path.resolve().parent)
    except ArchcheckError as error:
        _fail(error)
    for warning in report.warnings:
        click.echo(f"archcheck: warning: {warning}", err=True)
    result = Result(report, comparison, exit_zero=exit_zero)
    colour = output_file is None and output_format == "text" and _colour(sys.stdout)
    text = render(
        result,
        output_format,
        quiet=quiet,
        statistics=statistics,
        show_source=show_source,
        colour=colour,
    )
    _emit(text, output_file, colour)
    if statistics and output_format != "text":
        for line in statistics_lines(result):
            click.echo(line, err=True)
    for note in result.notes():
        click.echo(f"archcheck: {note}", err=True)
    sys.exit(result.exit_code)


def _relative(path: Path | None) -> Path | None:
    """``path`` as the user would write it: relative to the working directory if below it."""
    if path is None:
        return None
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@main.command("rules")
def rules_command():
    """List every rule: code, name, default state (on, off, or strict) and summary."""
    rows = [("code", "name", "default", "summary")]
    rows += [(rule.code, rule.name, rule.default, rule.summary()) for rule in RULES]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3]
        )


@main.command("explain")
@click.argument("code")
def explain_command(code):
    """Show the documentation of rule CODE (what it does, why, an example, what to do instead)."""
    rule = rule_for(code.strip().upper())
    if rule is None:
        _fail(UsageError(f"unknown rule code {code!r}; `archcheck rules` lists them"))
    state = {"on": "on by default", "off": "off by default", "strict": "on with strict = true"}
    click.echo(f"# {rule.code} {rule.name} ({state[rule.default]})\n")
    click.echo(rule.docs())
    click.echo(f"\n{docs_url(rule)}")


@main.command("init")
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing [tool.archcheck] table.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write nothing: print the [tool.archcheck] table on stdout (what was found on stderr).",
)
def init_command(path, force, dry_run):
    """Detect the layout of the project in PATH (default: .) and write [tool.archcheck] into
    its pyproject.toml, creating the file if needed and keeping the rest of it as it was."""
    from archcheck.init import describe, init_project  # tomlkit: only `init` pays for it

    try:
        outcome = init_project(path, force=force, dry_run=dry_run)
    except ArchcheckError as error:
        _fail(error)
    found = describe(outcome.detection)
    if dry_run:
        click.echo(found, err=True, nl=False)
        click.echo(outcome.toml, nl=False)
        return
    click.echo(found, nl=False)
    shown = os.path.relpath(outcome.path) if outcome.path.is_absolute() else str(outcome.path)
    click.echo(f"\nWrote [tool.archcheck] to {shown}:\n\n{outcome.toml}\nNow run: archcheck")


@main.command("graph")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_engine_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("mermaid", "dot")),
    default="mermaid",
    show_default=True,
    help="mermaid (GitHub renders it in Markdown) or dot (Graphviz).",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the graph to FILE instead of stdout.",
)
@click.option(
    "--by-feature",
    is_flag=True,
    help="One box per feature (feature-first layouts): shows one feature reaching into another.",
)
def graph_command(paths, config_path, no_cache, cache_dir, output_format, output_file, by_feature):
    """Draw the layers of PATHS (default: .) and the imports between them, leaks in red."""
    options = Options(config_path=config_path, use_cache=not no_cache, cache_dir=cache_dir)
    targets = list(paths) or [Path(".")]
    try:
        report = _run_engine(lambda opts: check(targets, opts), options)
        imports = layer_imports(targets, options)
    except ArchcheckError as error:
        _fail(error)
    from archcheck.layer_graph import picture, render_dot, render_mermaid

    drawn = picture(imports, report.findings, by_feature=by_feature)
    _emit(render_dot(drawn) if output_format == "dot" else render_mermaid(drawn), output_file)
