"""The ``archcheck`` command: click in, the engine, text out; errors become exit 2."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from archcheck import __version__
from archcheck.engine import Options, check
from archcheck.errors import ArchcheckError
from archcheck.report import format_text

__all__ = ["main"]


def _codes(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


class _Group(click.Group):
    """``archcheck PATH...`` runs the check; ``archcheck rules`` etc. are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        elif not args:
            args = ["check"]
        return super().parse_args(ctx, args)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archcheck")
def main() -> None:
    """Architecture linter for FastAPI projects.

    Run `archcheck PATH...` to check router -> service -> repository layering and
    ORM/schema separation. Exit status: 0 clean, 1 findings, 2 usage or config error.
    """


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Config file (pyproject.toml or archcheck.toml); default: the nearest above the first PATH.")
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (replaces the config's).")
@click.option("--extend-select", help="Comma-separated rule codes or prefixes to enable on top.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path),
              help="Cache folder (default: $ARCHCHECK_CACHE_DIR, else .archcheck_cache beside the config).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary line.")
def check_command(paths, config_path, select, extend_select, ignore, exit_zero, no_cache, cache_dir, quiet):
    """Check PATHS (package directories, or folders holding packages; default: .)."""
    options = Options(
        config_path=config_path,
        select=_codes(select),
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        use_cache=not no_cache,
        cache_dir=cache_dir,
    )
    try:
        report = check(list(paths) or [Path(".")], options)
    except ArchcheckError as error:
        click.echo(f"archcheck: error: {error}", err=True)
        sys.exit(error.exit_code)
    click.echo(format_text(report, quiet=quiet), nl=False)
    sys.exit(0 if exit_zero else report.exit_code)
