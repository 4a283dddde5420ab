"""The database: the engine and transactions (`engine`), the tables (`models`), the schema
migrations (`migrate`, `migrations/`), and one module per thing stored — `programmes`,
`target_changes` (modified targets and their history), `captures`, `roster` (owners and their
units), `sync_runs`. Rows become `scoring` dataclasses
or plain views here and nowhere else."""
