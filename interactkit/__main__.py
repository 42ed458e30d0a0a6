import sys

from interactkit.cli import main

sys.exit(main())
