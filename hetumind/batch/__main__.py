"""`python -m hetumind.batch WORKFLOW --input SRC --output DST` (a `ray job submit` entrypoint)."""

from hetumind.batch.command import main

main()
