"""Database plumbing shared by the database nodes: a per-process event loop, asyncpg pools,
and SQL built with quoted identifiers and bind parameters (never spliced values)."""
