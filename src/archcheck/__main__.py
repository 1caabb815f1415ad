import os
import sys

# ``python -m archcheck`` puts the working directory first on sys.path, where a package of
# the analysed project (one named ``json``, say) would shadow the standard library's and be
# imported: archcheck must never import the code it analyses.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from archcheck.cli import main

main(prog_name="archcheck")
