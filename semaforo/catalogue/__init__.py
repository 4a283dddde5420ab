"""Programme catalogues: the YAML files and their reading (`files`), the structural check and
the source's irregularities (`check`), the stored catalogue as a document (`export`), and the
bundled programmes (`bundled/<id>/`)."""
