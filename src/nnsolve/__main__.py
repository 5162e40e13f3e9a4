import sys

from nnsolve.cli import main

sys.exit(main())
