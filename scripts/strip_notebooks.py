"""Strip the outputs, execution counts and run metadata from notebooks, in place.

    python scripts/strip_notebooks.py                  # every notebook under notebooks/
    python scripts/strip_notebooks.py a.ipynb b.ipynb  # just these
    python scripts/strip_notebooks.py --check          # list unstripped notebooks, exit 1 if any

Needs only the standard library and nbformat. The notebooks are committed stripped so that diffs show
changes to the tutorial, not to its last run (tests/notebooks checks this).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
# Cell metadata that only records a run (nbclient's timings, Jupyter's collapsed/scrolled view state).
RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def strip(notebook: nbformat.NotebookNode) -> bool:
    """Remove everything a run leaves in ``notebook``; return whether anything changed."""
    changed = False
    for cell in notebook.cells:
        for key in RUN_METADATA:
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        if cell.outputs:
            cell.outputs = []
            changed = True
        if cell.execution_count is not None:
            cell.execution_count = None
            changed = True
    if "widgets" in notebook.metadata:
        del notebook.metadata["widgets"]
        changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if any needs stripping")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    dirty = []
    for path in paths:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if strip(notebook):
            dirty.append(path)
            if not args.check:
                nbformat.write(notebook, path)
    verb = "needs stripping" if args.check else "stripped"
    for path in dirty:
        print(f"{verb}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
