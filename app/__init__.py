"""The entry points, on the top floor: the command line (`app.cli`), the operator's commands
(`app.operations`: run, remind, db upgrade, doctor, demo), the service process (`app.runtime`),
the deployment check (`app.doctor`), the demo and its sample data. Everything is built here from
the settings and handed down; nothing below imports this package."""
