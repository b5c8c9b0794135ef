import sys

from rag_release.metrics.server import main

sys.exit(main())
