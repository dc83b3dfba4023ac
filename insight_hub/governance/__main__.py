"""python -m insight_hub.governance: the check of a built warehouse (catalogue and column lineage)."""

import sys

from insight_hub.governance.catalogue import main

sys.exit(main())
