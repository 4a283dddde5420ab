"""Month-end reminders: which are due at a moment and to whom (`plan`, pure), the ledger that
sends each once (`ledger`, the database), and their words (`text`, pure)."""
