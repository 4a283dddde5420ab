"""The shared package: settings, database models and access, catalogues, capture import, the CLI."""
