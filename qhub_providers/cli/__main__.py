import sys

from qhub_providers.cli import main

sys.exit(main())
