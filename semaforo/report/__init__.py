"""The quarterly report (informe trimestral): `model` builds it from the database as plain
data; `pdf` and `xlsx` render that data. Issue 14; DOMAIN.md "What the planning area produces".
"""
